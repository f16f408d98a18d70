-- What the ingester derives from each visit's user agent and address (uap-core, crawler-user-agents,
-- a MaxMind-format database), whether it came from a QR code; bots counted apart in the rollups; and the
-- daily visitor sets behind unique-visitor counts.

ALTER TABLE clicks
  ADD COLUMN device VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER do_not_track,
  ADD COLUMN os VARCHAR(64) NOT NULL DEFAULT '' AFTER device,
  ADD COLUMN os_version VARCHAR(32) NOT NULL DEFAULT '' AFTER os,
  ADD COLUMN browser VARCHAR(64) NOT NULL DEFAULT '' AFTER os_version,
  ADD COLUMN browser_version VARCHAR(32) NOT NULL DEFAULT '' AFTER browser,
  ADD COLUMN is_bot TINYINT(1) NOT NULL DEFAULT 0 AFTER browser_version,
  ADD COLUMN country CHAR(2) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER is_bot,
  ADD COLUMN region VARCHAR(64) NOT NULL DEFAULT '' AFTER country,
  ADD COLUMN city VARCHAR(128) NOT NULL DEFAULT '' AFTER region,
  ADD COLUMN via_qr TINYINT(1) NOT NULL DEFAULT 0 AFTER city;

-- `clicks` counts people; `bots` counts crawlers, preview fetchers and monitors (left out unless asked for).
-- Dimension `uniques` (value '') counts, in the hour of their first click that UTC day, the visitors new on it.
ALTER TABLE click_rollups
  ADD COLUMN bots BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER clicks;

-- The visitor hashes seen per link and UTC day (the hash's salt changes daily, so older days are dropped
-- by the ingester once they cannot change).
CREATE TABLE IF NOT EXISTS click_visitors (
  link_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  visitor_hash BINARY(16) NOT NULL,
  PRIMARY KEY (link_id, day, visitor_hash)
) ENGINE=InnoDB;
