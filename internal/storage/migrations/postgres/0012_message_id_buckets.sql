-- Message search reads the newest matches in spans of message ids (internal/search/spans.go):
-- every message's tsvector also holds the id buckets it falls in, one position-less lexeme
-- per level ('~14.304' is ids 304·2^14 … 305·2^14−1), so the GIN index can hand over only the
-- matches inside a span. Kefu writes them with every indexed message; this adds them to the
-- messages indexed before, with the function below, which a test holds equal to Kefu's.
CREATE FUNCTION kefu_message_buckets(id BIGINT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT array_to_tsvector(ARRAY['~14.' || (id >> 14), '~17.' || (id >> 17), '~20.' || (id >> 20),
                                     '~23.' || (id >> 23), '~26.' || (id >> 26)]) $$;

-- The table is written anew in message id order rather than updated in place: a span is
-- cheap when the rows of one bucket lie together (GIN then skips through a common word's
-- posting list in one region), and an UPDATE of every row would scatter them into free space
-- and leave the table at twice its size. A few minutes at five million messages
-- (docs/operations.md, Upgrade).
--
-- Each row also carries its message's ticket, so that a window of 2,001 matches does not
-- look up 2,001 messages to learn their tickets; the trigger below keeps it when a message
-- moves (merge, split).
SET LOCAL maintenance_work_mem = '256MB';
CREATE TABLE message_index_new (message_id BIGINT NOT NULL, ticket_id BIGINT NOT NULL, tokens TSVECTOR NOT NULL);
INSERT INTO message_index_new (message_id, ticket_id, tokens)
    SELECT x.message_id, m.ticket_id, x.tokens || kefu_message_buckets(x.message_id)
    FROM message_index x JOIN messages m ON m.id = x.message_id ORDER BY x.message_id;
DROP TABLE message_index;
ALTER TABLE message_index_new RENAME TO message_index;
ALTER TABLE message_index ADD CONSTRAINT message_index_pkey PRIMARY KEY (message_id);
ALTER TABLE message_index ADD CONSTRAINT message_index_message_id_fkey
    FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE;
CREATE INDEX message_index_tokens ON message_index USING gin (tokens);
-- A window's plan is a bitmap scan of a few thousand rows; a parallel worker costs more to
-- start (10–15 ms measured) than it saves.
ALTER TABLE message_index SET (parallel_workers = 0);
ANALYZE message_index;

CREATE FUNCTION message_index_follow_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_index SET ticket_id = NEW.ticket_id WHERE message_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER messages_move_index AFTER UPDATE OF ticket_id ON messages
    FOR EACH ROW WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id) EXECUTE FUNCTION message_index_follow_ticket();
