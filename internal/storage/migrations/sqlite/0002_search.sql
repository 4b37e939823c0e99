-- Search indexes. Tokens are made in Go (internal/search): CJK bigrams and words, one space
-- apart, so FTS5's unicode61 tokenizer only splits on those spaces. Contentless tables: the
-- text lives in messages and customers; these hold only the index, written in the same
-- transaction as the row they index.
CREATE VIRTUAL TABLE message_index USING fts5 (
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE VIRTUAL TABLE customer_index USING fts5 (
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
