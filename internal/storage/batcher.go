package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// batcher is SQLite's group commit. Commands queue on one channel; one goroutine takes
// whatever is waiting (up to maxBatch), runs each inside its own savepoint of a single
// transaction, and commits once. A command's error rolls back its savepoint only; a failed
// commit fails the whole batch. Nobody is told "done" before the commit returned.
type batcher struct {
	db       *sql.DB
	stmts    *stmtCache
	maxBatch int
	reqs     chan *writeReq
	quit     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	conn func(*sql.Conn) error // set for exclusive maintenance work instead of fn
	done chan error
	tx   *Tx
}

var errClosed = errors.New("storage: database is closed")

func newBatcher(db *sql.DB, maxBatch int) *batcher {
	b := &batcher{db: db, stmts: newStmtCache(db), maxBatch: maxBatch, reqs: make(chan *writeReq), quit: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b
}

func (b *batcher) write(ctx context.Context, fn func(*Tx) error) error {
	return b.submit(ctx, &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

func (b *batcher) exclusive(ctx context.Context, f func(*sql.Conn) error) error {
	return b.submit(ctx, &writeReq{ctx: ctx, conn: f, done: make(chan error, 1)})
}

func (b *batcher) submit(ctx context.Context, r *writeReq) error {
	select {
	case b.reqs <- r:
	case <-b.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the command may already be
	// committed, and the caller must not be told otherwise.
	return <-r.done
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
	b.stmts.close()
}

func (b *batcher) loop() {
	defer b.wg.Done()
	for {
		var first *writeReq
		select {
		case first = <-b.reqs:
		case <-b.quit:
			return
		}
		if first.conn != nil {
			first.done <- b.runExclusive(first)
			continue
		}
		batch := []*writeReq{first}
		var held *writeReq // an exclusive request that arrived mid-collection runs after the batch
	collect:
		for len(batch) < b.maxBatch {
			select {
			case r := <-b.reqs:
				if r.conn != nil {
					held = r
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		b.run(batch)
		if held != nil {
			held.done <- b.runExclusive(held)
		}
		if b.stmts.pending() {
			b.stmts.prepareSeen() // the connection is idle now
		}
	}
}

func (b *batcher) runExclusive(r *writeReq) error {
	conn, err := b.db.Conn(r.ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return r.conn(conn)
}

func (b *batcher) run(batch []*writeReq) {
	errs := make([]error, len(batch))
	finish := func(commitErr error) {
		for i, r := range batch {
			if errs[i] == nil && commitErr != nil {
				errs[i] = commitErr
			}
			if errs[i] == nil {
				for _, f := range r.tx.after {
					f()
				}
			}
			r.done <- errs[i]
		}
	}
	sqlTx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		finish(fmt.Errorf("storage: begin: %w", err))
		return
	}
	single := len(batch) == 1
	ok := 0
	for i, r := range batch {
		r.tx = &Tx{Tx: sqlTx, ctx: r.ctx, dialect: SQLite, stmts: b.stmts}
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if single {
			errs[i] = runCommand(r.tx, r.fn)
			if errs[i] == nil {
				ok++
			}
			continue
		}
		if _, err := sqlTx.Exec("SAVEPOINT cmd"); err != nil {
			errs[i] = fmt.Errorf("storage: savepoint: %w", err)
			continue
		}
		errs[i] = runCommand(r.tx, r.fn)
		if errs[i] != nil {
			r.tx.after = nil
			if _, err := sqlTx.Exec("ROLLBACK TO cmd"); err != nil {
				// The transaction is unusable: fail everything in it.
				sqlTx.Rollback()
				for j := range batch {
					if errs[j] == nil {
						errs[j] = fmt.Errorf("storage: rollback to savepoint: %w", err)
					}
				}
				finish(nil)
				return
			}
		} else {
			ok++
		}
		if _, err := sqlTx.Exec("RELEASE cmd"); err != nil {
			sqlTx.Rollback()
			finish(fmt.Errorf("storage: release savepoint: %w", err))
			return
		}
	}
	if ok == 0 {
		sqlTx.Rollback()
		finish(nil)
		return
	}
	if err := sqlTx.Commit(); err != nil {
		finish(fmt.Errorf("storage: commit: %w", err))
		return
	}
	finish(nil)
}
