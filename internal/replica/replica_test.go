package replica

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

func insertTags(t *testing.T, db *storage.DB, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		err := db.Write(context.Background(), func(tx *storage.Tx) error {
			_, err := tx.ExecContext(tx.Context(), `INSERT INTO tags (name, created_at) VALUES ($1, $2)`, fmt.Sprintf("标签-%d", i), i)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func countTags(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM tags`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Changes made through Kefu's own store reach the replica; a restore brings back the latest
// state, and a restore to a moment between two batches brings back the first batch only.
func TestReplicateAndRestoreToAPointInTime(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kefu.db")
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	insertTags(t, db, 0, 20) // written before replication starts: the first snapshot has them

	target := "file://" + filepath.Join(t.TempDir(), "replica")
	r, err := Start(ctx, Options{Database: path, URL: target, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	insertTags(t, db, 20, 50)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Pending(); err != nil || n != 0 {
		t.Errorf("after Sync %d transactions are pending (%v), want 0", n, err)
	}
	if r.LastSync().IsZero() {
		t.Error("no sync time after Sync")
	}
	time.Sleep(5 * time.Millisecond) // the replica's clock is in milliseconds: keep the batches apart
	between := time.Now()
	time.Sleep(5 * time.Millisecond)
	insertTags(t, db, 50, 80)
	if err := r.Close(ctx); err != nil { // closing flushes the second batch
		t.Fatal(err)
	}

	latest := filepath.Join(t.TempDir(), "latest.db")
	if err := Restore(ctx, target, latest, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := countTags(t, latest); n != 80 {
		t.Errorf("latest restore has %d tags, want 80", n)
	}
	earlier := filepath.Join(t.TempDir(), "earlier.db")
	if err := Restore(ctx, target, earlier, between); err != nil {
		t.Fatal(err)
	}
	if n := countTags(t, earlier); n != 50 {
		t.Errorf("restore to the moment between the batches has %d tags, want 50", n)
	}
	if err := Restore(ctx, target, earlier, time.Time{}); err == nil {
		t.Error("a restore over an existing file succeeded")
	}
	if err := Restore(ctx, "file://"+t.TempDir(), filepath.Join(t.TempDir(), "x.db"), time.Time{}); err == nil {
		t.Error("a restore from an empty replica succeeded")
	}
}
