-- The customer portal (issue #5): one-time sign-in links, optional passwords, portal
-- sessions and the counters behind rate limits and sign-in backoff. Times are Unix
-- milliseconds UTC. The PostgreSQL file of the same number creates the same tables.

-- A customer's portal settings: an optional password (argon2id, PHC string; '' for none)
-- and the language they chose.
CREATE TABLE portal_accounts (
    customer_id   INTEGER PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- A one-time sign-in link mailed to a customer. Only the SHA-256 of its random token is
-- stored; it is good once (used_at) and until expires_at, and only for its customer.
CREATE TABLE portal_links (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX portal_links_customer ON portal_links (customer_id, created_at);

-- A signed-in customer's browser: the cookie holds a random token, the table its SHA-256
-- and the session's CSRF token.
CREATE TABLE portal_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX portal_sessions_customer ON portal_sessions (customer_id);

-- Counters shared by every node: hits in the current window (rate limits on link requests
-- per IP and per address) and failures with a lock (password backoff per address).
CREATE TABLE portal_limits (
    key          TEXT PRIMARY KEY,
    hits         INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);
