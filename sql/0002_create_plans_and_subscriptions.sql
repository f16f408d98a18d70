-- Plans and their entitlements as data (seed: free, pro, business, enterprise), and each user's subscription.
-- NULL in a limit column means unlimited. Money in integer cents.

CREATE TABLE IF NOT EXISTS plans (
  code VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  plan_rank SMALLINT UNSIGNED NOT NULL,
  price_cents_monthly INT UNSIGNED NULL,
  links_per_month INT UNSIGNED NULL,
  custom_aliases TINYINT(1) NOT NULL,
  expiration_dates TINYINT(1) NOT NULL,
  detailed_analytics TINYINT(1) NOT NULL,
  analytics_retention_days INT UNSIGNED NULL,
  api_requests_per_minute INT UNSIGNED NULL,
  custom_domains INT UNSIGNED NULL,
  team_seats INT UNSIGNED NULL,
  webhooks TINYINT(1) NOT NULL,
  targeting_rules TINYINT(1) NOT NULL,
  UNIQUE KEY uq_plans_rank (plan_rank)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO plans (code, name, plan_rank, price_cents_monthly, links_per_month, custom_aliases, expiration_dates,
                   detailed_analytics, analytics_retention_days, api_requests_per_minute, custom_domains, team_seats,
                   webhooks, targeting_rules)
VALUES ('free',       'Free',        0,    0,   100, 0, 0, 0,   30,    60,    0,    1, 0, 0),
       ('pro',        'Pro',        10, 1200,  5000, 1, 1, 1,  365,   600,    1,    3, 0, 1),
       ('business',   'Business',   20, 4900, 50000, 1, 1, 1,  730,  3000,   10,   25, 1, 1),
       ('enterprise', 'Enterprise', 30, NULL,  NULL, 1, 1, 1, NULL, 10000, NULL, NULL, 1, 1);

CREATE TABLE IF NOT EXISTS subscriptions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  public_id CHAR(36) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  plan_code VARCHAR(32) CHARACTER SET ascii NOT NULL,
  status ENUM('trialing','active','canceled','expired') NOT NULL,
  trial_ends_at DATETIME(3) NULL,
  current_period_end DATETIME(3) NULL,
  cancel_at_period_end TINYINT(1) NOT NULL DEFAULT 0,
  provider VARCHAR(32) NULL,
  provider_ref VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_subscriptions_public_id (public_id),
  UNIQUE KEY uq_subscriptions_user (user_id),
  KEY ix_subscriptions_provider (provider, provider_ref),
  CONSTRAINT fk_subscriptions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_subscriptions_plan FOREIGN KEY (plan_code) REFERENCES plans (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Administrators created before plans existed keep every feature.
INSERT INTO subscriptions (public_id, user_id, plan_code, status, created_at, updated_at)
SELECT UUID(), id, 'enterprise', 'active', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM users WHERE role = 'admin'
ON DUPLICATE KEY UPDATE plan_code = plan_code;
