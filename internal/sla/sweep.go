package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/storage"
)

// SweepKind is the job that records due warnings and breaches. One sweep job waits at a
// time (its unique key); each run schedules the next.
const SweepKind = "sla.sweep"

// sweepBatch bounds one sweep's transaction; a full batch schedules the next one at once.
const sweepBatch = 500

// RegisterJobs makes the runner sweep every interval (default 30s).
func (s *Service) RegisterJobs(r *job.Runner, interval time.Duration) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	r.Handle(SweepKind, func(ctx context.Context, tx *storage.Tx, j *job.Job) error {
		now := s.now()
		n, err := s.Sweep(tx, now, sweepBatch)
		if err != nil {
			return err
		}
		next := now.Add(interval)
		if n == sweepBatch {
			next = now
		}
		_, err = job.EnqueueTx(tx, job.Spec{Kind: SweepKind, UniqueKey: SweepKind, RunAt: next}, now)
		return err
	})
}

// ScheduleSweep makes sure a sweep job waits; call it at start-up on every node (only one
// job is kept).
func (s *Service) ScheduleSweep(ctx context.Context) error {
	_, err := job.Enqueue(ctx, s.db, job.Spec{Kind: SweepKind, UniqueKey: SweepKind}, s.now())
	return err
}

// Sweep records the warnings and breaches due by now, at most limit tickets' worth, in the
// caller's transaction, and returns how many tickets it touched. It reads only rows whose
// next deadline has passed, through the ticket_sla_next index.
func (s *Service) Sweep(tx *storage.Tx, now time.Time, limit int) (int, error) {
	ctx := tx.Context()
	// ticket_sla alone, so the planner has one way in: the next-deadline index. Policy names
	// come from the few policies afterwards.
	query := `SELECT ` + strings.Replace(stateColumns, "p.name", "''", 1) +
		` FROM ticket_sla s WHERE s.next_deadline IS NOT NULL AND s.next_deadline <= $1 ORDER BY s.next_deadline LIMIT $2`
	if tx.Dialect() == storage.Postgres {
		// A ticket being changed right now is skipped: its change replans the clock, and
		// the next sweep sees the result.
		query += ` FOR UPDATE OF s SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, query, now.UnixMilli(), limit)
	if err != nil {
		return 0, fmt.Errorf("sla sweep: %w", err)
	}
	var due []*State
	for rows.Next() {
		st, err := scanState(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	ps, err := policies(ctx, tx)
	if err != nil {
		return 0, err
	}
	for _, st := range due {
		if p := findPolicy(ps, st.PolicyID); p != nil {
			st.PolicyName = p.Name
		}
	}
	var evs []fired
	for _, st := range due {
		for _, f := range st.fire(now) {
			detail, err := json.Marshal(map[string]any{"policy_id": st.PolicyID, "policy": st.PolicyName, "due_at": f.Due.UnixMilli()})
			if err != nil {
				return 0, err
			}
			evs = append(evs, fired{ticketID: st.TicketID, f: f, detail: string(detail)})
		}
	}
	write := writeFiredSQLite
	if tx.Dialect() == storage.Postgres {
		write = writeFiredPostgres
	}
	if err := write(tx, due, evs, now); err != nil {
		return 0, fmt.Errorf("sla sweep: %w", err)
	}
	if len(s.fired) > 0 && len(evs) > 0 {
		out := make([]Fired, len(evs))
		for i, e := range evs {
			out[i] = Fired{TicketID: e.ticketID, Target: e.f.Target, State: e.f.State}
		}
		for _, f := range s.fired {
			if err := f(tx, out); err != nil {
				return 0, err
			}
		}
	}
	return len(due), nil
}

// fired is one warning or breach to record as a ticket event.
type fired struct {
	ticketID int64
	f        Firing
	detail   string
}

func (f fired) action() string {
	if f.f.State == Breached {
		return "sla_breached"
	}
	return "sla_warning"
}

// The event rows are the ones event.Append writes, many at a time.
const insertFiredEvent = `INSERT INTO events
	(subject_kind, subject_id, action, field, old_value, new_value, detail, actor_kind, actor_id, created_at)`

// writeFiredSQLite writes through two statements prepared once: SQLite runs in-process, so
// a statement costs little once it is parsed.
func writeFiredSQLite(tx *storage.Tx, due []*State, evs []fired, now time.Time) error {
	ctx := tx.Context()
	update, err := tx.PrepareContext(ctx, `UPDATE ticket_sla SET fr_state = $1, nr_state = $2, res_state = $3, next_deadline = $4,
		updated_at = $5 WHERE ticket_id = $6`)
	if err != nil {
		return err
	}
	defer update.Close()
	for _, st := range due {
		if _, err := update.ExecContext(ctx, st.FirstResponse.State, st.NextResponse.State, st.Resolution.State,
			ms(st.NextDeadline), now.UnixMilli(), st.TicketID); err != nil {
			return fmt.Errorf("ticket %d: %w", st.TicketID, err)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	record, err := tx.PrepareContext(ctx, insertFiredEvent+` VALUES ('ticket', $1, $2, $3, NULL, $4, $5, 'system', NULL, $6)`)
	if err != nil {
		return err
	}
	defer record.Close()
	for _, e := range evs {
		if _, err := record.ExecContext(ctx, e.ticketID, e.action(), e.f.Target, e.f.Due.UTC().Format(time.RFC3339), e.detail, now.UnixMilli()); err != nil {
			return fmt.Errorf("ticket %d event: %w", e.ticketID, err)
		}
	}
	return nil
}

// writeFiredPostgres writes everything in two statements over arrays: on a server every
// statement is a round trip, which would dominate a sweep of a thousand tickets.
func writeFiredPostgres(tx *storage.Tx, due []*State, evs []fired, now time.Time) error {
	ctx := tx.Context()
	ids := make([]int64, len(due))
	fr, nr, res := make([]string, len(due)), make([]string, len(due)), make([]string, len(due))
	next := make([]*int64, len(due))
	for i, st := range due {
		ids[i], fr[i], nr[i], res[i] = st.TicketID, st.FirstResponse.State, st.NextResponse.State, st.Resolution.State
		if st.NextDeadline != nil {
			v := st.NextDeadline.UnixMilli()
			next[i] = &v
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE ticket_sla SET fr_state = v.fr, nr_state = v.nr, res_state = v.res, next_deadline = v.nd, updated_at = $6
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS v(id, fr, nr, res, nd)
		WHERE ticket_sla.ticket_id = v.id`, ids, fr, nr, res, next, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("update %d clocks: %w", len(due), err)
	}
	if len(evs) == 0 {
		return nil
	}
	subjects := make([]int64, len(evs))
	actions, fields, news, details := make([]string, len(evs)), make([]string, len(evs)), make([]string, len(evs)), make([]string, len(evs))
	for i, e := range evs {
		subjects[i], actions[i], fields[i] = e.ticketID, e.action(), e.f.Target
		news[i], details[i] = e.f.Due.UTC().Format(time.RFC3339), e.detail
	}
	_, err = tx.ExecContext(ctx, insertFiredEvent+`
		SELECT 'ticket', v.id, v.action, v.field, NULL, v.new, v.detail, 'system', NULL, $6
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, action, field, new, detail)`,
		subjects, actions, fields, news, details, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("record %d events: %w", len(evs), err)
	}
	return nil
}
