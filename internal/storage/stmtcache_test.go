package storage

import (
	"context"
	"path/filepath"
	"testing"
)

// The writer's statements are prepared after their second run and then reused, across
// batches, after a failing command, and after the schema changed under them.
func TestWriterKeepsStatementsPrepared(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO kv (k, v) VALUES ($1, $2)`
	const read = `SELECT v FROM kv WHERE k = $1`
	put := func(k string, v int) error {
		return db.Write(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(tx.Context(), insert, k, v); err != nil {
				return err
			}
			var got int
			if err := tx.QueryRowContext(tx.Context(), read, k).Scan(&got); err != nil {
				return err
			}
			if got != v {
				t.Errorf("read back %s = %d, want %d", k, got, v)
			}
			return nil
		})
	}
	for i := range 5 {
		if err := put(string(rune('a'+i)), i); err != nil {
			t.Fatal(err)
		}
	}
	cache := db.writer.(*batcher).stmts
	cache.mu.Lock()
	_, prepared := cache.stmts[insert]
	cache.mu.Unlock()
	if !prepared {
		t.Fatal("the insert ran five times and is still not prepared")
	}
	// A prepared statement that fails (duplicate key) leaves it usable.
	if err := put("a", 9); err == nil || !IsUniqueViolation(err) {
		t.Fatalf("duplicate insert: %v, want a unique violation", err)
	}
	if err := put("f", 5); err != nil {
		t.Fatal(err)
	}
	// The schema changes under the prepared statements: SQLite recompiles them.
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`ALTER TABLE kv ADD COLUMN note TEXT NOT NULL DEFAULT ''`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := put("g", 6); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("rows %d (err %v), want 7", n, err)
	}
}
