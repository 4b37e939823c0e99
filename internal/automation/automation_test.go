package automation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t         *testing.T
	ctx       context.Context
	db        *storage.DB
	clock     *clock
	tickets   *ticket.Service
	customers *customer.Service
	auto      *Service
	sla       *sla.Service
	runner    *job.Runner
	admin     auth.Actor
}

func newEnv(t *testing.T, db *storage.DB) *env {
	clk := &clock{t: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)} // 10:00 in Shanghai, a Tuesday
	e := &env{t: t, ctx: context.Background(), db: db, clock: clk}
	e.customers = customer.NewService(db, clk.Now)
	e.tickets = ticket.NewService(ticket.Options{DB: db, Customers: e.customers, Blobs: blob.Database{DB: db}, Now: clk.Now})
	e.sla = sla.NewService(db, clk.Now)
	e.auto = NewService(db, e.tickets, clk.Now)
	e.tickets.OnChange(e.sla.OnTicketChange)
	e.tickets.OnChange(e.auto.OnTicketChange)
	e.sla.OnFired(e.auto.OnSLAFired)
	e.runner = job.NewRunner(job.Options{DB: db, Now: clk.Now})
	e.sla.RegisterJobs(e.runner, time.Minute)
	e.auto.RegisterJobs(e.runner, time.Minute)
	u, err := user.NewService(db, clk.Now).Create(e.ctx, auth.System(), user.CreateInput{Email: "boss@example.com", Name: "主管", Role: auth.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	e.admin = auth.Actor{Kind: auth.ActorUser, ID: u.ID, Role: auth.RoleSupervisor}
	return e
}

func (e *env) rule(in RuleInput) *Rule {
	e.t.Helper()
	r, err := e.auto.SaveRule(e.ctx, e.admin, 0, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) open(tier, typ string) *ticket.Ticket {
	e.t.Helper()
	name := "客户"
	c, err := e.customers.Create(e.ctx, auth.System(), customer.Input{Name: &name, Tier: &tier})
	if err != nil {
		e.t.Fatal(err)
	}
	tk, err := e.tickets.Create(e.ctx, auth.System(), ticket.CreateInput{Subject: "投诉：配送员态度差", Type: typ,
		Customer: ticket.CustomerRef{ID: c.ID}, Message: &ticket.MessageInput{Body: "非常不满意"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) get(tk *ticket.Ticket) *ticket.Ticket {
	e.t.Helper()
	got, err := e.tickets.Get(e.ctx, auth.System(), tk.Number)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *env) runs(tk *ticket.Ticket) []Run {
	e.t.Helper()
	rs, err := e.auto.Runs(e.ctx, e.admin, tk.Number, 50)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) notes(tk *ticket.Ticket) []string {
	e.t.Helper()
	ms, err := e.tickets.Messages(e.ctx, auth.System(), tk.Number, 0, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.AuthorKind == "system" {
			out = append(out, m.Kind+":"+m.Body)
		}
	}
	return out
}

func TestEventRuleActsInTheSameCommand(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.rule(RuleInput{Name: "VIP 投诉加急", Event: OnCreated, Conditions: Conditions{Tiers: []string{"vip"}, Types: []string{"complaint"}},
			Actions: []Action{{Type: SetPriority, Value: "urgent"}, {Type: AddTags, Tags: []string{"VIP投诉"}}, {Type: Note, Body: "VIP 客户投诉，请优先处理"}}})
		vip := e.get(e.open("vip", "complaint"))
		if vip.Priority != "urgent" || !slices.Contains(vip.Tags, "VIP投诉") {
			t.Errorf("VIP complaint: priority %q, tags %v", vip.Priority, vip.Tags)
		}
		if n := e.notes(vip); !slices.Equal(n, []string{"note:VIP 客户投诉，请优先处理"}) {
			t.Errorf("notes %v", n)
		}
		if rs := e.runs(vip); len(rs) != 1 || !slices.Equal(rs[0].Actions, []string{SetPriority, AddTags, Note}) || rs[0].Error != "" {
			t.Errorf("runs %+v", rs)
		}
		if other := e.get(e.open("ordinary", "complaint")); other.Priority != "normal" || len(e.runs(other)) != 0 {
			t.Errorf("an ordinary complaint was touched: %q, %d runs", other.Priority, len(e.runs(other)))
		}
	})
}

// Two rules that undo each other stop: neither fires on a change it caused, and the chain
// is bounded.
func TestLoopProtection(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		up := e.rule(RuleInput{Name: "高→紧急", Event: OnPriorityChanged, Conditions: Conditions{Priorities: []string{"high"}}, Actions: []Action{{Type: SetPriority, Value: "urgent"}}})
		down := e.rule(RuleInput{Name: "紧急→高", Event: OnPriorityChanged, Conditions: Conditions{Priorities: []string{"urgent"}}, Actions: []Action{{Type: SetPriority, Value: "high"}}})
		tk := e.open("ordinary", "order")
		high := "high"
		if _, err := e.tickets.Update(e.ctx, e.admin, tk.Number, ticket.Patch{Priority: &high}); err != nil {
			t.Fatal(err)
		}
		rs := e.runs(tk)
		var ids []int64
		for _, r := range rs {
			ids = append(ids, r.RuleID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{up.ID, down.ID}) {
			t.Errorf("runs by rule: %v; want each rule once: %v", ids, []int64{up.ID, down.ID})
		}
		if got := e.get(tk).Priority; got != "high" {
			t.Errorf("priority %q, want high", got)
		}
	})
}

// A rule that cannot act is rolled back and logged; the change that triggered it stands.
func TestFailingRuleDoesNotFailTheCommand(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.rule(RuleInput{Name: "坏规则", Event: OnCreated, Actions: []Action{{Type: AddTags, Tags: []string{"自动"}}, {Type: SetStatus, Value: "pending_department"}}})
		tk := e.get(e.open("ordinary", "order"))
		if slices.Contains(tk.Tags, "自动") || tk.Status != ticket.StatusNew {
			t.Errorf("half a failed rule stayed: tags %v, status %q", tk.Tags, tk.Status)
		}
		rs := e.runs(tk)
		if len(rs) != 1 || rs[0].Error == "" || len(rs[0].Actions) != 0 {
			t.Errorf("runs %+v; want one logged failure", rs)
		}
	})
}

