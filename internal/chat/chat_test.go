package chat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

type fixture struct {
	svc     *Service
	tickets *ticket.Service
	users   *user.Service
	routing *routing.Service
	team    int64
	agent   auth.Actor
	now     time.Time
}

func newFixture(t *testing.T, db *storage.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)} // 10:00 in Shanghai, a Monday
	clock := func() time.Time { return f.now }
	customers := customer.NewService(db, clock)
	f.tickets = ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blob.Database{DB: db}, Now: clock})
	f.routing = routing.NewService(db, f.tickets, clock)
	f.tickets.OnChange(f.routing.OnTicketChange)
	f.users = user.NewService(db, clock)
	f.svc = NewService(Options{DB: db, Tickets: f.tickets, Customers: customers, Now: clock})
	name, kind := "售后", "team"
	tm, err := f.users.CreateTeam(ctx, auth.System(), user.TeamInput{Name: &name, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	f.team = tm.ID
	u, err := f.users.Create(ctx, auth.System(), user.CreateInput{Email: "zhao@example.cn", Name: "赵敏", Role: auth.RoleAgent, Teams: []int64{tm.ID}})
	if err != nil {
		t.Fatal(err)
	}
	f.agent = auth.Actor{Kind: auth.ActorUser, ID: u.ID, Name: u.Name, Role: auth.RoleAgent, Teams: []int64{tm.ID}}
	on := "online"
	if _, err := f.routing.SetAgent(ctx, auth.System(), u.ID, routing.AgentInput{Availability: &on}); err != nil {
		t.Fatal(err)
	}
	return f
}

// Business hours come from the calendar of the service-level policy for the team's chats.
func TestOnlineFollowsBusinessHours(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if on, err := f.svc.Online(ctx, f.team); err != nil || !on {
			t.Fatalf("no calendar, an agent online: %v %v", on, err)
		}
		if on, _ := f.svc.Online(ctx, 0); on {
			t.Fatal("online without a team")
		}
		nine, _ := calendar.ParseRanges("09:00-18:00")
		var week [7][]calendar.Range
		for d := 1; d <= 5; d++ {
			week[d] = nine
		}
		cal, err := calendar.NewStore(db, nil).Create(ctx, auth.System(), calendar.Input{Name: "工作日", TimeZone: "Asia/Shanghai", Week: week})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sla.NewService(db, nil).CreatePolicy(ctx, auth.System(), sla.PolicyInput{Name: "在线客服", CalendarID: cal.ID,
			FirstResponseMinutes: 5, Conditions: sla.Conditions{Channels: []string{"chat"}, TeamIDs: []int64{f.team}}})
		if err != nil {
			t.Fatal(err)
		}
		if on, err := f.svc.Online(ctx, f.team); err != nil || !on {
			t.Fatalf("10:00 on a Monday: %v %v", on, err)
		}
		f.now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // 20:00 in Shanghai
		if on, _ := f.svc.Online(ctx, f.team); on {
			t.Fatal("online at 20:00")
		}
		// Outside hours a start still makes the ticket, marked offline.
		v, _, err := f.svc.Hello(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		ack, ch, err := f.svc.Start(ctx, v, StartInput{CID: "c1", Name: "王五", Phone: "138 0013 8000", Body: "晚上好，空调漏水", Team: "售后"})
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Offline || ch.State != StateWaiting || ack.Number == 0 {
			t.Fatalf("offline chat: %+v", ch)
		}
	})
}

