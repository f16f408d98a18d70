-- Teams (workspaces): members with roles, invitations by email, links owned by a team.

CREATE TABLE IF NOT EXISTS teams (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  public_id CHAR(36) NOT NULL,
  name VARCHAR(100) NOT NULL,
  -- The owner's plan governs the team and its links (seats, aliases, expiry, links per month).
  owner_user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_teams_public_id (public_id),
  KEY ix_teams_owner (owner_user_id),
  CONSTRAINT fk_teams_owner FOREIGN KEY (owner_user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS team_members (
  team_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  role ENUM('admin','editor','viewer') NOT NULL,
  joined_at DATETIME(3) NOT NULL,
  PRIMARY KEY (team_id, user_id),
  KEY ix_team_members_user (user_id),
  CONSTRAINT fk_team_members_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
  CONSTRAINT fk_team_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS team_invitations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  public_id CHAR(36) NOT NULL,
  team_id BIGINT UNSIGNED NOT NULL,
  email VARCHAR(254) NOT NULL,
  role ENUM('admin','editor','viewer') NOT NULL,
  token_hash BINARY(32) NOT NULL,
  invited_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  accepted_at DATETIME(3) NULL,
  revoked_at DATETIME(3) NULL,
  UNIQUE KEY uq_team_invitations_public_id (public_id),
  UNIQUE KEY uq_team_invitations_hash (token_hash),
  KEY ix_team_invitations_team (team_id),
  CONSTRAINT fk_team_invitations_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
  CONSTRAINT fk_team_invitations_inviter FOREIGN KEY (invited_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE links ADD COLUMN IF NOT EXISTS team_id BIGINT UNSIGNED NULL AFTER owner_user_id;
ALTER TABLE links ADD KEY IF NOT EXISTS ix_links_team (team_id, created_at);
ALTER TABLE links ADD CONSTRAINT fk_links_team FOREIGN KEY IF NOT EXISTS (team_id) REFERENCES teams (id);
