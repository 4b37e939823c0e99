package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// TestCachedFollowsChangesOfEveryNode: two nodes share one database; what one caches of a
// configuration table follows every committed change, by either node, at the next read, and
// never a change that was rolled back.
func TestCachedFollowsChangesOfEveryNode(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testutil.DSN(t, d)
			a := openMigrated(t, dsn)
			b := openMigrated(t, dsn)

			loads := 0
			keys := storage.NewCached[[]string]("custom_fields")
			read := func(q storage.Querier) []string {
				t.Helper()
				v, err := keys.Get(ctx, q, func(ctx context.Context, q storage.Querier) ([]string, error) {
					loads++
					rows, err := q.QueryContext(ctx, `SELECT key FROM custom_fields ORDER BY key`)
					if err != nil {
						return nil, err
					}
					defer rows.Close()
					var out []string
					for rows.Next() {
						var k string
						if err := rows.Scan(&k); err != nil {
							return nil, err
						}
						out = append(out, k)
					}
					return out, rows.Err()
				})
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			add := func(db *storage.DB, key string, fail bool) error {
				return db.Write(ctx, func(tx *storage.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO custom_fields (entity, key, type, label_zh, label_en, options, required, position, created_at)
						VALUES ('ticket', $1, 'text', $1, $1, '[]', false, 0, 0)`, key); err != nil {
						return err
					}
					if fail {
						// Inside the command the cache sees the command's own change...
						if got := read(tx); len(got) != 2 {
							t.Errorf("inside the command: %v, want its own new field", got)
						}
						return errors.New("roll back")
					}
					return nil
				})
			}

			if got := read(b.Read()); len(got) != 0 {
				t.Fatalf("empty table read %v", got)
			}
			if got := read(b.Read()); len(got) != 0 || loads != 1 {
				t.Fatalf("second read: %v after %d loads, want the cached empty list after 1", got, loads)
			}
			if err := add(a, "order_no", false); err != nil {
				t.Fatal(err)
			}
			if got := read(b.Read()); len(got) != 1 || got[0] != "order_no" {
				t.Fatalf("node b after node a added a field: %v", got)
			}
			if err := add(a, "refund_no", true); err == nil {
				t.Fatal("the failing command committed")
			}
			// ...and once it rolled back, nobody is served it.
			if got := read(b.Read()); len(got) != 1 {
				t.Fatalf("after a rolled-back change: %v, want [order_no]", got)
			}
			if err := b.Write(ctx, func(tx *storage.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM custom_fields WHERE key = 'order_no'`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if got := read(a.Read()); len(got) != 0 {
				t.Fatalf("after node b deleted the field: %v", got)
			}
		})
	}
}

func openMigrated(t *testing.T, dsn string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
