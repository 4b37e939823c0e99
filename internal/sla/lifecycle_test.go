package sla

import (
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

// A ticket's clock through a wait on the customer, a customer reply, a priority change that
// moves it to another policy, resolution and a reopen, on the office calendar (Tuesday
// 2026-03-10; days are 09:00–12:00 and 13:30–18:00).
func TestClockThroughPauseResumePriorityChangeAndReopen(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "紧急", Conditions: Conditions{Priorities: []string{"urgent"}}, FirstResponseMinutes: 60, ResolutionMinutes: 240})
		e.policy(PolicyInput{Name: "默认", FirstResponseMinutes: 240, NextResponseMinutes: 120, ResolutionMinutes: 900})
		tk := e.open(at("2026-03-10 09:00"), "ordinary", "order", "normal")

		type want struct {
			policy, paused         string
			consumed               time.Duration
			fr, frState, nr, res   string // "" means no due time
			resState, nextDeadline string
		}
		steps := []struct {
			name string
			do   func()
			want want
		}{
			{"created", func() {}, want{policy: "默认", fr: "2026-03-10 14:30", res: "2026-03-11 18:00", nextDeadline: "2026-03-10 13:42"}},
			{"answered, waiting on the customer", func() { e.reply(tk, at("2026-03-10 10:00"), "agent", ticket.StatusPendingCustomer) },
				want{policy: "默认", paused: "pending_customer", consumed: time.Hour, fr: "2026-03-10 14:30", frState: Met}},
			{"the customer replies", func() { e.reply(tk, at("2026-03-10 14:00"), "customer", "") },
				want{policy: "默认", consumed: time.Hour, fr: "2026-03-10 14:30", frState: Met, nr: "2026-03-10 16:00",
					res: "2026-03-12 11:30", nextDeadline: "2026-03-10 15:36"}},
			{"raised to urgent", func() { e.patch(tk, at("2026-03-10 15:00"), ticket.Patch{Priority: sp("urgent")}) },
				want{policy: "紧急", consumed: 2 * time.Hour, fr: "2026-03-10 14:30", frState: Met, res: "2026-03-10 17:00", nextDeadline: "2026-03-10 16:12"}},
			{"resolved", func() { e.patch(tk, at("2026-03-10 16:00"), ticket.Patch{Status: sp(ticket.StatusResolved)}) },
				want{policy: "紧急", paused: "resolved", consumed: 3 * time.Hour, fr: "2026-03-10 14:30", frState: Met, res: "2026-03-10 17:00", resState: Met}},
			{"reopened by the customer", func() { e.reply(tk, at("2026-03-11 09:00"), "customer", "") },
				want{policy: "紧急", consumed: 3 * time.Hour, fr: "2026-03-10 14:30", frState: Met, res: "2026-03-11 10:00", nextDeadline: "2026-03-11 09:12"}},
		}
		for _, s := range steps {
			s.do()
			st := e.state(tk)
			w := s.want
			if st.PolicyName != w.policy || st.PausedReason != w.paused || time.Duration(st.Consumed) != w.consumed {
				t.Errorf("%s: policy %q, paused %q, consumed %v; want %q, %q, %v", s.name, st.PolicyName, st.PausedReason,
					time.Duration(st.Consumed), w.policy, w.paused, w.consumed)
			}
			check := func(what string, got *time.Time, want string) {
				switch {
				case want == "" && got != nil:
					t.Errorf("%s: %s = %v, want none", s.name, what, got.In(shanghai))
				case want != "" && (got == nil || !got.Equal(at(want))):
					t.Errorf("%s: %s = %v, want %s", s.name, what, got, want)
				}
			}
			check("first response due", st.FirstResponse.Due, w.fr)
			check("next response due", st.NextResponse.Due, w.nr)
			check("resolution due", st.Resolution.Due, w.res)
			check("next deadline", st.NextDeadline, w.nextDeadline)
			if st.FirstResponse.State != w.frState || st.Resolution.State != w.resState {
				t.Errorf("%s: first response %q, resolution %q; want %q, %q", s.name, st.FirstResponse.State, st.Resolution.State, w.frState, w.resState)
			}
		}
	})
}

// The clock stops while a ticket waits on the customer, and while it waits on a department
// only when the policy says so; resolved and closed tickets stop it too.
func TestRunningStatuses(t *testing.T) {
	pause, keep := &Policy{PauseOnDepartment: true}, &Policy{}
	cases := []struct {
		status string
		p      *Policy
		runs   bool
	}{
		{ticket.StatusNew, keep, true},
		{ticket.StatusOpen, keep, true},
		{ticket.StatusPendingCustomer, keep, false},
		{ticket.StatusPendingDepartment, keep, true},
		{ticket.StatusPendingDepartment, pause, false},
		{ticket.StatusResolved, keep, false},
		{ticket.StatusClosed, keep, false},
	}
	for _, c := range cases {
		runs, reason := running(c.status, c.p)
		if runs != c.runs || (runs == (reason != "")) {
			t.Errorf("%s (pause on department %v): runs %v, reason %q", c.status, c.p.PauseOnDepartment, runs, reason)
		}
	}
}

// A customer who becomes VIP moves their open tickets to the VIP policy: the tier change
// calls RefreshCustomerTx through the customer hook; time already run stays counted.
func TestTierChangeRechoosesPolicy(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "VIP", Conditions: Conditions{Tiers: []string{"vip"}}, FirstResponseMinutes: 30, ResolutionMinutes: 240})
		e.policy(PolicyInput{Name: "默认", FirstResponseMinutes: 240, ResolutionMinutes: 900})
		tk := e.open(at("2026-03-10 09:00"), "ordinary", "order", "normal")
		e.clock.Set(at("2026-03-10 10:00"))
		vip := "vip"
		if _, err := e.customers.Update(e.ctx, e.agent, tk.Customer.ID, customer.Input{Tier: &vip}); err != nil {
			t.Fatal(err)
		}
		st := e.state(tk)
		// An hour has run: 3 of the VIP policy's 4 resolution hours are left.
		if st.PolicyName != "VIP" || time.Duration(st.Consumed) != time.Hour || !st.Resolution.Due.Equal(at("2026-03-10 14:30")) {
			t.Fatalf("after the tier change: policy %q, consumed %v, resolution due %v", st.PolicyName, time.Duration(st.Consumed), st.Resolution.Due)
		}
		// Its first-response target (30 minutes) has already passed: the sweep breaches it.
		e.sweep(at("2026-03-10 10:00"))
		if got := e.slaEvents(tk); len(got) != 2 || got[1] != "sla_breached first_response" {
			t.Fatalf("events %v", got)
		}
	})
}
