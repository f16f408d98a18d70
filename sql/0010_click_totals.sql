-- Totals kept by the ingester in each batch's transaction, so that the dashboard's numbers never scan the
-- hourly rollups: every link's clicks over all time, and each account's and team's clicks per UTC day.

CREATE TABLE IF NOT EXISTS link_click_totals (
  link_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bots BIGINT UNSIGNED NOT NULL DEFAULT 0,
  uniques BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_click_at DATETIME(3) NULL
) ENGINE=InnoDB;

-- owner_kind: 'u' a user's personal links, 't' a team's links (as owned when the clicks were ingested).
CREATE TABLE IF NOT EXISTS owner_click_days (
  owner_kind CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bots BIGINT UNSIGNED NOT NULL DEFAULT 0,
  uniques BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_kind, owner_id, day)
) ENGINE=InnoDB;

-- The clicks ingested before this migration.
INSERT INTO link_click_totals (link_id, clicks, bots, uniques, last_click_at)
SELECT link_id, SUM(IF(dimension = 'total', clicks, 0)), SUM(IF(dimension = 'total', bots, 0)),
       SUM(IF(dimension = 'uniques', clicks, 0)), MAX(hour)
FROM click_rollups WHERE dimension IN ('total', 'uniques') AND value = '' AND link_id <> 0 GROUP BY link_id;

INSERT INTO owner_click_days (owner_kind, owner_id, day, clicks, bots, uniques)
SELECT IF(l.team_id IS NULL, 'u', 't'), COALESCE(l.team_id, l.owner_user_id), DATE(r.hour),
       SUM(IF(r.dimension = 'total', r.clicks, 0)), SUM(IF(r.dimension = 'total', r.bots, 0)), SUM(IF(r.dimension = 'uniques', r.clicks, 0))
FROM click_rollups r JOIN links l ON l.id = r.link_id
WHERE r.dimension IN ('total', 'uniques') AND r.value = '' AND (l.team_id IS NOT NULL OR l.owner_user_id IS NOT NULL)
GROUP BY 1, 2, 3;
