package storage_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// A query run with PlanEachTime never becomes a named prepared statement on PostgreSQL, so
// PostgreSQL cannot settle on a generic plan for it; the same query without it does.
func TestPlanEachTime(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		conn, err := db.SQL().Conn(ctx) // one session: prepared statements are per session
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		prepared := func(query string) int {
			if db.Dialect() != storage.Postgres {
				return 0
			}
			var n int
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, tc := range []struct {
			query        string
			eachTime     bool
			wantPrepared int
		}{
			{`SELECT count(*) FROM messages WHERE id < $1 /* each time */`, true, 0},
			{`SELECT count(*) FROM messages WHERE id < $1 /* cached */`, false, 1},
		} {
			for i := range 7 {
				args := []any{int64(i)}
				if tc.eachTime {
					args = storage.PlanEachTime(db.Dialect(), args)
				}
				var n int
				if err := conn.QueryRowContext(ctx, tc.query, args...).Scan(&n); err != nil {
					t.Fatalf("%s: %v", tc.query, err)
				}
				if n != 0 {
					t.Fatalf("%s: %d messages in an empty database", tc.query, n)
				}
			}
			want := tc.wantPrepared
			if db.Dialect() != storage.Postgres {
				want = 0
			}
			if got := prepared(tc.query); got != want {
				t.Errorf("%s: %d prepared statements, want %d", tc.query, got, want)
			}
		}
	})
}
