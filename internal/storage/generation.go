package storage

import (
	"context"
	"fmt"
	"sync"
)

// Cached keeps what a node read of one configuration table (custom field definitions, SLA
// policies, automation rules) and reads it again only when the table's generation changed.
// Every ticket a customer sends runs through those tables — validate its custom fields,
// choose its SLA policy, fire its automation rules — and reading them took a fifth of a new
// ticket's time on the single SQLite writer. A trigger gives the table a new random
// generation on every change (migration 0010), in the transaction that made the change, so:
//   - any node sees another node's change on its next read (one one-row query);
//   - a command that changed the table sees its own change;
//   - a change rolled back takes its generation with it, and no later change can reuse it.
//
// The value handed out is shared: callers must not modify it.
type Cached[T any] struct {
	table string
	mu    sync.Mutex
	gen   int64
	val   T
	have  bool
}

// NewCached caches a value derived from table (a name in config_generations).
func NewCached[T any](table string) *Cached[T] { return &Cached[T]{table: table} }

// Get returns the cached value if table has not changed since it was loaded, or runs load on
// q and keeps its result. q is a transaction or the read pool: inside a command, the
// generation and load both see the command's own writes.
func (c *Cached[T]) Get(ctx context.Context, q Querier, load func(context.Context, Querier) (T, error)) (T, error) {
	var gen int64
	if err := q.QueryRowContext(ctx, `SELECT value FROM config_generations WHERE name = $1`, c.table).Scan(&gen); err != nil {
		var zero T
		return zero, fmt.Errorf("configuration generation of %s: %w", c.table, err)
	}
	c.mu.Lock()
	if c.have && c.gen == gen {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := load(ctx, q)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	c.gen, c.val, c.have = gen, v, true
	c.mu.Unlock()
	return v, nil
}
