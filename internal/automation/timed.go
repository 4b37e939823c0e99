package automation

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
)

// Jobs of this package.
const (
	TimedKind = "automation.timed" // runs the timed rules; one waits at a time
	SLAKind   = "automation.sla"   // runs the rules of one SLA warning or breach
)

// timedBatch bounds how many tickets one rule handles per run.
const timedBatch = 200

// timedState is the timed job's payload: per rule, the (updated_at, id) of the last ticket
// it looked at. Tickets enter a rule's window in updated_at order as time passes, so a
// cursor sees each idle stretch of each ticket once, and a ticket that changes comes back
// with a later updated_at.
type timedState struct {
	Cursors map[string][2]int64 `json:"cursors"`
}

type slaPayload struct {
	TicketID int64  `json:"ticket_id"`
	Event    string `json:"event"`
}

// RegisterJobs makes the runner run timed rules every interval (default 1 minute), the
// rules of SLA warnings and breaches, and webhook calls.
func (s *Service) RegisterJobs(r *job.Runner, interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	r.Handle(TimedKind, func(ctx context.Context, tx *storage.Tx, j *job.Job) error {
		var st timedState
		if err := j.Decode(&st); err != nil {
			return err
		}
		full, err := s.runTimed(tx, &st)
		if err != nil {
			return err
		}
		next := s.now().Add(interval)
		if full {
			next = s.now()
		}
		_, err = job.EnqueueTx(tx, job.Spec{Kind: TimedKind, UniqueKey: TimedKind, Payload: st, RunAt: next}, s.now())
		return err
	})
	registerWebhook(r)
	r.Handle(SLAKind, func(ctx context.Context, tx *storage.Tx, j *job.Job) error {
		var p slaPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		return s.fire(tx, p.TicketID, []string{p.Event}, nil, s.now())
	})
}

// ScheduleTimed makes sure the timed-rules job waits; call it at start-up.
func (s *Service) ScheduleTimed(ctx context.Context) error {
	_, err := job.Enqueue(ctx, s.db, job.Spec{Kind: TimedKind, UniqueKey: TimedKind, Payload: timedState{}}, s.now())
	return err
}

// OnSLAFired queues the rules of SLA warnings and breaches as jobs, so they run in their own
// transactions after the sweep and take the ticket's lock as any command does.
func (s *Service) OnSLAFired(tx *storage.Tx, fired []sla.Fired) error {
	var n int
	if err := tx.QueryRowContext(tx.Context(), `SELECT count(*) FROM automation_rules WHERE active = $1 AND on_event IN ($2, $3)`,
		true, OnSLAWarning, OnSLABreached).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	now := s.now()
	for _, f := range fired {
		ev := OnSLAWarning
		if f.State == sla.Breached {
			ev = OnSLABreached
		}
		if _, err := job.EnqueueTx(tx, job.Spec{Kind: SLAKind, Payload: slaPayload{TicketID: f.TicketID, Event: ev}}, now); err != nil {
			return err
		}
	}
	return nil
}

// runTimed runs each active timed rule over the tickets that have been idle for its time
// since its cursor; it reports whether a rule filled its batch (more may be waiting).
func (s *Service) runTimed(tx *storage.Tx, st *timedState) (bool, error) {
	ctx := tx.Context()
	if st.Cursors == nil {
		st.Cursors = map[string][2]int64{}
	}
	rs, err := rules(ctx, tx, func(r *Rule) bool { return r.Active && r.Event == OnTimed })
	if err != nil {
		return false, err
	}
	now := s.now()
	full := false
	live := map[string][2]int64{}
	for _, r := range rs {
		key := strconv.FormatInt(r.ID, 10)
		cur := st.Cursors[key]
		ids, last, err := idle(ctx, tx, r, now, cur)
		if err != nil {
			return false, err
		}
		full = full || len(ids) == timedBatch
		for _, c := range ids {
			sub, err := subject(ctx, tx, c.id)
			if err != nil {
				return false, err
			}
			if sub.Ticket.MergedInto != nil || !r.Conditions.Match(sub) {
				continue
			}
			if _, err := s.run(tx, r, sub.Ticket, nil, OnTimed, c.updated, now); err != nil {
				return false, err
			}
		}
		live[key] = last
	}
	st.Cursors = live // rules deleted meanwhile drop out
	return full, nil
}

type idleTicket struct{ id, updated int64 }

// idle lists up to a batch of tickets idle for the rule's time, after the cursor, in
// (updated_at, id) order, through the tickets_status or tickets_updated index.
func idle(ctx context.Context, q storage.Querier, r *Rule, now time.Time, cursor [2]int64) ([]idleTicket, [2]int64, error) {
	limit := now.Add(-time.Duration(r.AfterMinutes) * time.Minute).UnixMilli()
	args := []any{limit, cursor[0], cursor[1]}
	where := `updated_at <= $1 AND (updated_at > $2 OR (updated_at = $2 AND id > $3))`
	if len(r.Conditions.Statuses) > 0 {
		ph := make([]string, len(r.Conditions.Statuses))
		for i, st := range r.Conditions.Statuses {
			args = append(args, st)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where += ` AND status IN (` + strings.Join(ph, ", ") + `)`
	}
	args = append(args, timedBatch)
	rows, err := q.QueryContext(ctx, `SELECT id, updated_at FROM tickets WHERE `+where+
		fmt.Sprintf(` ORDER BY updated_at, id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, cursor, fmt.Errorf("timed rule %d: %w", r.ID, err)
	}
	defer rows.Close()
	var out []idleTicket
	for rows.Next() {
		var t idleTicket
		if err := rows.Scan(&t.id, &t.updated); err != nil {
			return nil, cursor, err
		}
		out = append(out, t)
		cursor = [2]int64{t.updated, t.id}
	}
	return out, cursor, rows.Err()
}

// DryRun lists the numbers of the tickets a rule would act on now (at most 100): for a
// timed rule, those idle long enough; for others, open tickets that match its conditions
// today (among the 1,000 most recently changed). Nothing is written.
func (s *Service) DryRun(ctx context.Context, a auth.Actor, in RuleInput) ([]int64, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	r := &Rule{Event: in.Event, AfterMinutes: in.AfterMinutes, Conditions: in.Conditions}
	q := s.db.Read()
	var ids []int64
	if r.Event == OnTimed {
		found, _, err := idle(ctx, q, r, s.now(), [2]int64{})
		if err != nil {
			return nil, err
		}
		for _, t := range found {
			ids = append(ids, t.id)
		}
	} else {
		rows, err := q.QueryContext(ctx, `SELECT id FROM tickets WHERE status NOT IN ('resolved', 'closed') ORDER BY updated_at DESC, id DESC LIMIT 1000`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := []int64{}
	for _, id := range ids {
		sub, err := subject(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if sub.Ticket.MergedInto == nil && r.Conditions.Match(sub) && len(out) < 100 {
			out = append(out, sub.Ticket.Number)
		}
	}
	return out, nil
}
