package sla

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at reads "2026-01-04 10:00" in Shanghai.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a database with the ticket service wired to the SLA hook, on a hand-moved clock.
type env struct {
	t         *testing.T
	ctx       context.Context
	db        *storage.DB
	clock     *testClock
	tickets   *ticket.Service
	customers *customer.Service
	sla       *Service
	agent     auth.Actor
}

func newEnv(t *testing.T, db *storage.DB) *env {
	t.Helper()
	clk := &testClock{t: at("2026-01-05 09:00")}
	e := &env{t: t, ctx: context.Background(), db: db, clock: clk}
	e.customers = customer.NewService(db, clk.Now)
	e.tickets = ticket.NewService(ticket.Options{DB: db, Customers: e.customers, Blobs: blob.Database{DB: db}, Now: clk.Now})
	e.sla = NewService(db, clk.Now)
	e.tickets.OnChange(e.sla.OnTicketChange)
	e.customers.OnChange(e.sla.OnCustomerChange)
	users := user.NewService(db, clk.Now)
	u, err := users.Create(e.ctx, auth.System(), user.CreateInput{Email: "li.na@example.com", Name: "李娜", Role: auth.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	e.agent = auth.Actor{Kind: auth.ActorUser, ID: u.ID, Name: u.Name, Role: auth.RoleAdmin}
	return e
}

func (e *env) policy(in PolicyInput) *Policy {
	e.t.Helper()
	if in.CalendarID == 0 {
		in.CalendarID = calendar.OfficeID
	}
	p, err := e.sla.CreatePolicy(e.ctx, e.agent, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// open creates a ticket at the given time for a customer of the given tier.
func (e *env) open(when time.Time, tier, typ, priority string) *ticket.Ticket {
	e.t.Helper()
	e.clock.Set(when)
	name := fmt.Sprintf("客户%d", when.UnixNano())
	c, err := e.customers.Create(e.ctx, auth.System(), customer.Input{Name: &name, Tier: &tier,
		Emails: []string{fmt.Sprintf("c%d@example.com", when.UnixNano())}})
	if err != nil {
		e.t.Fatal(err)
	}
	tk, err := e.tickets.Create(e.ctx, auth.System(), ticket.CreateInput{Subject: "投诉：发货太慢", Type: typ, Priority: priority,
		Channel: "email", Customer: ticket.CustomerRef{ID: c.ID}, Message: &ticket.MessageInput{Body: "三天了还没有发货"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) state(tk *ticket.Ticket) *State {
	e.t.Helper()
	st, err := loadState(e.ctx, e.db.Read(), tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) sweep(when time.Time) int {
	e.t.Helper()
	e.clock.Set(when)
	var n int
	err := e.db.Write(e.ctx, func(tx *storage.Tx) error {
		var err error
		n, err = e.sla.Sweep(tx, when, 1000)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) reply(tk *ticket.Ticket, when time.Time, author string, status string) {
	e.t.Helper()
	e.clock.Set(when)
	a := e.agent
	if author == "customer" {
		a = auth.Actor{Kind: auth.ActorCustomer, ID: tk.Customer.ID}
	}
	if _, err := e.tickets.AddMessage(e.ctx, a, tk.Number, ticket.MessageInput{Body: "您好，已为您处理", Author: author, Status: status}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) patch(tk *ticket.Ticket, when time.Time, p ticket.Patch) {
	e.t.Helper()
	e.clock.Set(when)
	if _, err := e.tickets.Update(e.ctx, e.agent, tk.Number, p); err != nil {
		e.t.Fatal(err)
	}
}

// slaEvents lists a ticket's SLA events as "action field".
func (e *env) slaEvents(tk *ticket.Ticket) []string {
	e.t.Helper()
	evs, err := event.List(e.ctx, e.db.Read(), event.Ticket, tk.ID, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		if ev.Action == "sla_warning" || ev.Action == "sla_breached" {
			out = append(out, ev.Action+" "+ev.Field)
		}
	}
	return out
}

func sp(s string) *string { return &s }
