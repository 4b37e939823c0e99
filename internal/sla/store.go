package sla

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

const stateColumns = `s.ticket_id, s.policy_id, p.name, s.consumed_ms, s.running_since, s.paused_reason,
	s.fr_due, s.fr_warn, s.fr_state, s.nr_due, s.nr_warn, s.nr_state, s.res_due, s.res_warn, s.res_state, s.next_deadline`

const selectState = `SELECT ` + stateColumns + ` FROM ticket_sla s JOIN sla_policies p ON p.id = s.policy_id`

func scanState(row interface{ Scan(...any) error }) (*State, error) {
	var st State
	var consumed int64
	var running, frDue, frWarn, nrDue, nrWarn, resDue, resWarn, next sql.NullInt64
	err := row.Scan(&st.TicketID, &st.PolicyID, &st.PolicyName, &consumed, &running, &st.PausedReason,
		&frDue, &frWarn, &st.FirstResponse.State, &nrDue, &nrWarn, &st.NextResponse.State,
		&resDue, &resWarn, &st.Resolution.State, &next)
	if err != nil {
		return nil, err
	}
	st.Consumed = Duration(time.Duration(consumed) * time.Millisecond)
	st.RunningSince = when(running)
	st.FirstResponse.Due, st.FirstResponse.Warn = when(frDue), when(frWarn)
	st.NextResponse.Due, st.NextResponse.Warn = when(nrDue), when(nrWarn)
	st.Resolution.Due, st.Resolution.Warn = when(resDue), when(resWarn)
	st.NextDeadline = when(next)
	return &st, nil
}

func when(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

func ms(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// loadState reads a ticket's clock, nil if it has none. Inside a PostgreSQL command it
// locks the row so that the sweep and a ticket change cannot overwrite each other.
func loadState(ctx context.Context, q storage.Querier, ticketID int64) (*State, error) {
	query := selectState + ` WHERE s.ticket_id = $1`
	if tx, ok := q.(*storage.Tx); ok && tx.Dialect() == storage.Postgres {
		query += ` FOR UPDATE OF s`
	}
	st, err := scanState(q.QueryRowContext(ctx, query, ticketID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load sla of ticket %d: %w", ticketID, err)
	}
	return st, nil
}

// saveState writes a ticket's clock, inserting it the first time.
func saveState(tx *storage.Tx, st *State, now time.Time) error {
	_, err := tx.ExecContext(tx.Context(), `INSERT INTO ticket_sla (ticket_id, policy_id, consumed_ms, running_since, paused_reason,
			fr_due, fr_warn, fr_state, nr_due, nr_warn, nr_state, res_due, res_warn, res_state, next_deadline, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (ticket_id) DO UPDATE SET policy_id = excluded.policy_id, consumed_ms = excluded.consumed_ms,
			running_since = excluded.running_since, paused_reason = excluded.paused_reason,
			fr_due = excluded.fr_due, fr_warn = excluded.fr_warn, fr_state = excluded.fr_state,
			nr_due = excluded.nr_due, nr_warn = excluded.nr_warn, nr_state = excluded.nr_state,
			res_due = excluded.res_due, res_warn = excluded.res_warn, res_state = excluded.res_state,
			next_deadline = excluded.next_deadline, updated_at = excluded.updated_at`,
		st.TicketID, st.PolicyID, time.Duration(st.Consumed).Milliseconds(), ms(st.RunningSince), st.PausedReason,
		ms(st.FirstResponse.Due), ms(st.FirstResponse.Warn), st.FirstResponse.State,
		ms(st.NextResponse.Due), ms(st.NextResponse.Warn), st.NextResponse.State,
		ms(st.Resolution.Due), ms(st.Resolution.Warn), st.Resolution.State, ms(st.NextDeadline), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("save sla of ticket %d: %w", st.TicketID, err)
	}
	return nil
}
