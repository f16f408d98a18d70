-- One free trial per user: remembered even after the subscription row changes plan.
ALTER TABLE users ADD COLUMN IF NOT EXISTS trial_used_at DATETIME(3) NULL AFTER is_active;
