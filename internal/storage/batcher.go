package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// batcher is SQLite's group commit. Commands queue on one channel; one goroutine takes
// whatever is waiting (up to maxBatch), runs each inside its own savepoint of a single
// transaction, and commits once. A command's error rolls back its savepoint only; a failed
// commit fails the whole batch. Nobody is told "done" before the commit is durable.
//
// Durability is pipelined: with sync set, the connection commits without waiting for the
// disk (synchronous=NORMAL writes the WAL frames and returns), and a second goroutine makes
// the WAL durable (fdatasync) and only then tells the batch's commands "done" and runs their
// AfterCommit work. Meanwhile the writer already runs the next batch. Waiting for the disk
// in the writer took half its time at 800 tickets/s (a sync costs 1–3 ms here); the
// guarantee is the same as synchronous=FULL: an acknowledged command survives a power cut.
// The difference: other connections may read a batch up to one sync before it is durable.
type batcher struct {
	db       *sql.DB
	stmts    *stmtCache
	maxBatch int
	reqs     chan *writeReq
	quit     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once

	sync        func() error   // makes committed batches durable; nil: the commit already did
	checkpoints *checkpointer  // copies the WAL into the database beside the writer, or nil
	durable     chan committed // committed batches waiting for sync, oldest first
	unsynced    atomic.Int64   // batches committed and not yet synced
	waitingCmds atomic.Int64   // commands in those batches
	active      atomic.Int64   // commands submitted and not yet answered
	synced      chan struct{}  // a sync round ended
	failed      atomic.Pointer[error]
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	conn func(*sql.Conn) error // set for exclusive maintenance work instead of fn
	done chan error
	tx   *Tx
}

var errClosed = errors.New("storage: database is closed")

// committed is a batch waiting for its sync: answer tells its commands.
type committed struct {
	answer func(error)
	cmds   int64
}

func newBatcher(db *sql.DB, maxBatch int, sync func() error) *batcher {
	b := &batcher{db: db, stmts: newStmtCache(db), maxBatch: maxBatch, reqs: make(chan *writeReq), quit: make(chan struct{}), sync: sync}
	if sync != nil {
		b.durable = make(chan committed, 4*maxBatch)
		b.synced = make(chan struct{}, 1)
		b.wg.Add(1)
		go b.syncLoop()
	}
	b.wg.Add(1)
	go b.loop()
	return b
}

// syncLoop makes committed batches durable: one sync for every batch committed before it
// started, then their commands are told. It ends when the writer has ended.
func (b *batcher) syncLoop() {
	defer b.wg.Done()
	for first := range b.durable {
		waiting := []committed{first}
	more:
		for {
			select {
			case f, ok := <-b.durable:
				if !ok {
					break more
				}
				waiting = append(waiting, f)
			default:
				break more
			}
		}
		if err := b.sync(); err != nil {
			// After a failed sync the kernel may have dropped the unwritten pages: nothing
			// written since can be promised either, so this batch and every later one fail.
			failed := fmt.Errorf("storage: the disk did not confirm the write (%w); restart kefu", err)
			b.failed.CompareAndSwap(nil, &failed)
		}
		var err error
		if failed := b.failed.Load(); failed != nil {
			err = *failed
		}
		var cmds int64
		for _, c := range waiting {
			c.answer(err)
			cmds += c.cmds
		}
		b.unsynced.Add(-int64(len(waiting)))
		b.waitingCmds.Add(-cmds)
		select {
		case b.synced <- struct{}{}:
		default:
		}
	}
}

