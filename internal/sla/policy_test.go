package sla

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func TestConditionsMatch(t *testing.T) {
	vipComplaints := Conditions{Tiers: []string{"vip"}, Types: []string{"complaint"}}
	cases := []struct {
		c    Conditions
		s    Subject
		want bool
	}{
		{Conditions{}, Subject{Priority: "low"}, true},
		{vipComplaints, Subject{Tier: "vip", Type: "complaint"}, true},
		{vipComplaints, Subject{Tier: "key", Type: "complaint"}, false},
		{vipComplaints, Subject{Tier: "vip", Type: "order"}, false},
		{Conditions{TeamIDs: []int64{3}}, Subject{TeamID: 3}, true},
		{Conditions{TeamIDs: []int64{3}}, Subject{}, false},
		{Conditions{Channels: []string{"chat", "phone"}, Priorities: []string{"urgent"}}, Subject{Channel: "phone", Priority: "urgent"}, true},
	}
	for i, c := range cases {
		if got := c.c.Match(c.s); got != c.want {
			t.Errorf("%d: Match(%+v) = %v, want %v", i, c.s, got, c.want)
		}
	}
}

func TestPolicyEditing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		agent := auth.Actor{Kind: auth.ActorUser, ID: 99, Role: auth.RoleAgent}
		supervisor := auth.Actor{Kind: auth.ActorUser, ID: 98, Role: auth.RoleSupervisor}
		in := PolicyInput{Name: "VIP 投诉", CalendarID: 1, Conditions: Conditions{Tiers: []string{"vip"}}, FirstResponseMinutes: 30}
		if _, err := e.sla.CreatePolicy(e.ctx, agent, in); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("agent created a policy: %v", err)
		}
		p, err := e.sla.CreatePolicy(e.ctx, supervisor, in)
		if err != nil || p.Position != 1 || !p.Active || p.WarnPercent != 80 {
			t.Fatalf("create: %+v, %v", p, err)
		}
		bad := []struct {
			name  string
			edit  func(*PolicyInput)
			field string
			code  string
		}{
			{"no name", func(p *PolicyInput) { p.Name = " " }, "name", "required"},
			{"no target", func(p *PolicyInput) { p.FirstResponseMinutes = 0 }, "first_response_minutes", "no_target"},
			{"negative", func(p *PolicyInput) { p.ResolutionMinutes = -5 }, "resolution_minutes", "out_of_range"},
			{"warn 100%", func(p *PolicyInput) { p.WarnPercent = 100 }, "warn_percent", "out_of_range"},
			{"bad tier", func(p *PolicyInput) { p.Conditions.Tiers = []string{"gold"} }, "conditions.tiers", "one_of"},
			{"bad priority", func(p *PolicyInput) { p.Conditions.Priorities = []string{"p1"} }, "conditions.priorities", "one_of"},
			{"unknown calendar", func(p *PolicyInput) { p.CalendarID = 77 }, "calendar_id", "unknown_calendar"},
			{"unknown team", func(p *PolicyInput) { p.Conditions.TeamIDs = []int64{77} }, "conditions.team_ids", "unknown_team"},
			{"taken name", func(p *PolicyInput) {}, "name", "taken"},
		}
		for _, b := range bad {
			x := in
			x.Conditions = Conditions{Tiers: []string{"vip"}}
			b.edit(&x)
			_, err := e.sla.CreatePolicy(e.ctx, supervisor, x)
			if ae, ok := apperr.As(err); !ok || ae.Fields[b.field].Code != b.code {
				t.Errorf("%s: %v; want %s=%s", b.name, err, b.field, b.code)
			}
		}
		ps, _ := e.sla.Policies(e.ctx, supervisor)
		if len(ps) != 1 {
			t.Fatalf("%d policies after bad input, want 1", len(ps))
		}
		in.ResolutionMinutes = 450
		in.Version = &p.Version
		if p, err = e.sla.UpdatePolicy(e.ctx, supervisor, p.ID, in); err != nil || p.ResolutionMinutes != 450 || p.Version != 2 {
			t.Fatalf("update: %+v, %v", p, err)
		}
		e.open(at("2026-03-10 10:00"), "vip", "order", "normal")
		if err := e.sla.DeletePolicy(e.ctx, supervisor, p.ID); !errors.Is(err, &apperr.Error{Kind: apperr.KindConflict, Code: "policy_in_use"}) {
			t.Fatalf("deleted a policy in use: %v", err)
		}
	})
}

// The sweep runs as a durable job that schedules its successor.
func TestSweepRunsAsAJob(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "默认", FirstResponseMinutes: 30})
		tk := e.open(at("2026-03-10 10:00"), "ordinary", "order", "normal")
		r := job.NewRunner(job.Options{DB: db, Now: e.clock.Now})
		e.sla.RegisterJobs(r, time.Minute)
		if err := e.sla.ScheduleSweep(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.sla.ScheduleSweep(e.ctx); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			at     string
			events int
		}{{"2026-03-10 10:00", 0}, {"2026-03-10 10:23", 0}, {"2026-03-10 10:24", 1}, {"2026-03-10 10:29", 1}, {"2026-03-10 10:30", 2}} {
			e.clock.Set(at(step.at))
			if _, err := r.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := len(e.slaEvents(tk)); got != step.events {
				t.Fatalf("at %s: %d SLA events, want %d", step.at, got, step.events)
			}
		}
		if st, _ := job.Count(e.ctx, db.Read()); st.Waiting != 1 {
			t.Fatalf("%d sweeps waiting, want 1", st.Waiting)
		}
	})
}
