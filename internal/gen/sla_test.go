package gen

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// The generated clocks agree with the tickets' due and warning times under the definition
// migration 0009 and internal/sla share (the earliest due time of what the ticket still
// owes), and the due views have tickets to show.
func TestGeneratedDueTimes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := Run(ctx, db, Options{Tickets: 3000, MessagesPerTicket: 3, Seed: 11, Now: testNow, NoSearch: true}); err != nil {
			t.Fatal(err)
		}
		nowMS := testNow.UnixMilli()
		least := `LEAST(CASE WHEN u.f THEN u.fd END, CASE WHEN u.r THEN u.rd END)`
		leastW := `LEAST(CASE WHEN u.f THEN u.fw END, CASE WHEN u.r THEN u.rw END)`
		if db.Dialect() == storage.SQLite {
			least = `NULLIF(min(CASE WHEN u.f THEN u.fd ELSE 9223372036854775807 END, CASE WHEN u.r THEN u.rd ELSE 9223372036854775807 END), 9223372036854775807)`
			leastW = `NULLIF(min(CASE WHEN u.f THEN u.fw ELSE 9223372036854775807 END, CASE WHEN u.r THEN u.rw ELSE 9223372036854775807 END), 9223372036854775807)`
		}
		expected := `SELECT u.id, ` + least + ` AS due, ` + leastW + ` AS warn FROM (
			SELECT t.id, s.fr_due AS fd, s.res_due AS rd, s.fr_warn AS fw, s.res_warn AS rw,
				(t.first_response_at IS NULL AND s.fr_due IS NOT NULL AND s.fr_state <> 'met') AS f,
				(s.res_due IS NOT NULL AND s.res_state <> 'met' AND t.status NOT IN ('resolved', 'closed')) AS r
			FROM tickets t JOIN ticket_sla s ON s.ticket_id = t.id) u`
		for _, c := range []struct {
			name  string
			query string
			want  int64 // -1: more than zero
		}{
			{"tickets without a clock", `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id)`, 0},
			{"due times that disagree with the clocks", `SELECT count(*) FROM tickets t JOIN (` + expected + `) e ON e.id = t.id
				WHERE t.sla_due_at IS DISTINCT FROM e.due OR t.sla_warn_at IS DISTINCT FROM e.warn`, 0},
			{"closed tickets with a due time", `SELECT count(*) FROM tickets WHERE status IN ('resolved', 'closed') AND sla_due_at IS NOT NULL`, 0},
			{"running clocks without a next deadline but with a target to fire",
				`SELECT count(*) FROM ticket_sla WHERE running_since IS NOT NULL AND next_deadline IS NULL AND (fr_state IN ('', 'warned') AND fr_due IS NOT NULL)`, 0},
			{"overdue tickets", `SELECT count(*) FROM tickets WHERE sla_due_at <= $1`, -1},
			{"tickets due later", `SELECT count(*) FROM tickets WHERE sla_due_at > $1`, -1},
			{"breached first responses", `SELECT count(*) FROM ticket_sla WHERE fr_state = 'breached'`, -1},
		} {
			var args []any
			if containsParam(c.query) {
				args = append(args, nowMS)
			}
			var n int64
			if err := db.Read().QueryRowContext(ctx, c.query, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if (c.want < 0 && n == 0) || (c.want >= 0 && n != c.want) {
				t.Errorf("%s: %d", c.name, n)
			}
		}
	})
}

func containsParam(q string) bool {
	for i := 0; i+1 < len(q); i++ {
		if q[i] == '$' && q[i+1] == '1' {
			return true
		}
	}
	return false
}
