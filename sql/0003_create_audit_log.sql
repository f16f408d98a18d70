-- Who did what to which object, from which address, when. Written in the same transaction as the change.

CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  occurred_at DATETIME(3) NOT NULL,
  actor_user_id BIGINT UNSIGNED NULL,
  actor_key_id BIGINT UNSIGNED NULL,
  actor_ip VARCHAR(45) NOT NULL DEFAULT '',
  action VARCHAR(64) CHARACTER SET ascii NOT NULL,
  object_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  object_id VARCHAR(64) NOT NULL,
  team_id BIGINT UNSIGNED NULL,
  details TEXT NULL,
  KEY ix_audit_team (team_id, id),
  KEY ix_audit_actor (actor_user_id, id),
  KEY ix_audit_object (object_type, object_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
