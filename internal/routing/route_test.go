package routing

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *storage.DB
	users   *user.Service
	tickets *ticket.Service
	routing *Service
	n       int
}

func newEnv(t *testing.T, db *storage.DB) *env {
	customers := customer.NewService(db, nil)
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blob.Database{DB: db}})
	r := NewService(db, tickets, nil)
	tickets.OnChange(r.OnTicketChange)
	return &env{t: t, ctx: context.Background(), db: db, users: user.NewService(db, nil), tickets: tickets, routing: r}
}

func (e *env) team(name, method string) int64 {
	e.t.Helper()
	kind := "team"
	tm, err := e.users.CreateTeam(e.ctx, auth.System(), user.TeamInput{Name: &name, Kind: &kind})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.routing.SetTeam(e.ctx, auth.System(), tm.ID, TeamInput{Method: &method}); err != nil {
		e.t.Fatal(err)
	}
	return tm.ID
}

// agent makes an agent of the team with an availability, a cap and skills.
func (e *env) agent(team int64, availability string, maxOpen int, skills ...string) auth.Actor {
	e.t.Helper()
	e.n++
	u, err := e.users.Create(e.ctx, auth.System(), user.CreateInput{Email: fmt.Sprintf("agent%d@example.com", e.n), Name: fmt.Sprintf("坐席%d", e.n),
		Role: auth.RoleAgent, Teams: []int64{team}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.routing.SetAgent(e.ctx, auth.System(), u.ID, AgentInput{Availability: &availability, MaxOpen: &maxOpen, Skills: skills}); err != nil {
		e.t.Fatal(err)
	}
	return auth.Actor{Kind: auth.ActorUser, ID: u.ID, Role: auth.RoleAgent, Teams: []int64{team}}
}

func (e *env) open(team int64, email, typ string) *ticket.Ticket {
	e.t.Helper()
	tk, err := e.tickets.Create(e.ctx, auth.System(), ticket.CreateInput{Subject: "咨询", Type: typ, TeamID: team,
		Customer: ticket.CustomerRef{Email: email}, Message: &ticket.MessageInput{Body: "你好"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func assignee(tk *ticket.Ticket) int64 {
	if tk.Assignee == nil {
		return 0
	}
	return tk.Assignee.ID
}

// perAgent counts the team's open tickets by assignee (0: unassigned).
func (e *env) perAgent(team int64) map[int64]int {
	e.t.Helper()
	rows, err := e.db.Read().QueryContext(e.ctx, `SELECT COALESCE(assignee_id, 0), count(*) FROM tickets WHERE team_id = $1
		AND status NOT IN ('resolved', 'closed') GROUP BY COALESCE(assignee_id, 0)`, team)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		rows.Scan(&id, &n)
		out[id] = n
	}
	return out
}

// createMany opens n tickets of the team from 8 goroutines at once.
func (e *env) createMany(team int64, n int) {
	e.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := e.tickets.Create(e.ctx, auth.System(), ticket.CreateInput{Subject: fmt.Sprint("工单 ", i), TeamID: team,
					Customer: ticket.CustomerRef{Email: fmt.Sprintf("c%d@example.com", i)}, Message: &ticket.MessageInput{Body: "你好"}})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}

// 1,000 tickets over 5 agents, created concurrently: round-robin gives each exactly 200.
func TestRoundRobinSpreadsExactlyEvenly(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		team := e.team("售前咨询组", RoundRobin)
		var agents []int64
		for range 5 {
			agents = append(agents, e.agent(team, "online", 0).ID)
		}
		e.agent(team, "away", 0) // away agents take nothing
		e.createMany(team, 1000)
		got := e.perAgent(team)
		for _, id := range agents {
			if got[id] != 200 {
				t.Errorf("agent %d has %d tickets, want 200 (all: %v)", id, got[id], got)
			}
		}
		if len(got) != 5 {
			t.Errorf("tickets went to %d assignees (0 = unassigned): %v", len(got), got)
		}
	})
}

// Least-loaded never exceeds an agent's cap, even with tickets arriving at once; what does
// not fit waits unassigned, and a freed place is filled next.
func TestLeastLoadedNeverExceedsCaps(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		team := e.team("售后一组", LeastLoaded)
		caps := map[int64]int{}
		var first auth.Actor
		for i, c := range []int{2, 3, 4, 5, 6} {
			a := e.agent(team, "online", c)
			caps[a.ID] = c
			if i == 0 {
				first = a
			}
		}
		e.createMany(team, 30)
		got := e.perAgent(team)
		for id, c := range caps {
			if got[id] != c {
				t.Errorf("agent %d has %d open tickets, cap %d", id, got[id], c)
			}
		}
		if got[0] != 10 {
			t.Errorf("%d tickets wait unassigned, want 10", got[0])
		}
		// The first agent resolves one: the next ticket is theirs.
		var number int64
		db.Read().QueryRowContext(e.ctx, `SELECT number FROM tickets WHERE assignee_id = $1 LIMIT 1`, first.ID).Scan(&number)
		resolved := ticket.StatusResolved
		if _, err := e.tickets.Update(e.ctx, first, number, ticket.Patch{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		if tk := e.open(team, "late@example.com", "order"); assignee(tk) != first.ID {
			t.Errorf("new ticket went to %d, want the agent with a free place %d", assignee(tk), first.ID)
		}
	})
}

func TestTierSkillsAndFirstContactOwner(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		general := e.team("综合组", Skills)
		senior := e.team("VIP 专席", RoundRobin)
		if _, err := e.routing.SetTeam(e.ctx, auth.System(), general, TeamInput{TierTeams: map[string]int64{"vip": senior, "key": senior}}); err != nil {
			t.Fatal(err)
		}
		complaints := e.agent(general, "online", 0, "type:complaint")
		orders := e.agent(general, "online", 0, "type:order")
		seniorAgent := e.agent(senior, "online", 0)

		// Skills: each ticket finds the agent who handles its type.
		if tk := e.open(general, "a@example.com", "complaint"); assignee(tk) != complaints.ID {
			t.Errorf("complaint went to %d, want %d", assignee(tk), complaints.ID)
		}
		if tk := e.open(general, "b@example.com", "order"); assignee(tk) != orders.ID {
			t.Errorf("order went to %d, want %d", assignee(tk), orders.ID)
		}

		// Tier: a VIP's ticket goes to the senior team.
		vip := "vip"
		name := "王总"
		c, err := customer.NewService(db, nil).Create(e.ctx, auth.System(), customer.Input{Name: &name, Tier: &vip, Emails: []string{"boss@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := e.tickets.Create(e.ctx, auth.System(), ticket.CreateInput{Subject: "合同续签", TeamID: general,
			Customer: ticket.CustomerRef{ID: c.ID}, Message: &ticket.MessageInput{Body: "请联系我"}})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Team == nil || tk.Team.ID != senior || assignee(tk) != seniorAgent.ID {
			t.Errorf("VIP ticket: team %v, assignee %d; want team %d, agent %d", tk.Team, assignee(tk), senior, seniorAgent.ID)
		}

		// First contact: the order agent answers customer c@, who later writes again about
		// a complaint; it goes back to the order agent while they are online.
		first := e.open(general, "c@example.com", "order")
		if _, err := e.tickets.AddMessage(e.ctx, orders, first.Number, ticket.MessageInput{Body: "已为您查询"}); err != nil {
			t.Fatal(err)
		}
		if tk := e.open(general, "c@example.com", "complaint"); assignee(tk) != orders.ID {
			t.Errorf("follow-up went to %d, want the first-contact owner %d", assignee(tk), orders.ID)
		}
		away := "away"
		if _, err := e.routing.SetAgent(e.ctx, orders, orders.ID, AgentInput{Availability: &away}); err != nil {
			t.Fatal(err)
		}
		if tk := e.open(general, "c@example.com", "complaint"); assignee(tk) != complaints.ID {
			t.Errorf("follow-up while the owner is away went to %d, want %d", assignee(tk), complaints.ID)
		}
		// An agent may set only their own availability.
		if _, err := e.routing.SetAgent(e.ctx, orders, orders.ID, AgentInput{Skills: []string{"type:praise"}}); err == nil {
			t.Error("an agent changed their own skills")
		}
		if _, err := e.routing.SetAgent(e.ctx, orders, complaints.ID, AgentInput{Availability: &away}); err == nil {
			t.Error("an agent changed a colleague's availability")
		}
	})
}
