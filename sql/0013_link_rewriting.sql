-- How a link rewrites its destination per visit (the UTM builder, query parameters injected or removed, the
-- visitor's query passed on or not), as RewriteRules' compact JSON; NULL: the default (passed on, nothing else).
ALTER TABLE links ADD COLUMN IF NOT EXISTS rewrite_rules TEXT NULL AFTER allow_indexing;
