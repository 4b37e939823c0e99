package automation

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// An SLA breach notifies a named supervisor, every member of a team and the assignee (who
// is told once though also a team member), with the ticket filled into the message; each
// recipient's open pages get a hint after the commit, and nobody else hears of it.
func TestNotifyActionOnBreach(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		broker := realtime.NewLocal()
		defer broker.Close()
		notes := notify.NewService(db, broker, e.clock.Now)
		e.auto.UseNotifier(notes)
		users := user.NewService(db, e.clock.Now)
		teamName, kind := "VIP 组", "team"
		team, err := users.CreateTeam(e.ctx, auth.System(), user.TeamInput{Name: &teamName, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(email string, teams ...int64) auth.Actor {
			u, err := users.Create(e.ctx, auth.System(), user.CreateInput{Email: email, Name: email, Role: auth.RoleAgent, Teams: teams})
			if err != nil {
				t.Fatal(err)
			}
			return u.Actor()
		}
		a1, a2, outsider := mk("a1@example.com", team.ID), mk("a2@example.com", team.ID), mk("x@example.com")
		hint, stop := broker.Subscribe(notify.Topic(a2.ID))
		defer stop()

		if _, err := e.sla.CreatePolicy(e.ctx, e.admin, sla.PolicyInput{Name: "默认", CalendarID: 2, FirstResponseMinutes: 30}); err != nil {
			t.Fatal(err)
		}
		r := e.rule(RuleInput{Name: "超时通知", Event: OnSLABreached, Actions: []Action{{Type: Notify,
			Body: "工单 #{number}「{subject}」首次响应已超时（{customer}）", UserIDs: []int64{e.admin.ID}, TeamID: team.ID, ToAssignee: true}}})
		tk := e.open("vip", "complaint")
		if _, err := e.tickets.Update(e.ctx, e.admin, tk.Number, ticket.Patch{AssigneeID: ticket.OptionalID{Set: true, Value: a1.ID}}); err != nil {
			t.Fatal(err)
		}
		if err := e.sla.ScheduleSweep(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(31 * time.Minute)
		for {
			n, err := e.runner.RunDue(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		select {
		case ev := <-hint:
			if ev.Kind != notify.KindNotification {
				t.Errorf("hint %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Error("no realtime hint on the recipient's topic")
		}
		want := "工单 #" + itoa(tk.Number) + "「投诉：配送员态度差」首次响应已超时（客户）"
		for _, a := range []auth.Actor{e.admin, a1, a2} {
			list, err := notes.List(e.ctx, a, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Body != want || list[0].TicketNumber == nil || *list[0].TicketNumber != tk.Number ||
				list[0].RuleID == nil || *list[0].RuleID != r.ID || list[0].ReadAt != nil {
				t.Errorf("user %d: %+v", a.ID, list)
			}
			if n, more, err := notes.Unread(e.ctx, a); err != nil || n != 1 || more {
				t.Errorf("user %d unread: %d %v %v", a.ID, n, more, err)
			}
		}
		if list, _ := notes.List(e.ctx, outsider, 0, 10); len(list) != 0 {
			t.Errorf("an outsider was told: %+v", list)
		}
		if rs := e.runs(tk); len(rs) != 1 || !slices.Equal(rs[0].Actions, []string{Notify}) {
			t.Errorf("runs %+v", rs)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNotifyActionNeedsRecipientAndBody(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, c := range []struct {
			a     Action
			field string
		}{
			{Action{Type: Notify, Body: "超时了"}, "actions[0].user_ids"},
			{Action{Type: Notify, ToAssignee: true}, "actions[0].body"},
			{Action{Type: Notify, Body: "x", UserIDs: []int64{-3}}, "actions[0].user_ids"},
		} {
			_, err := e.auto.SaveRule(e.ctx, e.admin, 0, RuleInput{Name: "通知", Event: OnCreated, Actions: []Action{c.a}})
			ae, ok := apperr.As(err)
			if !ok || ae.Fields[c.field].Code == "" {
				t.Errorf("%+v: %v, want a field error on %s", c.a, err, c.field)
			}
		}
	})
}
