// Package ticket is the work of the help desk: one ticket (工单) per customer request, its
// conversation (public replies and internal notes), and every change as an event. It owns
// first-contact ownership (首问负责制): the first agent who acts on a ticket becomes its
// owner and stays so through every transfer, accountable until it is closed.
package ticket

import (
	"slices"
	"time"
)

// Types of request.
var Types = []string{"consultation", "presale", "order", "aftersale", "complaint", "suggestion", "praise"}

// Subtypes of an after-sale request.
var Subtypes = []string{"repair", "return", "exchange", "refund", "warranty"}

// Statuses of a ticket.
var Statuses = []string{"new", "open", "pending_customer", "pending_department", "resolved", "closed"}

// Priorities, lowest first; stored as 1…4 so lists can sort by them.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Channels a ticket or message arrives through.
var Channels = []string{"email", "chat", "portal", "phone", "api"}

// Status names used in rules.
const (
	StatusNew               = "new"
	StatusOpen              = "open"
	StatusPendingCustomer   = "pending_customer"
	StatusPendingDepartment = "pending_department"
	StatusResolved          = "resolved"
	StatusClosed            = "closed"
)

func priorityRank(p string) int { return slices.Index(Priorities, p) + 1 }

func priorityName(rank int) string {
	if rank < 1 || rank > len(Priorities) {
		return "normal"
	}
	return Priorities[rank-1]
}

// Service-level states of a ticket, from the due and warning times of its unmet SLA
// targets (kept on the ticket by the sla package) and the clock.
const (
	SLANone     = "none"     // no unmet target with a due time: no policy, paused, or all met
	SLAOK       = "ok"       // every unmet target is before its warning time
	SLAWarning  = "warning"  // an unmet target passed its warning share: due soon
	SLABreached = "breached" // an unmet target passed its due time: overdue
)

// SLAStateAt is the ticket's service-level state at now.
func (t *Ticket) SLAStateAt(now time.Time) string {
	switch {
	case t.SLADueAt == nil:
		return SLANone
	case !t.SLADueAt.After(now):
		return SLABreached
	case t.SLAWarnAt != nil && !t.SLAWarnAt.After(now):
		return SLAWarning
	}
	return SLAOK
}

// Ref names a related record.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Ticket is one customer request.
type Ticket struct {
	ID                    int64          `json:"id"`
	Number                int64          `json:"number"`
	Subject               string         `json:"subject"`
	Type                  string         `json:"type"`
	Subtype               string         `json:"subtype"`
	Status                string         `json:"status"`
	Priority              string         `json:"priority"`
	Channel               string         `json:"channel"`
	Customer              Ref            `json:"customer"`
	Team                  *Ref           `json:"team"`
	Department            *Ref           `json:"department"`
	Assignee              *Ref           `json:"assignee"`
	Owner                 *Ref           `json:"owner"`
	MergedInto            *int64         `json:"merged_into"`
	Tags                  []string       `json:"tags"`
	CustomFields          map[string]any `json:"custom_fields"`
	Preview               string         `json:"preview"`
	MessageCount          int            `json:"message_count"`
	Version               int64          `json:"version"`
	CreatedAt             time.Time      `json:"created_at"`
	UpdatedAt             time.Time      `json:"updated_at"`
	FirstResponseAt       *time.Time     `json:"first_response_at"`
	LastCustomerMessageAt *time.Time     `json:"last_customer_message_at"`
	LastAgentMessageAt    *time.Time     `json:"last_agent_message_at"`
	ResolvedAt            *time.Time     `json:"resolved_at"`
	ClosedAt              *time.Time     `json:"closed_at"`
	SLADueAt              *time.Time     `json:"sla_due_at"`  // the earliest due time of an unmet SLA target
	SLAWarnAt             *time.Time     `json:"sla_warn_at"` // the earliest warning time of an unmet SLA target
	SLAState              string         `json:"sla_state"`   // SLANone, SLAOK, SLAWarning or SLABreached, as of the read
	Links                 []Link         `json:"links,omitempty"`
}

// Link is a relation to another ticket, seen from this one.
type Link struct {
	Kind   string `json:"kind"`   // related, merged_into, merged_from, split_from, split_to
	Number int64  `json:"number"` // the other ticket
}

func (t *Ticket) teamID() int64       { return refID(t.Team) }
func (t *Ticket) departmentID() int64 { return refID(t.Department) }
func (t *Ticket) assigneeID() int64   { return refID(t.Assignee) }
func (t *Ticket) ownerID() int64      { return refID(t.Owner) }

func refID(r *Ref) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func ms(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}
