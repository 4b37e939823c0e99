package storage

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// Observer is told how long each database operation took: op is "read" (one query on the
// read pool, until its first row) or "write" (one command, from queueing to durable commit).
// Metrics set one; it must be cheap and safe for concurrent use.
type Observer func(op string, d time.Duration, err error)

// SetObserver installs o for every later Read and Write (nil removes it).
func (db *DB) SetObserver(o Observer) {
	if o == nil {
		db.obs.p.Store(nil)
		return
	}
	db.obs.p.Store(&o)
}

// observerSlot holds the observer; without one, reads and writes run unwrapped.
type observerSlot struct{ p atomic.Pointer[Observer] }

func (s *observerSlot) reader(q Querier) Querier {
	if o := s.p.Load(); o != nil {
		return timedQuerier{q: q, obs: *o}
	}
	return q
}

func (s *observerSlot) write(f func() error) error {
	o := s.p.Load()
	if o == nil {
		return f()
	}
	start := time.Now()
	err := f()
	(*o)("write", time.Since(start), err)
	return err
}

// timedQuerier times each statement sent to the read pool.
type timedQuerier struct {
	q   Querier
	obs Observer
}

func (t timedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	start := time.Now()
	r, err := t.q.ExecContext(ctx, query, args...)
	t.obs("read", time.Since(start), err)
	return r, err
}

func (t timedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	start := time.Now()
	r, err := t.q.QueryContext(ctx, query, args...)
	t.obs("read", time.Since(start), err)
	return r, err
}

func (t timedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	start := time.Now()
	r := t.q.QueryRowContext(ctx, query, args...)
	err := r.Err()
	if err == sql.ErrNoRows {
		err = nil // not finding a row is an answer, not a failure
	}
	t.obs("read", time.Since(start), err)
	return r
}