// A chat the visitor ended may be rated while its ticket is still open; the ticket's
// customer is the one the form named, and the rating is theirs only.
func TestEndAndRate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		v, token, err := f.svc.Hello(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if again, tok2, _ := f.svc.Hello(ctx, token); again.ID != v.ID || tok2 != token {
			t.Fatal("token does not find the visitor")
		}
		var stored string
		db.Read().QueryRowContext(ctx, `SELECT token_hash FROM chat_visitors WHERE id = $1`, v.ID).Scan(&stored)
		if stored == token || stored != HashToken(token) {
			t.Fatal("the token itself is stored")
		}
		for _, bad := range []StartInput{
			{CID: "c1", Name: "", Email: "a@b.cn", Body: "x"},
			{CID: "c1", Name: "甲", Body: "x"},
			{CID: "c 1", Name: "甲", Email: "a@b.cn", Body: "x"},
			{CID: "c1", Name: "甲", Email: "not-an-email", Body: "x"},
			{CID: "c1", Name: "甲", Email: "a@b.cn", Body: " "},
		} {
			if _, _, err := f.svc.Start(ctx, v, bad); !isKind(err, apperr.KindInvalid) {
				t.Fatalf("start %+v: %v", bad, err)
			}
		}
		ack, _, err := f.svc.Start(ctx, v, StartInput{CID: "c1", Name: "钱七", Email: "qian@example.cn", Phone: "13900139000", Body: "发票怎么开？"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := f.tickets.Get(ctx, auth.System(), ack.Number)
		if err != nil || tk.Channel != "chat" || tk.Customer.Name != "钱七" {
			t.Fatalf("chat ticket: %+v %v", tk, err)
		}
		if id, err := customer.FindByIdentity(ctx, db.Read(), customer.Phone, mustNorm(customer.Phone, "13900139000")); err != nil || id != tk.Customer.ID {
			t.Fatalf("phone noted on the customer: %d %v", id, err)
		}
		if _, err := f.svc.Rate(ctx, v, rating.Input{Score: 5}); err == nil {
			t.Fatal("rated a live chat")
		}
		ch, err := f.svc.End(ctx, v)
		if err != nil || ch.State != StateClosed || ch.Status == ticket.StatusResolved {
			t.Fatalf("end: %+v %v", ch, err)
		}
		r, err := f.svc.Rate(ctx, v, rating.Input{Score: 3, Comment: "一般"})
		if err != nil || r.Score != 3 {
			t.Fatalf("rate: %+v %v", r, err)
		}
		// Another visitor cannot rate it, nor end it, nor send to it.
		w, _, _ := f.svc.Hello(ctx, "")
		if _, err := f.svc.Rate(ctx, w, rating.Input{Score: 1}); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("stranger rates: %v", err)
		}
		if _, err := f.svc.Send(ctx, w, MessageInput{CID: "x", Body: "hi"}); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("stranger sends: %v", err)
		}
		if _, err := f.svc.Send(ctx, v, MessageInput{CID: "c2", Body: "还有问题"}); !isKind(err, apperr.KindInvalid) {
			t.Fatalf("send to an ended chat: %v", err)
		}
		// Agents: a closed chat cannot be accepted; closing resolves the ticket.
		if err := f.svc.Accept(ctx, f.agent, ack.Number); !isKind(err, apperr.KindInvalid) {
			t.Fatalf("accept an ended chat: %v", err)
		}
		if err := f.svc.Close(ctx, f.agent, ack.Number); err != nil {
			t.Fatal(err)
		}
		if tk, _ := f.tickets.Get(ctx, auth.System(), ack.Number); tk.Status != ticket.StatusResolved {
			t.Fatalf("closed chat's ticket: %s", tk.Status)
		}
		dept := auth.Actor{Kind: auth.ActorUser, ID: 99, Role: auth.RoleDepartment}
		if err := f.svc.Close(ctx, dept, ack.Number); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("department closes a chat: %v", err)
		}
	})
}

// Least-loaded routing gives a chat to the agent with the fewest live chats, within their
// chat cap, whatever their other tickets.
func TestChatRoutingCountsChats(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		method := routing.LeastLoaded
		if _, err := f.routing.SetTeam(ctx, auth.System(), f.team, routing.TeamInput{Method: &method}); err != nil {
			t.Fatal(err)
		}
		one := 1
		if _, err := f.routing.SetAgent(ctx, auth.System(), f.agent.ID, routing.AgentInput{MaxChats: &one}); err != nil {
			t.Fatal(err)
		}
		start := func(cid, email string) *Chat {
			v, _, _ := f.svc.Hello(ctx, "")
			_, ch, err := f.svc.Start(ctx, v, StartInput{CID: cid, Name: "访客", Email: email, Body: "你好", Team: "售后"})
			if err != nil {
				t.Fatal(err)
			}
			return ch
		}
		first := start("a", "a@example.cn")
		if first.State != StateActive || first.Agent != "赵敏" {
			t.Fatalf("first chat: %+v", first)
		}
		if on, _ := f.svc.Online(ctx, f.team); on {
			t.Fatal("online with the only agent at the cap")
		}
		second := start("b", "b@example.cn")
		if second.State != StateWaiting || second.Agent != "" {
			t.Fatalf("second chat over the cap: %+v", second)
		}
		if open, limit, err := routing.OpenChats(ctx, db.Read(), f.agent.ID); err != nil || open != 1 || limit != 1 {
			t.Fatalf("open chats %d of %d: %v", open, limit, err)
		}
		waiting, err := f.svc.List(ctx, f.agent, ViewWaiting, 10)
		if err != nil || len(waiting) != 1 || waiting[0].Ticket.Number != second.Number {
			t.Fatalf("waiting: %+v %v", waiting, err)
		}
	})
}

func isKind(err error, k apperr.Kind) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == k
}
