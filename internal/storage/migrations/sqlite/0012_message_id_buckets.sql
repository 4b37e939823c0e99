-- Nothing changes on SQLite. The PostgreSQL file of the same number adds id buckets to the
-- message search index, because a GIN index returns matches unordered; FTS5 walks its rowids
-- newest first and needs none. Both dialects keep the same schema version numbers.
SELECT 1;
