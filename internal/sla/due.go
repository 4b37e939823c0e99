package sla

import (
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Due times on the ticket: tickets.sla_due_at and sla_warn_at are the earliest due and
// warning times of the ticket's unmet targets, written in the transaction that moves the
// clock (a ticket change, a customer's tier change), so lists sort and filter by them from
// the tickets table alone. Warnings and breaches do not move them (a target that warns or
// breaches keeps its times), so the sweep never writes tickets; the state shown follows from
// the times and the clock (ticket.SLAStateAt).

// unmet reports whether the ticket still owes the target: it has a due time, is not met,
// and what would meet it has not happened (a breached target stays breached once met late,
// so the ticket itself tells whether it was answered or resolved since).
func unmet(name string, tg *Target, t *ticket.Ticket) bool {
	if tg.Due == nil || tg.State == Met {
		return false
	}
	switch name {
	case FirstResponse:
		return t.FirstResponseAt == nil
	case NextResponse:
		return t.LastCustomerMessageAt != nil && (t.LastAgentMessageAt == nil || t.LastCustomerMessageAt.After(*t.LastAgentMessageAt))
	}
	return true
}

// summary is what the ticket row carries of its clock: the earliest due and warning times
// of its unmet targets (nil, nil without a clock).
func summary(st *State, t *ticket.Ticket) (due, warn *time.Time) {
	if st == nil || t.Status == ticket.StatusResolved || t.Status == ticket.StatusClosed || t.MergedInto != nil {
		return nil, nil
	}
	for _, n := range []struct {
		name string
		t    *Target
	}{{FirstResponse, &st.FirstResponse}, {NextResponse, &st.NextResponse}, {Resolution, &st.Resolution}} {
		if !unmet(n.name, n.t, t) {
			continue
		}
		due = earlier(due, n.t.Due)
		w := n.t.Warn
		if w == nil {
			w = n.t.Due
		}
		warn = earlier(warn, w)
	}
	return due, warn
}

func earlier(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.Before(*a)) {
		return a
	}
	v := *b
	return &v
}

// saveTicketDue writes the ticket's due and warning times when they changed.
func saveTicketDue(tx *storage.Tx, st *State, t *ticket.Ticket) error {
	due, warn := summary(st, t)
	if sameTime(due, t.SLADueAt) && sameTime(warn, t.SLAWarnAt) {
		return nil
	}
	if _, err := tx.ExecContext(tx.Context(), `UPDATE tickets SET sla_due_at = $1, sla_warn_at = $2 WHERE id = $3`, ms(due), ms(warn), t.ID); err != nil {
		return fmt.Errorf("due time of ticket %d: %w", t.ID, err)
	}
	t.SLADueAt, t.SLAWarnAt = due, warn
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UnixMilli() == b.UnixMilli()
}
