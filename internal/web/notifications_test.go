package web

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/storage"
)

// setDue gives a ticket due and warning times as internal/sla keeps them.
func (n *node) setDue(number int64, due, warn time.Time) {
	n.t.Helper()
	err := n.DB.Write(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE tickets SET sla_due_at = $1, sla_warn_at = $2 WHERE number = $3`,
			due.UnixMilli(), warn.UnixMilli(), number)
		return err
	})
	if err != nil {
		n.t.Fatal(err)
	}
}

// The inbox has "due soon" and "overdue" views with counts; rows and the ticket page show
// a due badge whose state is written out, not only coloured.
func TestDueViewsAndBadges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		now := n.Clock.Now()
		late := n.Ticket
		soon := n.newTicket("退款还没到账", "王五", "wang@example.com", n.TeamA)
		calm := n.newTicket("发票抬头开错了", "李四", "li@example.com", n.TeamA)
		other := n.newTicket("二组的超时工单", "赵六", "zhao@example.com", n.TeamB)
		n.setDue(late.Number, now.Add(-2*time.Hour), now.Add(-3*time.Hour))
		n.setDue(soon.Number, now.Add(40*time.Minute), now.Add(-10*time.Minute))
		n.setDue(calm.Number, now.Add(5*time.Hour), now.Add(4*time.Hour))
		n.setDue(other.Number, now.Add(-time.Hour), now.Add(-2*time.Hour))
		b := n.signIn(n.AgentA)

		p := b.get("/?view=overdue")
		p.must(t, http.StatusOK, "耳机左声道没有声音", `class="sla sla-breached"`, `<span class="sla-label">已超时</span>`, "超时 2 小时")
		if strings.Contains(p.Body, "退款还没到账") || strings.Contains(p.Body, "二组的超时工单") {
			t.Fatalf("overdue view shows a ticket not overdue or of another team:\n%s", trim(p.Body))
		}
		for view, want := range map[string]string{"overdue": "1", "due_soon": "1"} {
			if !regexp.MustCompile(`data-view="` + view + `"><span>[^<]+</span><span class="count">` + want + `</span>`).MatchString(p.Body) {
				t.Errorf("%s count is not %s:\n%s", view, want, trim(p.Body))
			}
		}
		p = b.get("/?view=due_soon")
		p.must(t, http.StatusOK, "退款还没到账", `class="sla sla-warning"`, "即将超时", `<option value="due" selected>`)
		if strings.Contains(p.Body, "发票抬头开错了") {
			t.Fatal("a ticket on time is in the due-soon view")
		}
		// Sorted by due time, soonest first, in any view.
		p = b.get("/?view=open&sort=due")
		p.must(t, http.StatusOK, "耳机左声道没有声音", "退款还没到账")
		if i, j := strings.Index(p.Body, "耳机左声道没有声音"), strings.Index(p.Body, "退款还没到账"); i > j {
			t.Error("sort=due is not soonest first")
		}
		b.get("/tickets/"+itoa(calm.Number)).must(t, http.StatusOK, `class="sla sla-ok"`, "时限内", "剩 5 小时")
	})
}

// The bell counts only the user's own unread notifications; the page lists them and marks
// them read; nobody reads or marks another's; a new one is hinted on the user's stream.
func TestNotificationsBellAndPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		notes := notify.NewService(n.DB, n.UI.Realtime, n.Clock.Now)
		n.UI.Notify = notes
		a, other := n.signIn(n.AgentA), n.signIn(n.AgentB)

		// Open the stream first, as an open page would.
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/live/notifications", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := a.c.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		lines := bufio.NewScanner(res.Body)
		lines.Scan() // retry:

		var sent int
		err = n.DB.Write(context.Background(), func(tx *storage.Tx) error {
			sent, err = notes.SendTx(tx, []int64{n.AgentA.ID}, notify.Input{Body: "工单 #" + itoa(n.Ticket.Number) + " 首次响应已超时", TicketID: n.Ticket.ID})
			return err
		})
		if err != nil || sent != 1 {
			t.Fatal(sent, err)
		}
		var hinted bool
		for lines.Scan() {
			if lines.Text() == "event: notification" {
				hinted = true
				break
			}
		}
		if !hinted {
			t.Error("no hint on the user's stream")
		}

		a.get("/notifications/bell").must(t, http.StatusOK, `id="bell"`, `<span class="count">1</span>`, "通知：1 条未读")
		other.get("/notifications/bell").must(t, http.StatusOK, "通知：没有未读")
		p := a.get("/notifications")
		p.must(t, http.StatusOK, "首次响应已超时", `href="/tickets/`+itoa(n.Ticket.Number)+`"`, "1 条未读")
		id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(p.Body)[1]
		if strings.Contains(other.get("/notifications").Body, "首次响应已超时") {
			t.Fatal("another agent sees the notification")
		}
		other.get("/notifications") // reads other's CSRF token
		other.post("/notifications/read", url.Values{"id": {id}}).must(t, http.StatusNotFound)
		a.get("/notifications/bell").must(t, http.StatusOK, `<span class="count">1</span>`)

		a.get("/notifications")
		a.post("/notifications/read", url.Values{"id": {id}, "_back": {"/notifications"}}).must(t, http.StatusSeeOther)
		if p := a.get("/notifications/bell"); strings.Contains(p.Body, `class="count"`) {
			t.Errorf("still unread after marking read:\n%s", p.Body)
		}
		a.get("/notifications").must(t, http.StatusOK, "没有未读通知", "已读")
	})
}
