-- The web UI (issue #3): browser sessions, sign-in backoff, standard phrases and saved views.
-- The PostgreSQL file of the same number creates the same tables with the same meaning.

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database signs nobody in. csrf_token is the per-session form token.
CREATE TABLE web_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Failed sign-ins per login name, for backoff: after a few failures the next attempt must
-- wait, longer each time; a success clears the row.
CREATE TABLE login_failures (
    login        TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
);

-- 规范用语: standard phrases agents insert into replies. Variables such as {customer} are
-- filled in the browser at the cursor.
CREATE TABLE phrases (
    id         INTEGER PRIMARY KEY,
    category   TEXT NOT NULL CHECK (category IN ('greeting', 'apology', 'closing', 'other')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX phrases_category ON phrases (category, title);

-- An inbox filter a user saved under a name; query is the inbox URL's query string.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);
