package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func TestMigrateIsIdempotentAndRefusesNewerSchema(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %d, err %v; want 0, nil", len(again), err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != db.KnownVersion() {
			t.Fatalf("schema version %d (err %v), want %d", v, err, db.KnownVersion())
		}
		err = db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)`, v+1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pending(ctx); !errors.Is(err, storage.ErrSchemaTooNew) {
			t.Fatalf("pending on newer schema: %v, want ErrSchemaTooNew", err)
		}
		if _, err := db.Migrate(ctx); !errors.Is(err, storage.ErrSchemaTooNew) {
			t.Fatalf("migrate on newer schema: %v, want ErrSchemaTooNew", err)
		}
	})
}

// Concurrent commands: the failing ones leave nothing behind, the others all commit, and
// after-commit hooks run exactly for the committed ones. OnVisible work runs for each
// committed command, by the time its Write returns it has started, and it can read the
// command's row from the read pool; it never runs for a command that failed.
func TestWriteKeepsCommandsApart(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 200
		var hooks atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		seen := make([]chan error, n) // what each command's OnVisible work read
		for i := range n {
			seen[i] = make(chan error, 1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Write(ctx, func(tx *storage.Tx) error {
					name := fmt.Sprintf("t%d", i)
					if _, err := tx.Exec(`INSERT INTO tags (name, created_at) VALUES ($1, 0)`, name); err != nil {
						return err
					}
					tx.AfterCommit(func() { hooks.Add(1) })
					tx.OnVisible(func() {
						var got string
						seen[i] <- db.Read().QueryRowContext(ctx, `SELECT name FROM tags WHERE name = $1`, name).Scan(&got)
					})
					switch i % 4 {
					case 1:
						return errors.New("refused")
					case 2:
						// A statement error inside the command must not poison its neighbours.
						_, err := tx.Exec(`INSERT INTO tags (name, created_at) VALUES ($1, 0)`, fmt.Sprintf("t%d", i))
						return err
					case 3:
						panic("boom")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (i%4 == 0) != (err == nil) {
				t.Errorf("command %d: err %v", i, err)
			}
		}
		var count int
		if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM tags`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != n/4 || hooks.Load() != n/4 {
			t.Fatalf("rows %d, hooks %d; want %d each", count, hooks.Load(), n/4)
		}
		for i := 0; i < n; i += 4 {
			select {
			case err := <-seen[i]:
				if err != nil {
					t.Errorf("command %d: its OnVisible work did not read its row: %v", i, err)
				}
			case <-time.After(time.Minute): // a guard against hanging, not a stopwatch
				t.Fatalf("command %d committed, but its OnVisible work never ran", i)
			}
		}
		for i := range n {
			if i%4 != 0 && len(seen[i]) != 0 {
				t.Errorf("command %d failed, yet its OnVisible work ran", i)
			}
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		insert := func(tx *storage.Tx) error {
			_, err := tx.Exec(`INSERT INTO tags (name, created_at) VALUES ('dup', 0)`)
			return err
		}
		if err := db.Write(ctx, insert); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(ctx, insert); !storage.IsUniqueViolation(err) {
			t.Fatalf("second insert: %v, want a unique violation", err)
		}
	})
}

// On SQLite a batch's commands share one transaction, and an interrupted write rolls all of
// it back; the driver interrupts a statement whose context ends. A caller that hangs up
// mid-command must therefore not reach its statements: they run to the end of the command,
// which commits or fails alone. (Found when a mail worker's timeout undid a demo ticket
// loaded in the same batch.)
func TestCallerCancellationDoesNotReachSQLiteStatements(t *testing.T) {
	db := testutil.NewDB(t, storage.SQLite)
	err := db.Write(context.Background(), func(tx *storage.Tx) error {
		ctx, cancel := context.WithCancel(tx.Context())
		cancel()
		_, err := tx.ExecContext(ctx, `INSERT INTO tags (name, created_at) VALUES ('已取消', 0)`)
		return err
	})
	if err != nil {
		t.Fatalf("a statement of a running command was cut off by its caller: %v", err)
	}
	var n int
	if err := db.Read().QueryRowContext(context.Background(), `SELECT count(*) FROM tags WHERE name = '已取消'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("row committed %d times (%v), want once", n, err)
	}
}
