-- The email channel (issue #4): mailboxes, the raw mail they received, and the outbox.
-- Times are Unix milliseconds UTC. The PostgreSQL file of the same number matches it.

-- A mailbox an admin connected. Passwords are AES-256-GCM ciphertexts ("v1:…"), never plain.
CREATE TABLE mailboxes (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    address             TEXT NOT NULL UNIQUE,
    team_id             INTEGER REFERENCES teams (id),
    imap_host           TEXT NOT NULL,
    imap_port           INTEGER NOT NULL,
    imap_tls            TEXT NOT NULL CHECK (imap_tls IN ('tls', 'starttls', 'none')),
    imap_user           TEXT NOT NULL,
    imap_password       TEXT NOT NULL DEFAULT '',
    imap_folder         TEXT NOT NULL DEFAULT 'INBOX',
    smtp_host           TEXT NOT NULL DEFAULT '',
    smtp_port           INTEGER NOT NULL DEFAULT 0,
    smtp_tls            TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('tls', 'starttls', 'none')),
    smtp_user           TEXT NOT NULL DEFAULT '',
    smtp_password       TEXT NOT NULL DEFAULT '',
    from_name           TEXT NOT NULL DEFAULT '',
    signature           TEXT NOT NULL DEFAULT '',
    auto_reply          TEXT NOT NULL DEFAULT '',
    active              INTEGER NOT NULL DEFAULT 1,
    delete_after_import INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- Where the sync of a mailbox stands, and which node holds it: lease_owner may sync until
-- lease_until, so that on PostgreSQL only one node talks to a mailbox at a time.
CREATE TABLE mail_sync (
    mailbox_id   INTEGER PRIMARY KEY REFERENCES mailboxes (id) ON DELETE CASCADE,
    folder       TEXT NOT NULL DEFAULT '',
    uidvalidity  INTEGER NOT NULL DEFAULT 0,
    last_uid     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  INTEGER NOT NULL DEFAULT 0,
    last_sync_at INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
);

-- Every mail received, stored raw (blob by SHA-256) before anything else is done with it.
-- state: stored (waiting), processed, duplicate (the same mail is already a message),
-- failed (error says why; re-processable through the API).
CREATE TABLE mail_messages (
    id           INTEGER PRIMARY KEY,
    mailbox_id   INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    folder       TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    raw_sha256   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    message_id   TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'stored' CHECK (state IN ('stored', 'processed', 'duplicate', 'failed')),
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    dedup_key    TEXT NOT NULL DEFAULT '',
    from_addr    TEXT NOT NULL DEFAULT '',
    cc           TEXT NOT NULL DEFAULT '[]',
    auto_kind    TEXT NOT NULL DEFAULT '',
    ticket_id    INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    ticket_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    server_deleted INTEGER NOT NULL DEFAULT 0,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    UNIQUE (mailbox_id, folder, uidvalidity, uid),
    UNIQUE (mailbox_id, raw_sha256)
);
CREATE INDEX mail_messages_state ON mail_messages (state, id);
CREATE INDEX mail_messages_message_id ON mail_messages (message_id);
CREATE INDEX mail_messages_ticket ON mail_messages (ticket_id, id);

-- Outgoing mail. source names what it answers ('message:<id>' for an agent's reply,
-- 'ack:<mail id>' for an automatic acknowledgement) so that nothing is queued twice.
-- message_id is our Message-ID, chosen before the first try and kept for threading.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('reply', 'auto')),
    mailbox_id      INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL,
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    ticket_message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    from_name       TEXT NOT NULL DEFAULT '',
    to_addr         TEXT NOT NULL,
    cc              TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_auto ON mail_outbox (to_addr, kind, created_at);
CREATE INDEX mail_outbox_ticket_message ON mail_outbox (ticket_message_id);

-- The outbox finds agents' email replies among all messages through this small index.
CREATE INDEX messages_email_agent_replies ON messages (id) WHERE channel = 'email' AND kind = 'reply' AND author_kind = 'agent';
