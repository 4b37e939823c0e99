package storage

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestCommandsAreToldOnlyAfterTheSync: the writer commits and moves on, but a command hears
// "done" and its AfterCommit work runs only once the sync that follows its commit returned;
// a failed sync fails the commands it covered and every write after it.
func TestCommandsAreToldOnlyAfterTheSync(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := db.writer.(*batcher)
	if b.sync == nil {
		t.Fatal("a synchronous=full database has no pipelined sync")
	}
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Hold the sync: the command stays unacknowledged while its row is already committed.
	release := make(chan error)
	var syncs atomic.Int32
	realSync := b.sync
	b.sync = func() error {
		syncs.Add(1)
		if err := <-release; err != nil {
			return err
		}
		return realSync()
	}
	var afterRan atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- db.Write(ctx, func(tx *Tx) error {
			tx.AfterCommit(func() { afterRan.Store(true) })
			_, err := tx.Exec(`INSERT INTO kv (k) VALUES ('a')`)
			return err
		})
	}()
	waitFor(t, func() bool { return syncs.Load() == 1 })
	var n int
	if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the batch is not committed while its sync runs: %d rows, %v", n, err)
	}
	select {
	case err := <-done:
		t.Fatalf("the command was told %v before its sync returned", err)
	case <-time.After(50 * time.Millisecond):
	}
	if afterRan.Load() {
		t.Fatal("AfterCommit ran before the sync returned")
	}
	release <- nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !afterRan.Load() {
		t.Fatal("AfterCommit did not run after the sync")
	}

	// A failed sync fails its commands and all later writes.
	go func() {
		done <- db.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`INSERT INTO kv (k) VALUES ('b')`)
			return err
		})
	}()
	waitFor(t, func() bool { return syncs.Load() == 2 })
	release <- errors.New("EIO")
	if err := <-done; err == nil {
		t.Fatal("a command whose sync failed was told it succeeded")
	}
	if err := db.Write(ctx, func(tx *Tx) error { return nil }); err == nil {
		t.Fatal("a write after a failed sync was accepted")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWALStartsOverAfterALongRun: under steady writes the checkpointer copies the WAL but
// cannot start it over; once it is long, the writer copies the rest between batches and the
// next transaction writes from the WAL's beginning again.
func TestWALStartsOverAfterALongRun(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := db.writer.(*batcher)
	put := func(k int) {
		t.Helper()
		if err := db.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`INSERT INTO kv (k, v) VALUES ($1, randomblob(3000))`, k)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A reader holds its snapshot while the WAL fills, so that neither the background
	// checkpointer nor SQLite itself starts the WAL over before the test looks at it.
	reader, err := db.SQL().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	for k := range 200 {
		put(k)
	}
	if err := reader.Rollback(); err != nil {
		t.Fatal(err)
	}
	// walPages asks with a passive checkpoint of its own, which reports -1 while the background
	// checkpointer holds the checkpoint lock: it asks again then (bounded).
	walPages := func() int64 {
		var busy, log, copied int64
		for range 200 {
			if err := db.SQL().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err != nil {
				t.Fatal(err)
			}
			if log >= 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		return log
	}
	before := walPages()
	if before < 200 {
		t.Fatalf("the WAL holds %d pages after 200 writes of a page each", before)
	}
	b.checkpoints.frames.Store(restartAt) // as the checkpointer would report a long WAL
	put(1000)                             // the writer copies the rest after this batch…
	put(1001)                             // …and this transaction starts the WAL over
	if after := walPages(); after >= before {
		t.Fatalf("the WAL did not start over: %d pages before, %d after", before, after)
	}
	if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 202 {
		t.Fatalf("rows after the restart: %d, %v", n, err)
	}
}