// "Pending on the customer for 7 days → a reminder; 3 more quiet days → close", as timed
// rules run by the job.
func TestTimedRulesRemindThenClose(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		day := 24 * time.Hour
		e.rule(RuleInput{Name: "催办", Event: OnTimed, AfterMinutes: 7 * 24 * 60,
			Conditions: Conditions{Statuses: []string{ticket.StatusPendingCustomer}, TagsNone: []string{"已催办"}},
			Actions:    []Action{{Type: Reply, Body: "您好，工单 {number} 还在等您的回复。"}, {Type: AddTags, Tags: []string{"已催办"}}}})
		e.rule(RuleInput{Name: "自动关闭", Event: OnTimed, AfterMinutes: 3 * 24 * 60,
			Conditions: Conditions{Statuses: []string{ticket.StatusPendingCustomer}, TagsAny: []string{"已催办"}},
			Actions:    []Action{{Type: SetStatus, Value: ticket.StatusClosed}}})
		tk := e.open("ordinary", "order")
		waiting := ticket.StatusPendingCustomer
		if _, err := e.tickets.Update(e.ctx, e.admin, tk.Number, ticket.Patch{Status: &waiting}); err != nil {
			t.Fatal(err)
		}
		if err := e.auto.ScheduleTimed(e.ctx); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			after  time.Duration
			status string
			notes  int
		}{
			{6 * day, ticket.StatusPendingCustomer, 0},
			{day, ticket.StatusPendingCustomer, 1}, // day 7: reminded
			{2 * day, ticket.StatusPendingCustomer, 1},
			{day, ticket.StatusClosed, 1}, // three quiet days after the reminder
			{30 * day, ticket.StatusClosed, 1},
		}
		for i, s := range steps {
			e.clock.Add(s.after)
			for {
				n, err := e.runner.RunDue(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			got := e.get(tk)
			if got.Status != s.status || len(e.notes(tk)) != s.notes {
				t.Fatalf("step %d: status %q, %d system messages; want %q, %d", i, got.Status, len(e.notes(tk)), s.status, s.notes)
			}
		}
		if n := e.notes(tk); !strings.Contains(n[0], "reply:您好，工单 1") {
			t.Errorf("reminder %q", n[0])
		}
	})
}

