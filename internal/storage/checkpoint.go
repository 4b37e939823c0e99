package storage

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointer copies SQLite's WAL into the database file on a connection of its own, so the
// writer rarely waits for it. Left to itself the writer checkpoints after the commit that
// takes the WAL past 1,000 pages: it writes those pages into the database file and syncs
// both files while every command waits — at a million tickets, every few batches.
//
// A checkpoint beside the writer copies what was committed when it started, but the WAL only
// starts over from its beginning when a write transaction begins after everything in it was
// copied; under steady load the writer always has committed more by then, and the WAL grew
// past 160 MB in twenty seconds. So once the WAL holds restartAt pages, the writer
// checkpoints between two batches itself: the checkpointer has copied nearly everything, so
// the writer copies the rest, and its next transaction starts the WAL over.
type checkpointer struct {
	db     *sql.DB
	frames atomic.Int64 // pages in the WAL at the last checkpoint
	quit   chan struct{}
	wg     sync.WaitGroup
}

const (
	checkpointEvery = 100 * time.Millisecond
	restartAt       = 4096 // pages: 16 MB of 4 KB pages
)

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			c.run(c.db)
		}
	}
}

// run checkpoints without waiting for readers or the writer and notes the WAL's size.
func (c *checkpointer) run(q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) {
	var busy, log, copied int64
	if err := q.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err == nil {
		c.frames.Store(log)
	}
}

// restart runs on the writer between batches: when the WAL is long, it copies the rest of it
// so that the next transaction starts the WAL over.
func (c *checkpointer) restart(writer *sql.DB) {
	if c.frames.Load() < restartAt {
		return
	}
	c.run(writer)
	c.frames.Store(0) // it starts over with the next transaction; the next run tells if not
}

func (c *checkpointer) close() error {
	close(c.quit)
	c.wg.Wait()
	return c.db.Close()
}
