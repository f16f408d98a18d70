-- Clicks: the raw rows (partitioned by month, so retention drops partitions instead of deleting rows), the
-- hourly rollups kept in the same transaction as the rows, and the ingester's per-file offsets and status.

CREATE TABLE IF NOT EXISTS clicks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  clicked_at DATETIME(3) NOT NULL,
  link_id BIGINT UNSIGNED NOT NULL,
  domain_id BIGINT UNSIGNED NOT NULL,
  code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status SMALLINT UNSIGNED NOT NULL,
  ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  user_agent VARCHAR(1024) NOT NULL DEFAULT '',
  referer VARCHAR(2048) NOT NULL DEFAULT '',
  -- The partition key must be part of every unique key.
  PRIMARY KEY (id, clicked_at),
  KEY ix_clicks_link_time (link_id, clicked_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (clicked_at) (
  -- Monthly partitions are added ahead of time by the ingester (ClickPartitions); p_future stays empty.
  PARTITION p_before VALUES LESS THAN ('2026-01-01'),
  PARTITION p_future VALUES LESS THAN (MAXVALUE)
);

-- Counts per link per hour per dimension, written with the raw rows in one transaction, so they always equal
-- the raw counts. dimension 'total' (value '') is every click; more dimensions come with enrichment.
CREATE TABLE IF NOT EXISTS click_rollups (
  link_id BIGINT UNSIGNED NOT NULL,
  dimension VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  value VARCHAR(255) NOT NULL,
  hour DATETIME NOT NULL,
  clicks BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (link_id, dimension, value, hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How far each spool file has been ingested: advanced in the transaction that inserts its rows, so a crash at
-- any moment neither loses nor doubles a click.
CREATE TABLE IF NOT EXISTS ingest_files (
  name VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  byte_offset BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB;

-- The ingester's last report (one row): what `shortlinkctl status` shows.
CREATE TABLE IF NOT EXISTS ingest_status (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  heartbeat_at DATETIME(3) NOT NULL,
  bytes_behind BIGINT UNSIGNED NOT NULL,
  oldest_pending_at DATETIME(3) NULL,
  files_pending INT UNSIGNED NOT NULL,
  clicks_ingested BIGINT UNSIGNED NOT NULL,
  malformed_lines BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