func (b *batcher) write(ctx context.Context, fn func(*Tx) error) error {
	if err := b.failed.Load(); err != nil {
		return *err
	}
	return b.submit(ctx, &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

func (b *batcher) exclusive(ctx context.Context, f func(*sql.Conn) error) error {
	return b.submit(ctx, &writeReq{ctx: ctx, conn: f, done: make(chan error, 1)})
}

func (b *batcher) submit(ctx context.Context, r *writeReq) error {
	b.active.Add(1)
	defer b.active.Add(-1)
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
	if b.durable != nil {
		defer close(b.durable) // the sync goroutine finishes what was committed, then ends
	}
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
		held := b.run(first) // an exclusive request that arrived mid-batch runs after it
		if held != nil {
			held.done <- b.runExclusive(held)
		}
		if b.stmts.pending() {
			b.stmts.prepareSeen() // the connection is idle now
		}
		if b.checkpoints != nil {
			b.checkpoints.restart(b.db)
		}
	}
}

func (b *batcher) runExclusive(r *writeReq) error {
	conn, err := b.db.Conn(r.ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := r.conn(conn); err != nil {
		return err
	}
	if b.sync != nil {
		return b.sync() // what it committed is durable before it returns, as a command's is
	}
	return nil
}

// more returns the next command for the open batch, or nil to commit it now. Commands that
// arrive while the previous batch is being synced join this batch instead of making their own:
// they could not be acknowledged sooner anyway, and one commit for all of them writes each
// page once (a lone new ticket writes about 45 WAL pages, eight together about 76). Holding
// a batch to half the commands under way, so that two batches alternate, measured no better
// (928–1,037 tickets/s against 959–1,009) and cost more CPU per ticket.
func (b *batcher) more(n int) *writeReq {
	if n >= b.maxBatch {
		return nil
	}
	select {
	case r := <-b.reqs:
		return r
	default:
	}
	if b.durable == nil {
		return nil
	}
	select {
	case <-b.synced: // an old signal: what matters is whether a sync runs now
	default:
	}
	if b.unsynced.Load() == 0 {
		return nil
	}
	// Every command under way is in this batch or being synced: none can join, so commit now
	// and let the commit's page writes overlap the sync.
	if b.active.Load() <= int64(n)+b.waitingCmds.Load() {
		return nil
	}
	select {
	case r := <-b.reqs:
		return r
	case <-b.synced:
		return nil
	case <-b.quit:
		return nil
	}
}

// run runs first and the commands that join it (more), each inside its own savepoint of one
// transaction, and commits. It returns an exclusive request that arrived meanwhile.
func (b *batcher) run(first *writeReq) (held *writeReq) {
	var batch []*writeReq
	var errs []error
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
		batch, errs = []*writeReq{first}, []error{nil}
		finish(fmt.Errorf("storage: begin: %w", err))
		return nil
	}
	ok := 0
	bg := context.Background()
	for r := first; r != nil; r = b.more(len(batch)) {
		if r.conn != nil {
			held = r
			break
		}
		batch = append(batch, r)
		errs = append(errs, nil)
		i := len(batch) - 1
		r.tx = &Tx{Tx: sqlTx, ctx: r.ctx, dialect: SQLite, stmts: b.stmts}
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		// Through the command's Tx, so the writer keeps the savepoint statements prepared too.
		if _, err := r.tx.ExecContext(bg, "SAVEPOINT cmd"); err != nil {
			errs[i] = fmt.Errorf("storage: savepoint: %w", err)
			continue
		}
		errs[i] = runCommand(r.tx, r.fn)
		if errs[i] != nil {
			r.tx.after, r.tx.visible, r.tx.before = nil, nil, [2][]func() error{}
			if _, err := sqlTx.Exec("ROLLBACK TO cmd"); err != nil {
				// The transaction is unusable: fail everything in it.
				sqlTx.Rollback()
				for j := range batch {
					if errs[j] == nil {
						errs[j] = fmt.Errorf("storage: rollback to savepoint: %w", err)
					}
				}
				finish(nil)
				return held
			}
		} else {
			ok++
		}
		if _, err := r.tx.ExecContext(bg, "RELEASE cmd"); err != nil {
			sqlTx.Rollback()
			finish(fmt.Errorf("storage: release savepoint: %w", err))
			return held
		}
	}
	if ok == 0 {
		sqlTx.Rollback()
		finish(nil)
		return held
	}
	for _, stage := range []Stage{StageRows, StageSearch} {
		for i, r := range batch {
			if errs[i] != nil {
				continue
			}
			if err := r.tx.finish(stage); err != nil {
				sqlTx.Rollback()
				finish(fmt.Errorf("storage: finishing the batch: %w", err))
				return held
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		finish(fmt.Errorf("storage: commit: %w", err))
		return held
	}
	for i, r := range batch {
		if errs[i] == nil {
			r.tx.committed()
		}
	}
	if b.durable != nil {
		b.unsynced.Add(1)
		b.waitingCmds.Add(int64(len(batch)))
		b.durable <- committed{answer: finish, cmds: int64(len(batch))}
		return held
	}
	finish(nil)
	return held
}
