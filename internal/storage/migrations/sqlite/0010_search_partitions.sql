-- PostgreSQL splits its message search index into partitions by message id (see the
-- PostgreSQL file of the same number). SQLite needs nothing: FTS5 reads rowids newest first.
SELECT 1;
