-- Kept in step with SQLite's 0024, which rebuilds the roster tables
-- WITHOUT ROWID so that each row is stored once, in its primary key's
-- B-tree. PostgreSQL has no rowid tables: its roster tables stay as they
-- are, and this migration changes nothing.
SELECT 1;
