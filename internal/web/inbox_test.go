package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/ticket"
)

func TestInbox(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		n.newTicket("发票抬头开错了", "李四", "li@example.com", n.TeamA)
		n.newTicket("退款进度查询", "王五", "wang@example.com", n.TeamA)
		n.newTicket("二组的工单", "赵六", "zhao@example.com", n.TeamB)
		b := n.signIn(n.AgentA)

		// The agent's team has three unassigned tickets; the page shows two and a "next" link.
		p := b.get("/?view=team")
		p.must(t, http.StatusOK, "本组未分配", "退款进度查询", "发票抬头开错了", `rel="next"`)
		if strings.Contains(p.Body, "二组的工单") {
			t.Fatal("another team's ticket in the list")
		}
		if !strings.Contains(p.Body, `data-view="team"><span>本组未分配</span><span class="count">3</span>`) {
			t.Fatalf("team count wrong:\n%s", trim(p.Body))
		}
		next := html.UnescapeString(regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.Body)[1])
		b.get(next).must(t, http.StatusOK, "耳机左声道没有声音")

		// Filters and sort; a bad one is explained, not a crash.
		b.get("/?view=open&priority=urgent").must(t, http.StatusOK, "没有工单")
		b.get("/?view=open&sort=sideways").must(t, http.StatusUnprocessableEntity, "排序")
		// htmx asks for the list alone.
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/?view=team", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "list")
		part := b.do(req)
		part.must(t, http.StatusOK, `<div id="list">`)
		if strings.Contains(part.Body, "<html") {
			t.Fatal("htmx list request got the whole page")
		}

		// Search: Chinese two-character words.
		b.get("/?q="+url.QueryEscape("退款")).must(t, http.StatusOK, "退款进度查询", "<mark>")
		if p := b.get("/?q=" + url.QueryEscape("二组")); strings.Contains(p.Body, "二组的工单") {
			t.Fatal("search shows another team's ticket")
		}

		// Saved views.
		b.post("/views", url.Values{"name": {"紧急售后"}, "query": {"view=open&priority=urgent&cursor=x"}}).must(t, http.StatusSeeOther)
		b.get("/").must(t, http.StatusOK, "紧急售后", "priority=urgent&amp;view=open")
		b.post("/views", url.Values{"name": {""}}).must(t, http.StatusUnprocessableEntity, "名称")
	})
}

func TestInboxBulk(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		second := n.newTicket("发票抬头开错了", "李四", "li@example.com", n.TeamA)
		other := n.newTicket("二组的工单", "赵六", "zhao@example.com", n.TeamB)
		b := n.signIn(n.AgentA)
		nums := func(ts ...*ticket.Ticket) []string {
			var out []string
			for _, t := range ts {
				out = append(out, itoa(t.Number))
			}
			return out
		}
		p := b.post("/tickets/bulk", url.Values{"action": {"assign_me"}, "numbers": nums(n.Ticket, second, other), "_back": {"/?view=team"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "ok=2") || !strings.Contains(p.Location, "failed=1") {
			t.Fatalf("bulk assign: %d %q", p.Status, p.Location)
		}
		b.get(p.Location).must(t, http.StatusOK, "已处理 2 张，失败 1 张")
		b.get("/?view=mine").must(t, http.StatusOK, "耳机左声道没有声音", "发票抬头开错了")

		b.post("/tickets/bulk", url.Values{"action": {"tag"}, "tag": {"加急"}, "numbers": nums(n.Ticket)}).must(t, http.StatusSeeOther)
		b.post("/tickets/bulk", url.Values{"action": {"close"}, "numbers": nums(second)}).must(t, http.StatusSeeOther)
		admin := auth.System()
		got, _ := n.Tickets.Get(context.Background(), admin, n.Ticket.Number)
		if len(got.Tags) != 1 || got.Tags[0] != "加急" || got.Assignee == nil || got.Assignee.ID != n.AgentA.ID {
			t.Fatalf("after bulk: tags %v assignee %v", got.Tags, got.Assignee)
		}
		got, _ = n.Tickets.Get(context.Background(), admin, second.Number)
		if got.Status != ticket.StatusClosed {
			t.Fatalf("bulk close: %s", got.Status)
		}
		got, _ = n.Tickets.Get(context.Background(), admin, other.Number)
		if got.Assignee != nil {
			t.Fatal("bulk assigned another team's ticket")
		}
		b.post("/tickets/bulk", url.Values{"action": {"explode"}, "numbers": nums(second)}).must(t, http.StatusUnprocessableEntity)
	})
}

func TestCountUpTo(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		n.newTicket("a", "甲", "a1@example.com", n.TeamA)
		n.newTicket("b", "乙", "b1@example.com", n.TeamB)
		agent := n.AgentA.Actor()
		for _, c := range []struct {
			name string
			a    auth.Actor
			max  int
			n    int
			more bool
		}{
			{"admin all", auth.System(), 10, 3, false},
			{"admin capped", auth.System(), 2, 2, true},
			{"agent sees own team", agent, 10, 2, false},
			{"agent capped", agent, 1, 1, true},
		} {
			got, more, err := n.Tickets.CountUpTo(context.Background(), c.a, ticket.Filter{}, c.max)
			if err != nil || got != c.n || more != c.more {
				t.Errorf("%s: %d %v %v, want %d %v", c.name, got, more, err, c.n, c.more)
			}
		}
	})
}

func TestCountLabel(t *testing.T) {
	b := &base{}
	for _, c := range []struct {
		n    int
		more bool
		want string
	}{{0, false, "0"}, {999, false, "999"}, {1000, true, "1,000+"}, {1234, false, "1,234"}} {
		if got := b.Count(c.n, c.more); got != c.want {
			t.Errorf("Count(%d, %v) = %q, want %q", c.n, c.more, got, c.want)
		}
	}
}
