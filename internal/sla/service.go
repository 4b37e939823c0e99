// Package sla keeps the service levels Kefu promises customers: policies of first-response,
// next-response and resolution targets in business time, chosen per ticket by conditions,
// and each ticket's clock. The clock is updated inside the transaction of every ticket
// change (through ticket.Service.OnChange) and its due times are stored per ticket, so lists
// can sort by them and the sweep — a durable job — reads only the tickets whose next
// deadline has passed. Warnings and breaches are ticket events.
package sla

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Service owns SLA policies and ticket clocks.
type Service struct {
	db  *storage.DB
	now func() time.Time

	mu    sync.Mutex
	cals  map[int64]cachedCalendar
	fired []func(tx *storage.Tx, fired []Fired) error
}

// Fired is a warning or breach the sweep recorded on a ticket.
type Fired struct {
	TicketID int64
	Target   string // FirstResponse, NextResponse or Resolution
	State    string // Warned or Breached
}

// OnFired registers f to hear, in the sweep's transaction, every warning and breach it
// recorded (automation acts on them). Register while wiring, before the sweep runs.
func (s *Service) OnFired(f func(tx *storage.Tx, fired []Fired) error) { s.fired = append(s.fired, f) }

type cachedCalendar struct {
	version int64
	cal     *calendar.Calendar
}

// NewService makes the SLA service; now is injected so tests choose the time.
func NewService(db *storage.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, cals: map[int64]cachedCalendar{}}
}

// calendar returns the business-time calculator of a stored calendar, cached by version
// so that an admin's edit takes effect on every node at the next ticket change.
func (s *Service) calendar(ctx context.Context, q storage.Querier, id int64) (*calendar.Calendar, error) {
	var version int64
	if err := q.QueryRowContext(ctx, `SELECT version FROM calendars WHERE id = $1`, id).Scan(&version); err != nil {
		return nil, fmt.Errorf("calendar %d: %w", id, err)
	}
	s.mu.Lock()
	c, ok := s.cals[id]
	s.mu.Unlock()
	if ok && c.version == version {
		return c.cal, nil
	}
	rec, err := calendar.Load(ctx, q, id)
	if err != nil {
		return nil, err
	}
	cal, err := rec.Calendar()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cals[id] = cachedCalendar{rec.Version, cal}
	s.mu.Unlock()
	return cal, nil
}

// running tells whether the clock runs in a status, and if not, why.
func running(status string, p *Policy) (bool, string) {
	switch status {
	case ticket.StatusPendingCustomer:
		return false, status
	case ticket.StatusPendingDepartment:
		if p.PauseOnDepartment {
			return false, status
		}
	case ticket.StatusResolved, ticket.StatusClosed:
		return false, status
	}
	return true, ""
}

// OnTicketChange is the ticket hook: it keeps the ticket's clock in step with the change,
// in the change's transaction.
func (s *Service) OnTicketChange(tx *storage.Tx, c ticket.Change) error {
	return s.apply(tx, c.After, c.Message, c.Kind == ticket.ChangeCreated, c.At)
}

