-- What the ingester derives from each visit: where it came from (referrer host, UTM parameters), where it was
-- sent, a daily-rotating visitor hash for uniques, and whether the visitor asked not to be tracked. Orphan
-- visits (a code no link holds, or the bare domain) are kept with link_id 0.

ALTER TABLE clicks
  ADD COLUMN destination VARCHAR(2048) NOT NULL DEFAULT '' AFTER referer,
  ADD COLUMN referrer_host VARCHAR(255) NOT NULL DEFAULT '' AFTER destination,
  ADD COLUMN utm_source VARCHAR(255) NOT NULL DEFAULT '' AFTER referrer_host,
  ADD COLUMN utm_medium VARCHAR(255) NOT NULL DEFAULT '' AFTER utm_source,
  ADD COLUMN utm_campaign VARCHAR(255) NOT NULL DEFAULT '' AFTER utm_medium,
  ADD COLUMN utm_term VARCHAR(255) NOT NULL DEFAULT '' AFTER utm_campaign,
  ADD COLUMN utm_content VARCHAR(255) NOT NULL DEFAULT '' AFTER utm_term,
  ADD COLUMN visitor_hash BINARY(16) NULL AFTER utm_content,
  ADD COLUMN do_not_track TINYINT(1) NOT NULL DEFAULT 0 AFTER visitor_hash;

-- The salt of each UTC day's visitor hashes: random, kept two days, then deleted, so that a hash can never be
-- recomputed from an address afterwards.
CREATE TABLE IF NOT EXISTS visitor_salts (
  day DATE NOT NULL PRIMARY KEY,
  salt BINARY(32) NOT NULL
) ENGINE=InnoDB;
