-- Whether search engines may index a short URL: off by default (redirects answer X-Robots-Tag: noindex).
ALTER TABLE links ADD COLUMN IF NOT EXISTS allow_indexing TINYINT(1) NOT NULL DEFAULT 0 AFTER redirect_type;
