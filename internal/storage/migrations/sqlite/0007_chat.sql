-- Live chat and ratings (issue #5): widget visitors, chats (a chat is a ticket with channel
-- chat; this row holds what only a chat has), customer ratings of tickets, and the
-- per-agent cap of concurrent chats.
-- The PostgreSQL file of the same number creates the same tables with the same meaning.

-- A customer's rating of a ticket: one per ticket, changed in place by the same customer
-- (every change is an event on the ticket).
CREATE TABLE ratings (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- A widget visitor: the browser keeps a random token, only its SHA-256 is stored. The
-- customer is known once the pre-chat form named them (found or created by email/phone).
CREATE TABLE chat_visitors (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    customer_id  INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

-- A chat: waiting for an agent, active with one, or closed. offline marks a chat started
-- outside business hours or with nobody available ("leave a message").
CREATE TABLE chats (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    visitor_id  INTEGER NOT NULL REFERENCES chat_visitors (id) ON DELETE CASCADE,
    team_id     INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    offline     INTEGER NOT NULL DEFAULT 0,
    agent_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    closed_at   INTEGER
);
CREATE INDEX chats_visitor ON chats (visitor_id, ticket_id);
CREATE INDEX chats_state ON chats (state, created_at, ticket_id);
CREATE INDEX chats_agent ON chats (agent_id, state);

-- How many chats an agent takes at once (0: none).
ALTER TABLE agent_routing ADD COLUMN max_chats INTEGER NOT NULL DEFAULT 5;
