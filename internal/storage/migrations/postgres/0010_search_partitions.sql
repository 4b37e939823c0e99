-- PostgreSQL search reads the newest matches first, but a GIN index returns every match of
-- its terms at once: a common word (订单, 退款) in five million messages costs a scan of
-- all of them before the newest 2,000 can be picked. message_index is therefore split into
-- partitions of 262,144 consecutive message ids; a search asks the newest partitions first
-- and stops once it has enough (internal/search, internal/ticket/search.go), so its work is
-- that of the newest partitions, not of the archive.
--
-- kefu_message_index_ensure(upto) creates the partitions up to two beyond message id upto;
-- every node calls it at start and each minute, so new messages land in their own partition.
-- Rows that arrive before their partition exists go to the default partition and are moved
-- when it is created. The conversion is skipped when message_index is partitioned already
-- (a large database converted by hand ahead of the upgrade, see docs/operations.md). The
-- SQLite file of the same number changes nothing: FTS5 reads rowids newest first on its own.

CREATE OR REPLACE FUNCTION kefu_message_index_ensure(upto BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    chunk CONSTANT BIGINT := 262144;
    top BIGINT;
    lo BIGINT;
BEGIN
    -- One creator at a time, on every node; the others find the work done.
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.kefu_message_index_ensure'));
    SELECT COALESCE(max(substring(c.relname FROM '^message_index_p([0-9]+)$')::BIGINT), -1) INTO top
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'message_index'::regclass;
    IF top >= upto / chunk + 2 THEN
        RETURN (top + 1) * chunk;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS kefu_moved (message_id BIGINT, tokens TSVECTOR) ON COMMIT DROP;
    FOR k IN top + 1 .. upto / chunk + 2 LOOP
        lo := k * chunk;
        WITH moved AS (DELETE FROM message_index_default WHERE message_id >= lo AND message_id < lo + chunk
                       RETURNING message_id, tokens)
        INSERT INTO kefu_moved SELECT message_id, tokens FROM moved;
        EXECUTE format('CREATE TABLE %I PARTITION OF message_index FOR VALUES FROM (%s) TO (%s)',
                       'message_index_p' || k, lo, lo + chunk);
        INSERT INTO message_index SELECT message_id, tokens FROM kefu_moved;
        DELETE FROM kefu_moved;
        top := k;
    END LOOP;
    RETURN (top + 1) * chunk;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'message_index'::regclass) THEN
        RETURN;
    END IF;
    ALTER TABLE message_index RENAME TO message_index_unpartitioned;
    ALTER TABLE message_index_unpartitioned RENAME CONSTRAINT message_index_pkey TO message_index_unpartitioned_pkey;
    ALTER TABLE message_index_unpartitioned RENAME CONSTRAINT message_index_message_id_fkey TO message_index_unpartitioned_message_id_fkey;
    ALTER INDEX message_index_tokens RENAME TO message_index_unpartitioned_tokens;
    CREATE TABLE message_index (
        message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        tokens     TSVECTOR NOT NULL,
        PRIMARY KEY (message_id)
    ) PARTITION BY RANGE (message_id);
    CREATE TABLE message_index_default PARTITION OF message_index DEFAULT;
    PERFORM kefu_message_index_ensure((SELECT COALESCE(max(message_id), 0) FROM message_index_unpartitioned));
    INSERT INTO message_index (message_id, tokens) SELECT message_id, tokens FROM message_index_unpartitioned;
    DROP TABLE message_index_unpartitioned;
    CREATE INDEX message_index_tokens ON message_index USING gin (tokens);
END $$;
