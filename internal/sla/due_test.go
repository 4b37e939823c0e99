package sla

import (
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

// get reads a ticket as the API shows it, with its due time and state at the clock.
func (e *env) get(tk *ticket.Ticket) *ticket.Ticket {
	e.t.Helper()
	got, err := e.tickets.Get(e.ctx, e.agent, tk.Number)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func wantDue(t *testing.T, what string, tk *ticket.Ticket, due, warn *time.Time, state string) {
	t.Helper()
	if !sameTime(tk.SLADueAt, due) || !sameTime(tk.SLAWarnAt, warn) || tk.SLAState != state {
		t.Fatalf("%s: due %v, warn %v, state %q; want %v, %v, %q", what, tk.SLADueAt, tk.SLAWarnAt, tk.SLAState, due, warn, state)
	}
}

func tp(s string) *time.Time { v := at(s); return &v }

// The ticket carries the earliest due and warning times of its unmet targets through its
// life: created, warned, answered (first response met), paused, resumed, resolved.
func TestTicketCarriesDueTimes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		// 2 working hours to answer, 8 to resolve, warn at 80%, on the office calendar.
		e.policy(PolicyInput{Name: "标准", FirstResponseMinutes: 120, ResolutionMinutes: 480})
		tk := e.open(at("2026-03-10 09:00"), "ordinary", "order", "normal")
		wantDue(t, "created", e.get(tk), tp("2026-03-10 11:00"), tp("2026-03-10 10:36"), ticket.SLAOK)

		e.clock.Set(at("2026-03-10 10:40"))
		wantDue(t, "past the warning", e.get(tk), tp("2026-03-10 11:00"), tp("2026-03-10 10:36"), ticket.SLAWarning)
		e.sweep(at("2026-03-10 10:40")) // the sweep records the warning but never moves the ticket's times
		wantDue(t, "swept", e.get(tk), tp("2026-03-10 11:00"), tp("2026-03-10 10:36"), ticket.SLAWarning)

		// Answered at 10:50: resolution is what is left, 8 working hours from 09:00 with the
		// lunch break: 09:00–12:00, 13:30–18:00 = 7.5 h, so 0.5 h into the next morning.
		e.reply(tk, at("2026-03-10 10:50"), "agent", "")
		wantDue(t, "answered", e.get(tk), tp("2026-03-11 09:30"), tp("2026-03-10 16:54"), ticket.SLAOK)

		// Waiting on the customer: the clock stands still and nothing is due.
		e.reply(tk, at("2026-03-10 11:00"), "agent", ticket.StatusPendingCustomer)
		wantDue(t, "pending customer", e.get(tk), nil, nil, ticket.SLANone)

		// The customer answers at 14:00 the same day: 2 working hours ran before the pause,
		// 6 are left from 14:00: 14:00–18:00 and 09:00–11:00.
		e.reply(tk, at("2026-03-10 14:00"), "customer", "")
		got := e.get(tk)
		if got.Status != ticket.StatusOpen {
			t.Fatalf("status %s after the customer's reply", got.Status)
		}
		wantDue(t, "resumed", got, tp("2026-03-11 11:00"), tp("2026-03-11 09:24"), ticket.SLAOK)

		e.patch(tk, at("2026-03-11 12:00"), ticket.Patch{Status: sp(ticket.StatusResolved)})
		wantDue(t, "resolved", e.get(tk), nil, nil, ticket.SLANone)

		// Overdue and due-soon views list what the times say, for the clock of the request.
		e.clock.Set(at("2026-03-11 12:00"))
		other := e.open(at("2026-03-11 13:30"), "ordinary", "order", "normal")
		for _, c := range []struct {
			now, filter string
			want        []int64
		}{
			{"2026-03-11 14:00", "overdue", nil},
			{"2026-03-11 15:10", "due_soon", []int64{other.Number}},
			{"2026-03-11 15:10", "overdue", nil},
			{"2026-03-11 15:31", "overdue", []int64{other.Number}},
			{"2026-03-11 15:31", "due_soon", nil},
		} {
			e.clock.Set(at(c.now))
			p, err := e.tickets.List(e.ctx, e.agent, ticket.Filter{SLA: c.filter, Sort: "due", Order: "asc"})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, it := range p.Items {
				got = append(got, it.Number)
			}
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Errorf("%s at %s: %v, want %v", c.filter, c.now, got, c.want)
			}
		}
	})
}