// An SLA breach escalates through a rule, run as a job after the sweep.
func TestSLABreachEscalates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		if _, err := e.sla.CreatePolicy(e.ctx, e.admin, sla.PolicyInput{Name: "默认", CalendarID: 2, FirstResponseMinutes: 30}); err != nil {
			t.Fatal(err)
		}
		e.rule(RuleInput{Name: "超时升级", Event: OnSLABreached, Actions: []Action{{Type: SetPriority, Value: "urgent"}, {Type: Note, Body: "首次响应已超时"}}})
		tk := e.open("ordinary", "order")
		if err := e.sla.ScheduleSweep(e.ctx); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			after    time.Duration
			priority string
		}{{25 * time.Minute, "normal"}, {5 * time.Minute, "urgent"}} {
			e.clock.Add(step.after)
			for {
				n, err := e.runner.RunDue(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			if got := e.get(tk).Priority; got != step.priority {
				t.Fatalf("after %v: priority %q, want %q", step.after, got, step.priority)
			}
		}
		if rs := e.runs(tk); len(rs) != 1 || rs[0].Event != OnSLABreached {
			t.Errorf("runs %+v", rs)
		}
	})
}

func TestDryRunListsMatchesAndWritesNothing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		vip := e.open("vip", "complaint")
		e.open("ordinary", "complaint")
		got, err := e.auto.DryRun(e.ctx, e.admin, RuleInput{Name: "试运行", Event: OnCustomerReplied,
			Conditions: Conditions{Tiers: []string{"vip"}}, Actions: []Action{{Type: SetPriority, Value: "urgent"}}})
		if err != nil || !slices.Equal(got, []int64{vip.Number}) {
			t.Fatalf("dry run: %v, %v; want [%d]", got, err, vip.Number)
		}
		if e.get(vip).Priority != "normal" {
			t.Error("a dry run changed a ticket")
		}
		if _, err := e.auto.DryRun(e.ctx, e.admin, RuleInput{Name: "x", Event: OnTimed, Actions: []Action{{Type: Note, Body: "x"}}}); err == nil {
			t.Error("a timed rule without a time was accepted")
		}
	})
}

// A webhook is called after the commit, as a job, and retried when the receiver fails.
func TestWebhookIsCalledAfterCommitAndRetried(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		var mu sync.Mutex
		var got []webhookPayload
		fail := true
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				fail = false
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			var p webhookPayload
			json.NewDecoder(r.Body).Decode(&p)
			got = append(got, p)
		}))
		defer srv.Close()
		e.rule(RuleInput{Name: "通知 CRM", Event: OnCreated, Actions: []Action{{Type: Webhook, URL: srv.URL + "/kefu"}}})
		tk := e.open("ordinary", "order")
		run := func() {
			for {
				n, err := e.runner.RunDue(e.ctx)
				if n == 0 {
					return
				}
				_ = err // the first call fails on purpose
			}
		}
		calls := func() []webhookPayload {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(got)
		}
		run()
		if c := calls(); len(c) != 0 {
			t.Fatalf("%d calls before the retry", len(c))
		}
		e.clock.Add(time.Minute) // past the first backoff
		run()
		if c := calls(); len(c) != 1 || c[0].Number != tk.Number || c[0].Event != OnCreated || c[0].URL != "" {
			t.Fatalf("calls %+v", c)
		}
		if _, err := e.auto.SaveRule(e.ctx, e.admin, 0, RuleInput{Name: "坏地址", Event: OnCreated, Actions: []Action{{Type: Webhook, URL: "ftp://x"}}}); err == nil {
			t.Error("an ftp webhook was accepted")
		}
	})
}
