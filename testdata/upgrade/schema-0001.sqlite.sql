-- Frozen copy of Kefu's oldest supported schema (migration 0001, sqlite) as a database made by
-- kefu 0.1 would hold it, with its schema_migrations row. Never edit: the upgrade test starts here.

-- Kefu core schema (SQLite). Times are Unix milliseconds UTC; ids are 64-bit integers.
-- The PostgreSQL file of the same number creates the same tables with the same meaning.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ticket_number', 10000);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Teams are service groups (售前, 售后一组); departments are the responsible departments
-- that receive work orders (技术部, 物流部). Both are groups of users.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('team', 'department')),
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'department')),
    password_hash TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL DEFAULT 'zh-CN',
    time_zone     TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    organization  TEXT NOT NULL DEFAULT '',
    tier          TEXT NOT NULL DEFAULT 'ordinary' CHECK (tier IN ('vip', 'key', 'ordinary', 'small')),
    stage         TEXT NOT NULL DEFAULT 'current' CHECK (stage IN ('potential', 'target', 'current', 'lost')),
    notes         TEXT NOT NULL DEFAULT '',
    custom_fields TEXT NOT NULL DEFAULT '{}',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_tier ON customers (tier, updated_at, id);
CREATE INDEX customers_name ON customers (name);

-- One row per way to reach a customer; a value belongs to one customer per kind.
CREATE TABLE customer_identities (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'chat')),
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, tag_id)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);

-- 查阅登记: every view of a customer record by staff.
CREATE TABLE customer_views (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    viewed_at   INTEGER NOT NULL
);
CREATE INDEX customer_views_customer ON customer_views (customer_id, id);

CREATE TABLE tickets (
    id                       INTEGER PRIMARY KEY,
    number                   INTEGER NOT NULL UNIQUE,
    subject                  TEXT NOT NULL,
    type                     TEXT NOT NULL CHECK (type IN ('consultation', 'presale', 'order', 'aftersale', 'complaint', 'suggestion', 'praise')),
    subtype                  TEXT NOT NULL DEFAULT '' CHECK (subtype IN ('', 'repair', 'return', 'exchange', 'refund', 'warranty')),
    status                   TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending_customer', 'pending_department', 'resolved', 'closed')),
    priority                 INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    channel                  TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'portal', 'phone', 'api')),
    customer_id              INTEGER NOT NULL REFERENCES customers (id),
    team_id                  INTEGER REFERENCES teams (id),
    department_id            INTEGER REFERENCES teams (id),
    assignee_id              INTEGER REFERENCES users (id),
    owner_id                 INTEGER REFERENCES users (id),
    merged_into_id           INTEGER REFERENCES tickets (id),
    custom_fields            TEXT NOT NULL DEFAULT '{}',
    preview                  TEXT NOT NULL DEFAULT '',
    message_count            INTEGER NOT NULL DEFAULT 0,
    version                  INTEGER NOT NULL DEFAULT 1,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    first_response_at        INTEGER,
    last_customer_message_at INTEGER,
    last_agent_message_at    INTEGER,
    resolved_at              INTEGER,
    closed_at                INTEGER
);
-- One index per inbox view, each ending in the keyset order (updated_at, id).
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_status ON tickets (status, updated_at, id);
CREATE INDEX tickets_team ON tickets (team_id, status, updated_at, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, updated_at, id);
CREATE INDEX tickets_owner ON tickets (owner_id, status, updated_at, id);
CREATE INDEX tickets_department ON tickets (department_id, status, updated_at, id);
CREATE INDEX tickets_customer ON tickets (customer_id, updated_at, id);
CREATE INDEX tickets_priority ON tickets (status, priority, updated_at, id);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, tag_id)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id, ticket_id);

-- Links between tickets: related (both ways alike), merged (from → into), split (from → new).
CREATE TABLE ticket_links (
    from_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    to_id      INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('related', 'merged', 'split')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
);
CREATE INDEX ticket_links_to ON ticket_links (to_id);

-- Messages: public replies and internal notes. dedup_key is a channel's idempotency key
-- (an API Idempotency-Key, a chat client's message id): the same key is never stored twice.
CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    ticket_id          INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
    author_kind        TEXT NOT NULL CHECK (author_kind IN ('customer', 'agent', 'system')),
    author_user_id     INTEGER REFERENCES users (id),
    author_customer_id INTEGER REFERENCES customers (id),
    channel            TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'portal', 'phone', 'api')),
    body_text          TEXT NOT NULL,
    body_html          TEXT NOT NULL DEFAULT '',
    dedup_key          TEXT UNIQUE,
    created_at         INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

-- Attachment contents when they are kept in the database (always on PostgreSQL).
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- The append-only record of every change: the timeline, the audit trail, the source of
-- reports and webhooks. One row per changed field.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('ticket', 'customer', 'user', 'team')),
    subject_id   INTEGER NOT NULL,
    action       TEXT NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    old_value    TEXT,
    new_value    TEXT,
    detail       TEXT NOT NULL DEFAULT '{}',
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('user', 'customer', 'system')),
    actor_id     INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX events_subject ON events (subject_kind, subject_id, id);

-- Definitions of custom fields for tickets and customers; values live in custom_fields JSON.
CREATE TABLE custom_fields (
    id         INTEGER PRIMARY KEY,
    entity     TEXT NOT NULL CHECK (entity IN ('ticket', 'customer')),
    key        TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'select', 'checkbox')),
    label_zh   TEXT NOT NULL,
    label_en   TEXT NOT NULL DEFAULT '',
    options    TEXT NOT NULL DEFAULT '[]',
    required   INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (entity, key)
);

CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'core', 1735689600000);
