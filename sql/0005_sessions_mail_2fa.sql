-- Sign-in: sessions with rotating refresh tokens, emailed one-time tokens, the mail outbox, TOTP 2FA.

ALTER TABLE users
  ADD COLUMN IF NOT EXISTS display_name VARCHAR(100) NOT NULL DEFAULT '' AFTER email,
  ADD COLUMN IF NOT EXISTS email_verified_at DATETIME(3) NULL AFTER display_name,
  -- The TOTP secret, sealed with a key derived from the server secret (libsodium secretbox).
  ADD COLUMN IF NOT EXISTS totp_secret VARBINARY(128) NULL AFTER password_hash,
  ADD COLUMN IF NOT EXISTS totp_enabled_at DATETIME(3) NULL AFTER totp_secret,
  -- The last TOTP time step accepted, so that one code cannot be used twice.
  ADD COLUMN IF NOT EXISTS totp_last_step BIGINT NULL AFTER totp_enabled_at;

-- One row per sign-in: the refresh-token family. Access tokens name it (claim `sid`), so revoking a session
-- (logout, password change, reuse of a refresh token) stops its access tokens on the next request.
CREATE TABLE IF NOT EXISTS sessions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  public_id CHAR(36) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  revoked_reason VARCHAR(32) NULL,
  client_ip VARCHAR(45) NOT NULL DEFAULT '',
  user_agent VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uq_sessions_public_id (public_id),
  KEY ix_sessions_user (user_id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Refresh tokens, stored as SHA-256. Each is used once: using one marks it and issues its successor in
-- the same session; presenting a used one again revokes the session.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  token_hash BINARY(32) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  UNIQUE KEY uq_refresh_tokens_hash (token_hash),
  KEY ix_refresh_tokens_session (session_id),
  CONSTRAINT fk_refresh_tokens_session FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Emailed one-time tokens (verify email, reset password) and the short-lived second step of a 2FA login.
CREATE TABLE IF NOT EXISTS one_time_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  purpose ENUM('verify_email','reset_password','login_2fa') NOT NULL,
  token_hash BINARY(32) NOT NULL,
  -- For email verification: the address the token confirms (the user may change it meanwhile).
  email VARCHAR(254) NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  UNIQUE KEY uq_one_time_tokens_hash (token_hash),
  KEY ix_one_time_tokens_user (user_id, purpose),
  CONSTRAINT fk_one_time_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use 2FA recovery codes, stored as SHA-256.
CREATE TABLE IF NOT EXISTS recovery_codes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  code_hash BINARY(32) NOT NULL,
  used_at DATETIME(3) NULL,
  KEY ix_recovery_codes_user (user_id),
  CONSTRAINT fk_recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Mail waiting to go out. Written in the transaction that causes it; sent at once when the SMTP server
-- answers, else retried by `shortlinkctl send-mail` (shortlink-mail.timer). The body is erased once sent.
CREATE TABLE IF NOT EXISTS mail_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  recipient VARCHAR(254) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  sent_at DATETIME(3) NULL,
  last_error VARCHAR(255) NULL,
  KEY ix_mail_outbox_due (sent_at, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
