-- Run by the workflow's setup-command before each side: both start from the same rows.
DROP TABLE IF EXISTS users;
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);
INSERT INTO users (name) SELECT 'user-' || n FROM generate_series(1, 1000) AS n;
