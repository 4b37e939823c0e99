package storage

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestReadPoolSharesPreparedStatements: a read prepared after its second run serves readers
// side by side, each with rows of its own open at once, and follows a schema change.
func TestReadPoolSharesPreparedStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO kv (k, v) VALUES (1, 10), (2, 20), (3, 30)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT k, v FROM kv WHERE k >= $1 ORDER BY k`
	sum := func(from int) int {
		t.Helper()
		rows, err := db.Read().QueryContext(ctx, q, from)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		s := 0
		for rows.Next() {
			var k, v int
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			s += v
		}
		return s
	}
	if sum(1) != 60 || sum(2) != 50 {
		t.Fatal("wrong sums before the statement was prepared")
	}
	rc := db.reader.(*readCache)
	rc.mu.RLock()
	_, prepared := rc.stmts[q]
	rc.mu.RUnlock()
	if !prepared {
		t.Fatal("a statement that ran twice is not prepared")
	}
	// Two readers hold rows of the same prepared statement at once.
	a, err := db.Read().QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.Read().QueryContext(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	var ka, va, kb, vb int
	if !a.Next() || !b.Next() {
		t.Fatal("no rows")
	}
	a.Scan(&ka, &va)
	b.Scan(&kb, &vb)
	a.Close()
	b.Close()
	if ka != 1 || kb != 3 {
		t.Fatalf("interleaved readers got keys %d and %d, want 1 and 3", ka, kb)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if s := sum(2); s != 50 {
				t.Errorf("concurrent reader: %d", s)
			}
		})
	}
	wg.Wait()
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`ALTER TABLE kv ADD COLUMN note TEXT`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if sum(1) != 60 {
		t.Fatal("the prepared statement broke after a schema change")
	}
}
