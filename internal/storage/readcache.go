package storage

import (
	"context"
	"database/sql"
	"sync"
)

// readCache keeps SQLite's read-pool statements prepared. Every read used to parse and plan
// its SQL again (a join of ten tables costs more to parse than to run on a warm cache), while
// the product runs the same few hundred statements all day. database/sql prepares a pooled
// statement on each connection the first time it runs there, and a connection belongs to one
// caller until its rows are closed, so — unlike the writer's one connection — the pool can
// share one prepared statement among any number of concurrent readers.
//
// A statement is prepared once it has run twice; SQL built per request (search windows, a
// list's filter combination) beyond the cap runs unprepared. PostgreSQL needs none of this:
// pgx keeps its own per-connection statement cache.
type readCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	seen  map[string]int
	limit int
}

func newReadCache(db *sql.DB, limit int) *readCache {
	return &readCache{db: db, stmts: map[string]*sql.Stmt{}, seen: map[string]int{}, limit: limit}
}

// stmt returns query's prepared statement, preparing it on its second run; nil means run it
// unprepared.
func (c *readCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	s, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return s
	}
	c.mu.Lock()
	if s, ok := c.stmts[query]; ok {
		c.mu.Unlock()
		return s
	}
	if len(c.stmts) >= c.limit || len(c.seen) >= 4*c.limit {
		c.mu.Unlock()
		return nil
	}
	c.seen[query]++
	if c.seen[query] < 2 {
		c.mu.Unlock()
		return nil
	}
	delete(c.seen, query)
	c.mu.Unlock()
	// Preparing outside the lock: another reader may prepare the same query meanwhile; the
	// first one stored wins and the other is closed.
	p, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil // it runs unprepared, where its error shows
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		p.Close()
		return s
	}
	c.stmts[query] = p
	return p
}

func (c *readCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *readCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *readCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := c.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// close finalizes every prepared statement (before the pool closes).
func (c *readCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
	return nil
}
