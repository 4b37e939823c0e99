package sla

import (
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/calendar"
)

// Target states.
const (
	Pending  = ""         // running toward its warning or due time
	Warned   = "warned"   // the warning share of the target has passed
	Breached = "breached" // the due time has passed without the target being met
	Met      = "met"      // met in time (a target met late stays breached)
)

// Names of the targets, as events and the API call them.
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// Target is one promise's progress on a ticket.
type Target struct {
	Due   *time.Time `json:"due_at"`
	Warn  *time.Time `json:"warn_at"`
	State string     `json:"state"`
}

// open reports whether the target still has a deadline to fire.
func (t *Target) open() bool { return t.Due != nil && (t.State == Pending || t.State == Warned) }

// deadline is the next instant the sweep must look at the target, or nil.
func (t *Target) deadline() *time.Time {
	switch {
	case !t.open():
		return nil
	case t.State == Pending && t.Warn != nil:
		return t.Warn
	}
	return t.Due
}

// met closes the target: in time it is met, late it stays breached.
func (t *Target) met() {
	if t.State == Pending || t.State == Warned {
		t.State = Met
	}
}

// State is a ticket's service-level clock. First response and resolution share one
// stopwatch of business time on the policy's calendar: Consumed is what it ran before
// RunningSince, and it stands still (RunningSince nil) while the ticket waits on the
// customer, optionally on a department, and once resolved. Next response is timed from each
// customer reply that follows an agent's answer.
type State struct {
	TicketID      int64      `json:"-"`
	PolicyID      int64      `json:"policy_id"`
	PolicyName    string     `json:"policy_name"`
	Consumed      Duration   `json:"consumed"`
	RunningSince  *time.Time `json:"running_since"`
	PausedReason  string     `json:"paused_reason"`
	FirstResponse Target     `json:"first_response"`
	NextResponse  Target     `json:"next_response"`
	Resolution    Target     `json:"resolution"`
	NextDeadline  *time.Time `json:"next_deadline"`
}

// Duration is a time.Duration that reads and writes JSON as whole minutes.
type Duration time.Duration

// MarshalJSON writes the duration in minutes.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(time.Duration(d)/time.Minute), 10), nil
}

// elapsed is the business time the stopwatch has run by now.
func (s *State) elapsed(cal *calendar.Calendar, now time.Time) time.Duration {
	d := time.Duration(s.Consumed)
	if s.RunningSince != nil {
		d += cal.Between(*s.RunningSince, now)
	}
	return d
}

// setRunning starts or stops the stopwatch at now; reason says why it stands still.
func (s *State) setRunning(cal *calendar.Calendar, running bool, reason string, now time.Time) {
	switch {
	case running && s.RunningSince == nil:
		t := now
		s.RunningSince = &t
		s.PausedReason = ""
	case !running && s.RunningSince != nil:
		s.Consumed = Duration(s.elapsed(cal, now))
		s.RunningSince = nil
		s.PausedReason = reason
	case !running:
		s.PausedReason = reason
	}
}

// restart folds the running time into Consumed and restarts the stopwatch at now, so a
// different calendar can take over from here.
func (s *State) restart(cal *calendar.Calendar, now time.Time) {
	if s.RunningSince != nil {
		s.Consumed = Duration(s.elapsed(cal, now))
		t := now
		s.RunningSince = &t
	}
}

// plan sets the due and warning times of first response and resolution from the
// stopwatch, and the next deadline of all three targets. It is a pure function of the
// state, the policy's targets, the calendar and now.
func (s *State) plan(cal *calendar.Calendar, p *Policy, now time.Time) {
	s.planTarget(&s.FirstResponse, cal, p.FirstResponse(), p.WarnPercent, now)
	s.planTarget(&s.Resolution, cal, p.Resolution(), p.WarnPercent, now)
	if p.NextResponseMinutes == 0 {
		s.NextResponse = Target{}
	}
	s.setNextDeadline()
}

func (s *State) planTarget(t *Target, cal *calendar.Calendar, target time.Duration, warnPercent int, now time.Time) {
	if target <= 0 {
		*t = Target{}
		return
	}
	if t.State == Met || t.State == Breached {
		return // a recorded outcome stands
	}
	if s.RunningSince == nil {
		// Paused: no instant is due while the clock stands still.
		t.Due, t.Warn = nil, nil
		return
	}
	start, used := *s.RunningSince, time.Duration(s.Consumed)
	due := cal.Add(start, target-used)
	warn := cal.Add(start, target*time.Duration(warnPercent)/100-used)
	t.Due, t.Warn = &due, &warn
	if t.State == Warned && warn.After(now) {
		t.State = Pending // the target moved out: warn again when the new share passes
	}
}

// startNextResponse times an answer to the customer reply at now.
func (s *State) startNextResponse(cal *calendar.Calendar, p *Policy, now time.Time) {
	if p.NextResponseMinutes == 0 {
		return
	}
	target := time.Duration(p.NextResponseMinutes) * time.Minute
	due := cal.Add(now, target)
	warn := cal.Add(now, target*time.Duration(p.WarnPercent)/100)
	s.NextResponse = Target{Due: &due, Warn: &warn, State: Pending}
}

// Firing is a warning or breach the sweep records.
type Firing struct {
	Target string
	State  string // Warned or Breached
	Due    time.Time
}

// fire moves every target whose warning or due time is at or before now to its next
// state and returns what happened, warnings before breaches.
func (s *State) fire(now time.Time) []Firing {
	var out []Firing
	for _, n := range []struct {
		name string
		t    *Target
	}{{FirstResponse, &s.FirstResponse}, {NextResponse, &s.NextResponse}, {Resolution, &s.Resolution}} {
		t := n.t
		if !t.open() {
			continue
		}
		if t.State == Pending && t.Warn != nil && !t.Warn.After(now) {
			t.State = Warned
			out = append(out, Firing{Target: n.name, State: Warned, Due: *t.Due})
		}
		if t.State == Warned && !t.Due.After(now) {
			t.State = Breached
			out = append(out, Firing{Target: n.name, State: Breached, Due: *t.Due})
		}
	}
	s.setNextDeadline()
	return out
}

// setNextDeadline is the earliest warning or due time still to fire.
func (s *State) setNextDeadline() {
	s.NextDeadline = nil
	for _, t := range []*Target{&s.FirstResponse, &s.NextResponse, &s.Resolution} {
		if d := t.deadline(); d != nil && (s.NextDeadline == nil || d.Before(*s.NextDeadline)) {
			v := *d
			s.NextDeadline = &v
		}
	}
}
