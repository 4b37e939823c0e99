package storage

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite's writer statements prepared. Parsing and planning SQL is about a
// fifth of the writer's work (measured on ticket creation at a million tickets), and every
// command runs the same few dozen statements, so the writer connection keeps each one it has
// seen twice. database/sql can only prepare a statement for the whole pool while the pool's
// one connection is free, so a statement first runs unprepared and is prepared after the
// batch that ran it commits; from then on Tx.StmtContext finds it already prepared on that
// connection and reuses it.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	seen  map[string]int // unprepared runs since the last prepare round
	ready int            // how many in seen ran twice
	limit int
}

// cachedStatements caps how many statements the writer keeps (each holds a compiled
// program, a few kilobytes); dynamic SQL beyond it simply runs unprepared.
const cachedStatements = 512

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, seen: map[string]int{}, limit: cachedStatements}
}

// get returns the prepared statement for query, or nil after noting that query ran.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts)+len(c.seen) < 4*c.limit {
		c.seen[query]++
		if c.seen[query] == 2 {
			c.ready++
		}
	}
	return nil
}

// prepareSeen prepares the statements that ran at least twice. It must run while the
// writer connection is idle (between batches): preparing on the pool takes the connection.
func (c *stmtCache) prepareSeen() {
	c.mu.Lock()
	var todo []string
	for q, n := range c.seen {
		if n >= 2 && len(c.stmts)+len(todo) < c.limit {
			todo = append(todo, q)
			delete(c.seen, q)
		}
	}
	c.ready = 0
	if len(c.stmts)+len(todo) >= c.limit {
		clear(c.seen) // full: stop counting
	}
	c.mu.Unlock()
	for _, q := range todo {
		s, err := c.db.PrepareContext(context.Background(), q)
		if err != nil {
			continue // the statement keeps running unprepared, where its error shows
		}
		c.mu.Lock()
		c.stmts[q] = s
		c.mu.Unlock()
	}
}

// pending reports whether a prepare round has work.
func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready > 0 && len(c.stmts) < c.limit
}

// close finalizes every prepared statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
	return nil
}
