package httpapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// signIn trades an email and password for a token over HTTP and returns a client using it.
func signIn(t *testing.T, s *apitest.Server, email, password string) *apitest.Client {
	t.Helper()
	anon := *s.Admin
	anon.Token = ""
	tok := anon.Must(201, "POST", "/api/v1/auth/token", map[string]any{"email": email, "password": password})["token"].(string)
	c := anon
	c.Token = tok
	me := c.Must(200, "GET", "/api/v1/me", nil)
	if me["email"] != email {
		t.Fatalf("signed in as %v, want %s", me["email"], email)
	}
	c.UserID = apitest.Num(me, "id")
	return &c
}

func ref(m map[string]any, key string) int64 {
	r, ok := m[key].(map[string]any)
	if !ok {
		return 0
	}
	return apitest.Num(r, "id")
}

func links(m map[string]any) []string {
	var out []string
	raw, _ := m["links"].([]any)
	for _, l := range raw {
		l := l.(map[string]any)
		out = append(out, fmt.Sprintf("%s:%d", l["kind"], apitest.Num(l, "number")))
	}
	return out
}

// TestFlow is the core of the help desk end to end, through HTTP only.
func TestFlow(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		anon := *s.Admin
		anon.Token = ""
		if r := anon.Do("POST", "/api/v1/auth/token", map[string]any{"email": "admin@example.com", "password": "wrong password"}); r.Status != 401 {
			t.Errorf("wrong password: status %d, want 401", r.Status)
		}
		admin := signIn(t, s, "admin@example.com", "password-admin@example.com")
		presale := apitest.Num(admin.Must(201, "POST", "/api/v1/teams", map[string]any{"name": "售前", "kind": "team"}), "id")
		aftersale := apitest.Num(admin.Must(201, "POST", "/api/v1/teams", map[string]any{"name": "售后", "kind": "team"}), "id")
		admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "wangfang@example.com", "name": "王芳", "role": "agent", "teams": []int64{presale}, "password": "wangfang-secret"})
		admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "liuyang@example.com", "name": "刘洋", "role": "agent", "teams": []int64{aftersale}, "password": "liuyang-secret"})
		agent := signIn(t, s, "wangfang@example.com", "wangfang-secret")
		other := signIn(t, s, "liuyang@example.com", "liuyang-secret")

		// A known customer and a ticket for them.
		zhang := apitest.Num(agent.Must(201, "POST", "/api/v1/customers", map[string]any{"name": "张伟", "emails": []string{"zhangwei@example.com"}, "tier": "vip"}), "id")
		t1 := agent.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": "空调不制冷", "channel": "email", "customer": map[string]any{"id": zhang},
			"message": map[string]any{"body": "家里的空调开了一小时还是不冷。"}})
		n1 := apitest.Num(t1, "number")
		if t1["status"] != "new" || ref(t1, "customer") != zhang || ref(t1, "team") != presale || t1["owner"] != nil {
			t.Errorf("new ticket: %v", t1)
		}
		time.Sleep(5 * time.Millisecond)

		// A ticket from a new address makes the customer; the same address in other case finds them.
		t2 := agent.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": "退款什么时候到账", "channel": "email",
			"customer": map[string]any{"email": "Li.Na@Example.com", "name": "李娜"}, "message": map[string]any{"body": "退货已经寄回一周了。"}})
		n2, li := apitest.Num(t2, "number"), ref(t2, "customer")
		t3 := agent.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": "退款进度", "channel": "email",
			"customer": map[string]any{"email": "li.na@EXAMPLE.COM"}, "message": map[string]any{"body": "请问退款进度？订单号 20240501。"}})
		n3 := apitest.Num(t3, "number")
		if ref(t3, "customer") != li || li == zhang {
			t.Errorf("customers: %d, %d, %d", zhang, li, ref(t3, "customer"))
		}
		found := items(t, agent.Must(200, "GET", "/api/v1/customers?q="+url.QueryEscape("li.na@example.com"), nil))
		if len(found) != 1 || apitest.Num(found[0], "id") != li || found[0]["name"] != "李娜" {
			t.Errorf("customer by email: %v", found)
		}

		// The first agent reply is the first response, opens the ticket and makes the owner.
		agent.Must(201, "POST", path("/tickets/%d/messages", n1), map[string]any{"body": "您好，请问空调型号是？"})
		got := agent.Must(200, "GET", path("/tickets/%d", n1), nil)
		if got["status"] != "open" || got["first_response_at"] == nil || ref(got, "owner") != agent.UserID {
			t.Errorf("after the first reply: status %v first response %v owner %v", got["status"], got["first_response_at"], got["owner"])
		}

		// Transfer with a reason: the team changes, the owner does not.
		tr := agent.Must(200, "POST", path("/tickets/%d/transfer", n1), map[string]any{"team_id": aftersale, "assignee_id": other.UserID, "reason": "需要上门维修"})
		if ref(tr, "team") != aftersale || ref(tr, "assignee") != other.UserID || ref(tr, "owner") != agent.UserID {
			t.Errorf("after transfer: team %v assignee %v owner %v", tr["team"], tr["assignee"], tr["owner"])
		}
		reason := ""
		for _, e := range items(t, agent.Must(200, "GET", path("/tickets/%d/events", n1), nil)) {
			if e["action"] == "transferred" && e["field"] == "team" {
				reason, _ = e["detail"].(map[string]any)["reason"].(string)
			}
		}
		if reason != "需要上门维修" {
			t.Errorf("transfer event reason %q", reason)
		}

		// Merge the customer's second ticket into the first.
		merged := agent.Must(200, "POST", path("/tickets/%d/merge", n3), map[string]any{"into": n2})
		if apitest.Num(merged, "number") != n2 || apitest.Num(merged, "message_count") != 2 || !slices.Contains(links(merged), fmt.Sprintf("merged_from:%d", n3)) {
			t.Errorf("merge target: %v links %v", merged["message_count"], links(merged))
		}
		src := agent.Must(200, "GET", path("/tickets/%d", n3), nil)
		if src["status"] != "closed" || src["merged_into"] != float64(n2) || apitest.Num(src, "message_count") != 0 || !slices.Contains(links(src), fmt.Sprintf("merged_into:%d", n2)) {
			t.Errorf("merged ticket: status %v merged_into %v count %v links %v", src["status"], src["merged_into"], src["message_count"], links(src))
		}
		if msgs := items(t, agent.Must(200, "GET", path("/tickets/%d/messages", n3), nil)); len(msgs) != 0 {
			t.Errorf("merged ticket still lists %d messages", len(msgs))
		}
		if r := agent.Do("POST", path("/tickets/%d/messages", n3), map[string]any{"body": "x"}); r.Status != 422 || r.ErrorCode() != "ticket_merged" {
			t.Errorf("reply to a merged ticket: status %d code %q", r.Status, r.ErrorCode())
		}

		// Split the moved message out again.
		msgs := items(t, agent.Must(200, "GET", path("/tickets/%d/messages", n2), nil))
		moved := apitest.Num(msgs[len(msgs)-1], "id")
		split := agent.Must(201, "POST", path("/tickets/%d/split", n2), map[string]any{"message_id": moved, "subject": "退款进度（拆分）"})
		n4 := apitest.Num(split, "number")
		if !slices.Equal(links(split), []string{fmt.Sprintf("split_from:%d", n2)}) || ref(split, "customer") != li || apitest.Num(split, "message_count") != 1 {
			t.Errorf("split ticket: links %v customer %v count %v", links(split), split["customer"], split["message_count"])
		}
		if m := items(t, agent.Must(200, "GET", path("/tickets/%d/messages", n4), nil)); len(m) != 1 || apitest.Num(m[0], "id") != moved {
			t.Errorf("split ticket messages: %v", m)
		}
		if back := agent.Must(200, "GET", path("/tickets/%d", n2), nil); apitest.Num(back, "message_count") != 1 || !slices.Contains(links(back), fmt.Sprintf("split_to:%d", n4)) {
			t.Errorf("split source: count %v links %v", back["message_count"], links(back))
		}

		// Every ticket has its trail.
		for n, want := range map[int64][]string{
			n1: {"created", "message_added", "status_changed", "owner_set", "transferred"},
			n2: {"created", "message_added", "merged_from", "split"},
			n3: {"created", "message_added", "merged"},
			n4: {"created"},
		} {
			acts := actions(t, admin, n)
			if acts[0] != "created" {
				t.Errorf("#%d trail starts with %q", n, acts[0])
			}
			for _, a := range want {
				if !slices.Contains(acts, a) {
					t.Errorf("#%d trail %v lacks %q", n, acts, a)
				}
			}
		}

		// Resolved, then the customer writes again: reopened. Then closed.
		other.Must(200, "PATCH", path("/tickets/%d", n1), map[string]any{"status": "resolved"})
		agent.Must(201, "POST", path("/tickets/%d/messages", n1), map[string]any{"author": "customer", "channel": "email", "body": "还是不冷。"})
		got = other.Must(200, "GET", path("/tickets/%d", n1), nil)
		if got["status"] != "open" || got["resolved_at"] != nil || got["last_customer_message_at"] == nil {
			t.Errorf("after the customer wrote: status %v resolved_at %v", got["status"], got["resolved_at"])
		}
		if acts := actions(t, other, n1); acts[len(acts)-1] != "reopened" {
			t.Errorf("last event %q, want reopened", acts[len(acts)-1])
		}
		closed := other.Must(200, "PATCH", path("/tickets/%d", n1), map[string]any{"status": "closed"})
		if closed["status"] != "closed" || closed["closed_at"] == nil {
			t.Errorf("closed: %v %v", closed["status"], closed["closed_at"])
		}

		// Filters.
		agent.Must(200, "PATCH", path("/tickets/%d", n2), map[string]any{"assignee_id": agent.UserID, "tags": []string{"退款"}})
		agent.Must(200, "PATCH", path("/tickets/%d", n4), map[string]any{"priority": "urgent"})
		list := func(c *apitest.Client, q string) []int64 {
			return numbers(t, c.Must(200, "GET", "/api/v1/tickets?"+q, nil))
		}
		for _, f := range []struct {
			who  *apitest.Client
			q    string
			want []int64
		}{
			{admin, "status=closed", []int64{n1, n3}},
			{admin, "status=closed&type=consultation&channel=email&customer=" + itoa(zhang), []int64{n1}},
			{agent, "assignee=me", []int64{n2}},
			{other, "assignee=me", []int64{n1}},
			{admin, "owner=" + itoa(agent.UserID) + "&sort=created&order=asc", []int64{n1, n2, n4}},
			{admin, "tag=" + url.QueryEscape("退款"), []int64{n2}},
			{admin, "sort=priority", []int64{n4, n2, n1, n3}},
			{admin, "created_after=" + url.QueryEscape(t2["created_at"].(string)) + "&sort=created", []int64{n4, n3, n2}},
			{admin, "customer=" + itoa(li) + "&status=new,open&sort=created&order=asc", []int64{n2, n4}},
		} {
			if got := list(f.who, f.q); !slices.Equal(got, f.want) {
				t.Errorf("GET /tickets?%s: %v, want %v", f.q, got, f.want)
			}
		}

		// Keyset pagination: 60 more tickets, pages of 25, each ticket exactly once, in order.
		for i := range 60 {
			admin.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": fmt.Sprintf("批量工单 %d", i), "team_id": presale, "priority": []string{"low", "normal", "high"}[i%3],
				"customer": map[string]any{"email": fmt.Sprintf("bulk%d@example.com", i%7)}, "message": map[string]any{"body": "内容"}})
		}
		totals := map[string]int{"sort=created": 64, "sort=created&order=asc": 64, "sort=priority": 64, "sort=updated": 64, "sort=updated&order=asc&team=" + itoa(presale): 63}
		for q, total := range totals {
			var seen, pageSizes []int64
			var all []map[string]any
			cursor := ""
			for range 10 {
				page := admin.Must(200, "GET", "/api/v1/tickets?limit=25&"+q+cursor, nil)
				its := items(t, page)
				all = append(all, its...)
				seen = append(seen, numbers(t, page)...)
				pageSizes = append(pageSizes, int64(len(its)))
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(next)
			}
			want := numbers(t, admin.Must(200, "GET", "/api/v1/tickets?limit=100&"+q, nil))
			if !slices.Equal(seen, want) {
				t.Errorf("%s: pages %v gave %v, want %v", q, pageSizes, seen, want)
			}
			sorted := slices.Clone(seen)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != len(seen) || len(seen) != total {
				t.Errorf("%s: %d tickets over pages %v with duplicates or gaps", q, len(seen), pageSizes)
			}
			if q == "sort=created" && !slices.IsSortedFunc(seen, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("sort=created: not newest first: %v", seen)
			}
			if q == "sort=created&order=asc" && !slices.IsSorted(seen) {
				t.Errorf("sort=created&order=asc: not oldest first: %v", seen)
			}
			if q == "sort=priority" {
				rank := map[string]int{"low": 1, "normal": 2, "high": 3, "urgent": 4}
				if !slices.IsSortedFunc(all, func(a, b map[string]any) int { return rank[b["priority"].(string)] - rank[a["priority"].(string)] }) {
					t.Errorf("sort=priority: not highest first")
				}
			}
		}
	})
}
