package gen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The generated tickets run under one service-level policy on the shipped 7×24 calendar
// (calendar 2), so business time is wall time and the clocks need no calendar arithmetic:
// first response in 4 hours, resolution in 3 days, warnings at 80%. Each ticket gets its
// ticket_sla row and the due and warning times the sla package would keep on the ticket
// (migration 0009), so the "due soon" / "overdue" views and sort=due have realistic data.
// The generator does not model pauses before the current one, nor warning and breach events.
const (
	genPolicyName   = "标准服务（生成数据）"
	genPolicyFRMins = 240
	genPolicyResMin = 3 * 24 * 60
	genWarnPercent  = 80
	genCalendar     = 2 // 7×24, shipped by migration 0005
)

// ensurePolicy returns the generator's policy, creating it (last in order, so policies an
// admin made first still apply first) on the first run.
func ensurePolicy(ctx context.Context, tx *sql.Tx, now int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM sla_policies WHERE name = $1`, genPolicyName).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("gen: sla policy: %w", err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO sla_policies (name, position, calendar_id, first_response_mins, resolution_mins,
			warn_percent, created_at, updated_at)
		VALUES ($1, (SELECT COALESCE(max(position), 0) + 1 FROM sla_policies), $2, $3, $4, $5, $6, $6) RETURNING id`,
		genPolicyName, genCalendar, genPolicyFRMins, genPolicyResMin, genWarnPercent, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("gen: create sla policy: %w", err)
	}
	return id, nil
}

// clock is a generated ticket's ticket_sla row and the times its ticket carries.
type clock struct {
	consumed, runningSince         int64
	pausedReason                   string
	frDue, frWarn, resDue, resWarn int64
	frState, resState              string
	next                           int64 // next_deadline: 0 for none
	ticketDue, ticketWarn          int64 // tickets.sla_due_at, sla_warn_at: 0 for none
}

// slaClock is the clock of a ticket as internal/sla would have left it at now: running
// since creation while the ticket is worked on, paused since the last agent reply while it
// waits on the customer, stopped once resolved. Times are Unix ms.
func slaClock(created int64, status string, firstResponse, lastAgent, resolvedAt, closedAt, now int64) clock {
	const min = 60_000
	c := clock{frDue: created + genPolicyFRMins*min, resDue: created + genPolicyResMin*min}
	c.frWarn = created + genPolicyFRMins*min*genWarnPercent/100
	c.resWarn = created + genPolicyResMin*min*genWarnPercent/100
	// outcome is a target's state at instant at: met if done by then, otherwise by the clock.
	state := func(due, warn, done, at int64) string {
		switch {
		case done != 0 && done <= due:
			return "met"
		case done != 0 || at >= due:
			return "breached"
		case at >= warn:
			return "warned"
		}
		return ""
	}
	stop := now
	switch status {
	case "resolved", "closed":
		stop = resolvedAt
		if stop == 0 {
			stop = closedAt
		}
		c.pausedReason = status
		c.frState = state(c.frDue, c.frWarn, firstResponse, stop)
		if c.frState != "met" && c.frState != "breached" {
			c.frState = "met" // resolved without a reply (a phone call): nothing is owed
		}
		c.resState = state(c.resDue, c.resWarn, stop, stop)
		c.consumed = max(stop-created, 0)
		return c
	case "pending_customer":
		stop = max(lastAgent, created)
		c.pausedReason = status
	default:
		c.runningSince = created
	}
	c.frState = state(c.frDue, c.frWarn, firstResponse, stop)
	c.resState = state(c.resDue, c.resWarn, 0, stop)
	if c.runningSince == 0 {
		c.consumed = max(stop-created, 0)
		// Paused: a target still open has no due time until the clock resumes.
		if c.frState == "" || c.frState == "warned" {
			c.frDue, c.frWarn = 0, 0
		}
		if c.resState == "" || c.resState == "warned" {
			c.resDue, c.resWarn = 0, 0
		}
	} else {
		// The next instant the sweep must look at: a pending target's warning, a warned one's due.
		for _, t := range []struct {
			state     string
			due, warn int64
		}{{c.frState, c.frDue, c.frWarn}, {c.resState, c.resDue, c.resWarn}} {
			d := int64(0)
			switch t.state {
			case "":
				d = t.warn
			case "warned":
				d = t.due
			}
			if d != 0 && (c.next == 0 || d < c.next) {
				c.next = d
			}
		}
	}
	// The ticket carries the earliest due and warning times of what it still owes.
	owe := func(due, warn int64) {
		if due != 0 && (c.ticketDue == 0 || due < c.ticketDue) {
			c.ticketDue = due
		}
		if warn != 0 && (c.ticketWarn == 0 || warn < c.ticketWarn) {
			c.ticketWarn = warn
		}
	}
	if firstResponse == 0 {
		owe(c.frDue, c.frWarn)
	}
	owe(c.resDue, c.resWarn)
	return c
}
