-- Click reports (shortlink-report): who wants them and how often, the reports made (kept for download),
-- and mail that carries HTML and an attachment.

ALTER TABLE mail_outbox
  ADD COLUMN html MEDIUMTEXT NULL AFTER body,
  ADD COLUMN attachment_name VARCHAR(255) NULL AFTER html,
  ADD COLUMN attachment_type VARCHAR(100) NULL AFTER attachment_name,
  ADD COLUMN attachment MEDIUMTEXT NULL AFTER attachment_type;

-- owner_kind 'u' (a user's personal links) or 't' (a team's links); no row: no reports (they are opt-in).
CREATE TABLE IF NOT EXISTS report_settings (
  owner_kind CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner_id BIGINT UNSIGNED NOT NULL,
  frequency VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (owner_kind, owner_id),
  CONSTRAINT ck_report_frequency CHECK (frequency IN ('daily', 'weekly'))
) ENGINE=InnoDB;

-- One report per owner, frequency and period: the unique key is what makes a period reported once.
CREATE TABLE IF NOT EXISTS reports (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  public_id CHAR(36) NOT NULL,
  owner_kind CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner_id BIGINT UNSIGNED NOT NULL,
  frequency VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  clicks BIGINT UNSIGNED NOT NULL,
  html MEDIUMTEXT NOT NULL,
  csv MEDIUMTEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_reports_public_id (public_id),
  UNIQUE KEY uq_reports_period (owner_kind, owner_id, frequency, period_start),
  KEY ix_reports_owner (owner_kind, owner_id, period_start)
) ENGINE=InnoDB;