// A VIP customer who becomes ordinary moves their open tickets to the ordinary policy in the
// transaction of the tier change: the due times on the tickets move out, and each ticket
// records the change of policy; resolved tickets keep theirs.
func TestTierDowngradeMovesDueTimes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "VIP", Conditions: Conditions{Tiers: []string{"vip"}}, FirstResponseMinutes: 30, ResolutionMinutes: 480})
		e.policy(PolicyInput{Name: "普通", FirstResponseMinutes: 240, ResolutionMinutes: 1440})
		tk := e.open(at("2026-03-10 09:00"), "vip", "complaint", "high")
		wantDue(t, "VIP", e.get(tk), tp("2026-03-10 09:30"), tp("2026-03-10 09:24"), ticket.SLAOK)
		// A second open ticket of the same customer.
		e.clock.Set(at("2026-03-10 09:05"))
		tk2, err := e.tickets.Create(e.ctx, e.agent, ticket.CreateInput{Subject: "发票抬头", Type: "order", Priority: "normal",
			Channel: "phone", Customer: ticket.CustomerRef{ID: tk.Customer.ID}, Message: &ticket.MessageInput{Body: "发票抬头写错了"}})
		if err != nil {
			t.Fatal(err)
		}

		e.clock.Set(at("2026-03-10 09:10"))
		ordinary := "ordinary"
		if _, err := e.customers.Update(e.ctx, e.agent, tk.Customer.ID, customer.Input{Tier: &ordinary}); err != nil {
			t.Fatal(err)
		}
		// 10 minutes ran under VIP; 230 of the ordinary 240 are left from 09:10 (lunch 12:00–13:30).
		wantDue(t, "ordinary", e.get(tk), tp("2026-03-10 14:30"), tp("2026-03-10 13:42"), ticket.SLAOK)
		got2 := e.get(tk2)
		if got2.SLADueAt == nil || !got2.SLADueAt.Equal(at("2026-03-10 14:35")) {
			t.Fatalf("second ticket due %v, want 14:35", got2.SLADueAt)
		}
		for _, x := range []*ticket.Ticket{tk, tk2} {
			evs, err := event.List(e.ctx, e.db.Read(), event.Ticket, x.ID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var moved bool
			for _, ev := range evs {
				if ev.Action == "sla_policy" && ev.Field == "sla" && ev.Old != nil && ev.New != nil {
					moved = true
				}
			}
			if !moved {
				t.Errorf("#%d: no sla_policy event for the tier change: %+v", x.Number, evs)
			}
		}
	})
}

// Migration 0009 fills the due times of existing clocks with SQL; that SQL must agree with
// what the hook keeps. Tickets in every kind of state get their times from the hook, then the
// migration's UPDATE recomputes them from ticket_sla alone.
func TestMigrationBackfillAgrees(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "标准", FirstResponseMinutes: 60, NextResponseMinutes: 30, ResolutionMinutes: 480})
		fresh := e.open(at("2026-03-10 09:00"), "ordinary", "order", "normal")
		answered := e.open(at("2026-03-10 09:05"), "ordinary", "order", "normal")
		e.reply(answered, at("2026-03-10 09:20"), "agent", "")
		again := e.open(at("2026-03-10 09:10"), "ordinary", "order", "normal")
		e.reply(again, at("2026-03-10 09:30"), "agent", "")
		e.reply(again, at("2026-03-10 10:00"), "customer", "") // next response due
		waiting := e.open(at("2026-03-10 09:15"), "ordinary", "order", "normal")
		e.reply(waiting, at("2026-03-10 09:40"), "agent", ticket.StatusPendingCustomer)
		late := e.open(at("2026-03-10 09:20"), "ordinary", "order", "normal")
		e.sweep(at("2026-03-10 10:30"))                    // first response breached
		e.reply(late, at("2026-03-10 10:40"), "agent", "") // met late: still breached, no longer owed
		done := e.open(at("2026-03-10 09:25"), "ordinary", "order", "normal")
		e.patch(done, at("2026-03-10 11:00"), ticket.Patch{Status: sp(ticket.StatusResolved)})
		all := []*ticket.Ticket{fresh, answered, again, waiting, late, done}

		type times struct{ due, warn *time.Time }
		want := map[int64]times{}
		for _, tk := range all {
			g := e.get(tk)
			want[tk.ID] = times{g.SLADueAt, g.SLAWarnAt}
		}
		if want[waiting.ID].due != nil || want[done.ID].due != nil || want[fresh.ID].due == nil || want[again.ID].due == nil {
			t.Fatalf("the scenario does not cover what it should: %+v", want)
		}

		ms, err := storage.Migrations(db.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		src := ms[8].SQL
		if ms[8].Version != 9 {
			t.Fatalf("migration 9 is %d_%s", ms[8].Version, ms[8].Name)
		}
		from := strings.Index(src, "UPDATE tickets SET sla_due_at")
		to := strings.Index(src, "WHERE tickets.id = o.id;")
		if from < 0 || to < from {
			t.Fatal("the backfill statement is not in migration 0009")
		}
		backfill := src[from : to+len("WHERE tickets.id = o.id")]
		err = db.Write(e.ctx, func(tx *storage.Tx) error {
			if _, err := tx.ExecContext(e.ctx, `UPDATE tickets SET sla_due_at = NULL, sla_warn_at = NULL`); err != nil {
				return err
			}
			_, err := tx.ExecContext(e.ctx, backfill)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range all {
			g := e.get(tk)
			if w := want[tk.ID]; !sameTime(g.SLADueAt, w.due) || !sameTime(g.SLAWarnAt, w.warn) {
				t.Errorf("#%d: backfill gives %v / %v, the hook kept %v / %v", tk.Number, g.SLADueAt, g.SLAWarnAt, w.due, w.warn)
			}
		}
	})
}