// RefreshCustomerTx re-chooses the policy of a customer's unresolved tickets, for a change
// of the customer's tier; call it in the transaction that changes the tier.
func (s *Service) RefreshCustomerTx(tx *storage.Tx, customerID int64, now time.Time) error {
	rows, err := tx.QueryContext(tx.Context(), `SELECT id FROM tickets WHERE customer_id = $1 AND status NOT IN ('resolved', 'closed')`, customerID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		t, err := ticket.LoadTx(tx, id)
		if err != nil {
			return err
		}
		if err := s.apply(tx, t, nil, false, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) apply(tx *storage.Tx, t *ticket.Ticket, msg *ticket.MessageInfo, created bool, now time.Time) error {
	ctx := tx.Context()
	ps, err := policies(ctx, tx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ps, func(p *Policy) bool { return p.Active }) {
		// No policy is in force: only a clock left from an earlier policy needs removing.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ticket_sla WHERE ticket_id = $1`, t.ID).Scan(&n); err != nil || n == 0 {
			return err
		}
	}
	var tier string
	if err := tx.QueryRowContext(ctx, `SELECT tier FROM customers WHERE id = $1`, t.Customer.ID).Scan(&tier); err != nil {
		return fmt.Errorf("customer tier: %w", err)
	}
	subject := Subject{Priority: t.Priority, Type: t.Type, Tier: tier, Channel: t.Channel}
	if t.Team != nil {
		subject.TeamID = t.Team.ID
	}
	pol := choose(ps, subject)
	// A ticket created in this command has no clock yet (this hook is the first to see it):
	// a read that must come back empty is a fifth of a new ticket's SLA time on the writer.
	var st *State
	if !created {
		if st, err = loadState(ctx, tx, t.ID); err != nil {
			return err
		}
	}
	if pol == nil {
		if st == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_sla WHERE ticket_id = $1`, t.ID); err != nil {
			return err
		}
		if err := saveTicketDue(tx, nil, t); err != nil {
			return err
		}
		return event.Append(tx, auth.System(), event.Ticket, t.ID, now,
			event.Change{Action: "sla_policy", Field: "sla", Old: event.Str(st.PolicyName)})
	}
	cal, err := s.calendar(ctx, tx, pol.CalendarID)
	if err != nil {
		return err
	}
	var changes []event.Change
	switch {
	case st == nil:
		start := now
		if created {
			start = t.CreatedAt
		}
		st = &State{TicketID: t.ID, PolicyID: pol.ID}
		if on, _ := running(t.Status, pol); on {
			st.RunningSince = &start
		}
		changes = append(changes, event.Change{Action: "sla_policy", Field: "sla", New: event.Str(pol.Name), Detail: map[string]any{"policy_id": pol.ID}})
	case st.PolicyID != pol.ID:
		old := findPolicy(ps, st.PolicyID)
		if old != nil {
			oldCal, err := s.calendar(ctx, tx, old.CalendarID)
			if err != nil {
				return err
			}
			st.restart(oldCal, now)
		}
		changes = append(changes, event.Change{Action: "sla_policy", Field: "sla", Old: event.Str(st.PolicyName), New: event.Str(pol.Name),
			Detail: map[string]any{"policy_id": pol.ID}})
		st.PolicyID = pol.ID
	}
	st.PolicyName = pol.Name

	on, reason := running(t.Status, pol)
	st.setRunning(cal, on, reason, now)
	if t.FirstResponseAt != nil {
		st.FirstResponse.met()
	}
	if msg != nil && msg.Kind == ticket.KindReply {
		switch msg.AuthorKind {
		case "agent":
			st.NextResponse.met()
		case "customer":
			// A reply that follows an agent's answer waits for the next one.
			if t.FirstResponseAt != nil && !st.NextResponse.open() {
				st.startNextResponse(cal, pol, now)
			}
		}
	}
	switch t.Status {
	case ticket.StatusResolved, ticket.StatusClosed:
		st.Resolution.met()
		if st.NextResponse.open() {
			st.NextResponse = Target{}
		}
	default:
		if st.Resolution.State == Met {
			st.Resolution.State = Pending // reopened: the clock resumes where it stopped
		}
	}
	st.plan(cal, pol, now)
	if err := saveState(tx, st, now); err != nil {
		return err
	}
	if err := saveTicketDue(tx, st, t); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	changes[0].Detail["first_response_due"] = ms(st.FirstResponse.Due)
	changes[0].Detail["resolution_due"] = ms(st.Resolution.Due)
	return event.Append(tx, auth.System(), event.Ticket, t.ID, now, changes...)
}

func findPolicy(ps []*Policy, id int64) *Policy {
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// TicketState returns the clock of a ticket the actor may see, or nil if no policy applies.
func (s *Service) TicketState(ctx context.Context, tickets *ticket.Service, a auth.Actor, number int64) (*State, error) {
	t, err := tickets.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	return loadState(ctx, s.db.Read(), t.ID)
}
