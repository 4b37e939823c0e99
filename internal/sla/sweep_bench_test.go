package sla

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// BenchmarkSweep times one sweep that finds 1,000 tickets due among many open ones
// (KEFU_BENCH_SLA_TICKETS, default 100,000; the target is ≤ 50 ms at 1,000,000).
// Each sweep writes 1,000 warnings and their events; the rows are reset between sweeps.
func BenchmarkSweep(b *testing.B) {
	open := 100_000
	if v, err := strconv.Atoi(os.Getenv("KEFU_BENCH_SLA_TICKETS")); err == nil && v >= 1000 {
		open = v
	}
	const due = 1000
	for _, d := range testutil.Engines() {
		b.Run(string(d)+"/open="+strconv.Itoa(open), func(b *testing.B) {
			ctx := context.Background()
			db := testutil.NewDB(b, d)
			now := at("2026-03-10 10:00")
			s := NewService(db, func() time.Time { return now })
			loadOpenTickets(b, db, open, due, now)
			reset := func() {
				err := db.Write(ctx, func(tx *storage.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE ticket_sla SET fr_state = '', next_deadline = fr_warn WHERE ticket_id <= $1`, due)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				reset()
				b.StartTimer()
				var n int
				err := db.Write(ctx, func(tx *storage.Tx) error {
					var err error
					n, err = s.Sweep(tx, now, sweepBatch*2)
					return err
				})
				if err != nil || n != due {
					b.Fatalf("sweep touched %d tickets, %v; want %d", n, err, due)
				}
			}
		})
	}
}

// loadOpenTickets makes n open tickets under one policy, the first `due` of them past
// their first-response warning at now and the rest hours away.
func loadOpenTickets(b *testing.B, db *storage.DB, n, due int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	series := `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1) `
	from := ` FROM seq`
	if db.Dialect() == storage.Postgres {
		series, from = ``, ` FROM generate_series(1, $1) AS seq(n)`
	}
	nowMS := now.UnixMilli()
	err := db.WriteConn(ctx, func(conn *sql.Conn) error {
		stmts := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO customers (id, name, created_at, updated_at) VALUES (1, '客户', 0, 0)`, nil},
			{`INSERT INTO sla_policies (id, name, position, calendar_id, first_response_mins, resolution_mins, created_at, updated_at)
				VALUES (1, '默认', 1, 1, 240, 900, 0, 0)`, nil},
			{series + `INSERT INTO tickets (id, number, subject, type, status, priority, channel, customer_id, created_at, updated_at)
				SELECT n, 100000 + n, '工单', 'order', 'open', 2, 'email', 1, $2, $2` + from, []any{n, nowMS}},
			// Due ones warn a minute ago; the others at spread-out future times.
			// Numbers are spelled out: PostgreSQL cannot type one parameter used in arithmetic.
			{series + strings.NewReplacer("NOW", strconv.FormatInt(nowMS, 10), "DUE", strconv.Itoa(due)).Replace(
				`INSERT INTO ticket_sla (ticket_id, policy_id, running_since, fr_due, fr_warn, res_due, res_warn, next_deadline, updated_at)
				SELECT n, 1, NOW, NOW + 3600000, CASE WHEN n <= DUE THEN NOW - 60000 ELSE NOW + 1000 * n END, NOW + 86400000, NOW + 80000000,
					CASE WHEN n <= DUE THEN NOW - 60000 ELSE NOW + 1000 * n END, NOW`) + from, []any{n}},
		}
		for _, s := range stmts {
			if _, err := conn.ExecContext(ctx, s.q, s.args...); err != nil {
				return err
			}
		}
		_, err := conn.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}
