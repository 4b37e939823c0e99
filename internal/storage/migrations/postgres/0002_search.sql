-- Search indexes. Tokens are made in Go (internal/search): CJK bigrams and words with their
-- positions, written as tsvector literals so PostgreSQL's own parser (which splits Chinese
-- by the server's locale) is never involved; phrases use <->, written in the same
-- transaction as the row they index.
CREATE TABLE message_index (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    tokens     TSVECTOR NOT NULL
);
CREATE INDEX message_index_tokens ON message_index USING gin (tokens);

CREATE TABLE customer_index (
    customer_id BIGINT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    tokens      TSVECTOR NOT NULL
);
CREATE INDEX customer_index_tokens ON customer_index USING gin (tokens);
