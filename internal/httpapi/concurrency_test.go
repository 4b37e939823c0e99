package httpapi_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// parallel runs f(i) for i in [0, n) at once and returns the answers in order of i.
func parallel(n int, f func(i int) *apitest.Response) []*apitest.Response {
	out := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

func TestOptimisticConcurrency(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		team := s.Team("售后", "team")
		agent := s.NewUser("agent@example.com", "售后客服", auth.RoleAgent, team)
		n := apitest.Num(newTicket(t, agent, map[string]any{"subject": "洗衣机漏水", "customer": map[string]any{"email": "a@example.com"}}), "number")
		url := path("/tickets/%d", n)

		r := agent.Do("GET", url, nil)
		etag := r.Header.Get("ETag")
		if r.Status != 200 || etag != fmt.Sprintf(`"%d"`, apitest.Num(r.Map(t), "version")) {
			t.Fatalf("GET: status %d ETag %q body %s", r.Status, etag, r.Body)
		}

		t.Run("If-Match", func(t *testing.T) {
			first := agent.Do("PATCH", url, map[string]any{"priority": "high"}, "If-Match", etag)
			if first.Status != 200 || first.Header.Get("ETag") == etag {
				t.Fatalf("first PATCH: status %d ETag %q: %s", first.Status, first.Header.Get("ETag"), first.Body)
			}
			second := agent.Do("PATCH", url, map[string]any{"priority": "low", "subject": "改了标题"}, "If-Match", etag)
			if second.Status != 409 || second.ErrorCode() != "stale_version" {
				t.Fatalf("second PATCH: status %d code %q, want 409 stale_version", second.Status, second.ErrorCode())
			}
			got := agent.Must(200, "GET", url, nil)
			if got["priority"] != "high" || got["subject"] != "洗衣机漏水" {
				t.Errorf("the stale PATCH was applied: priority %v subject %v", got["priority"], got["subject"])
			}
			// A weak tag names the same version.
			agent.Must(200, "PATCH", url, map[string]any{"priority": "urgent"}, "If-Match", "W/"+first.Header.Get("ETag"))
		})

		t.Run("version in the body", func(t *testing.T) {
			v := apitest.Num(agent.Must(200, "GET", url, nil), "version")
			agent.Must(200, "PATCH", url, map[string]any{"subject": "洗衣机漏水（第二次）", "version": v})
			r := agent.Do("PATCH", url, map[string]any{"subject": "别的标题", "version": v})
			if r.Status != 409 || r.ErrorCode() != "stale_version" {
				t.Fatalf("stale version: status %d code %q", r.Status, r.ErrorCode())
			}
			cur := agent.Must(200, "GET", url, nil)
			if cur["subject"] != "洗衣机漏水（第二次）" || apitest.Num(cur, "version") != v+1 {
				t.Errorf("after the stale PATCH: subject %v version %v, want the first change at version %d", cur["subject"], cur["version"], v+1)
			}
			if r := agent.Do("PATCH", url, map[string]any{"subject": "x", "version": v + 1}, "If-Match", fmt.Sprintf(`"%d"`, v)); r.Status != 400 {
				t.Errorf("version and If-Match differ: status %d, want 400", r.Status)
			}
		})

		t.Run("racing writers", func(t *testing.T) {
			cur := agent.Do("GET", url, nil)
			tag := cur.Header.Get("ETag")
			v := apitest.Num(cur.Map(t), "version")
			answers := parallel(10, func(i int) *apitest.Response {
				return agent.Do("PATCH", url, map[string]any{"subject": fmt.Sprintf("并发标题 %d", i)}, "If-Match", tag)
			})
			winner := -1
			for i, r := range answers {
				switch {
				case r.Status == 200 && winner < 0:
					winner = i
				case r.Status == 409 && r.ErrorCode() == "stale_version":
				default:
					t.Errorf("writer %d: status %d: %s", i, r.Status, r.Body)
				}
			}
			if winner < 0 {
				t.Fatal("no writer won")
			}
			got := agent.Must(200, "GET", url, nil)
			if got["subject"] != fmt.Sprintf("并发标题 %d", winner) || apitest.Num(got, "version") != v+1 {
				t.Errorf("subject %v version %v, want writer %d's at version %d", got["subject"], got["version"], winner, v+1)
			}
		})
	})
}

func TestConcurrentMessages(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		team := s.Team("售后", "team")
		agents := []*apitest.Client{
			s.NewUser("a1@example.com", "客服一", auth.RoleAgent, team),
			s.NewUser("a2@example.com", "客服二", auth.RoleAgent, team),
		}
		// Relayed by an integration: no owner yet, status new.
		tk := newTicket(t, s.Admin, map[string]any{"subject": "路由器频繁断线", "team_id": team, "customer": map[string]any{"email": "c@example.com"}})
		n := apitest.Num(tk, "number")
		if tk["owner"] != nil || tk["status"] != "new" {
			t.Fatalf("new ticket: owner %v status %v", tk["owner"], tk["status"])
		}

		answers := parallel(20, func(i int) *apitest.Response {
			return agents[i%2].Do("POST", path("/tickets/%d/messages", n), map[string]any{"body": fmt.Sprintf("回复 %d", i)})
		})
		var ids []int64
		for i, r := range answers {
			if r.Status != 201 {
				t.Fatalf("message %d: status %d: %s", i, r.Status, r.Body)
			}
			ids = append(ids, apitest.Num(r.Map(t), "id"))
		}

		got := agents[0].Must(200, "GET", path("/tickets/%d", n), nil)
		if apitest.Num(got, "message_count") != 21 || got["status"] != "open" || got["owner"] == nil || got["first_response_at"] == nil {
			t.Errorf("ticket after 20 replies: count %v status %v owner %v first response %v", got["message_count"], got["status"], got["owner"], got["first_response_at"])
		}
		msgs := items(t, agents[0].Must(200, "GET", path("/tickets/%d/messages", n), nil))
		if len(msgs) != 21 {
			t.Fatalf("%d messages listed, want 21", len(msgs))
		}
		var listed []int64
		for _, m := range msgs[1:] {
			listed = append(listed, apitest.Num(m, "id"))
		}
		slices.Sort(ids)
		if !slices.Equal(listed, ids) {
			t.Errorf("listed %v, created %v", listed, ids)
		}

		evs := items(t, agents[0].Must(200, "GET", path("/tickets/%d/events", n), nil))
		perMessage := map[int64]int{}
		var acts []string
		for _, e := range evs {
			acts = append(acts, e["action"].(string))
			if e["action"] == "message_added" {
				perMessage[apitest.Num(e["detail"].(map[string]any), "message_id")]++
			}
		}
		if len(perMessage) != 21 {
			t.Errorf("%d messages have a message_added event, want 21", len(perMessage))
		}
		for id, k := range perMessage {
			if k != 1 {
				t.Errorf("message %d has %d message_added events", id, k)
			}
		}
		// The first reply opened the ticket and made its author the owner: once each.
		if c := countOf(acts, "status_changed"); c != 1 {
			t.Errorf("%d status_changed events, want 1: %v", c, acts)
		}
		if c := countOf(acts, "owner_set"); c != 1 {
			t.Errorf("%d owner_set events, want 1: %v", c, acts)
		}
		if c := count(t, s, "messages"); c != 21 {
			t.Errorf("%d messages stored, want 21", c)
		}

		// Edits that name no version are not refused because a message came in meanwhile.
		answers = parallel(16, func(i int) *apitest.Response {
			if i%2 == 0 {
				return agents[0].Do("PATCH", path("/tickets/%d", n), map[string]any{"priority": []string{"low", "high"}[i%4/2], "tags": []string{fmt.Sprintf("标签%d", i)}})
			}
			return agents[1].Do("POST", path("/tickets/%d/messages", n), map[string]any{"kind": "note", "body": fmt.Sprintf("备注 %d", i)})
		})
		for i, r := range answers {
			if r.Status != 200 && r.Status != 201 {
				t.Errorf("call %d: status %d: %s", i, r.Status, r.Body)
			}
		}
		if got := agents[0].Must(200, "GET", path("/tickets/%d", n), nil); apitest.Num(got, "message_count") != 29 {
			t.Errorf("message_count %v, want 29", got["message_count"])
		}
	})
}

func TestIdempotency(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		agent := s.NewUser("agent@example.com", "客服", auth.RoleAgent, s.Team("售后", "team"))
		body := func() map[string]any {
			return map[string]any{"subject": "订单 20240501 未收到", "customer": map[string]any{"email": "Retry@Example.com"}, "message": map[string]any{"body": "快递显示已签收但我没收到"}}
		}
		first := agent.Must(201, "POST", "/api/v1/tickets", body(), "Idempotency-Key", "order-20240501")
		again := agent.Must(201, "POST", "/api/v1/tickets", body(), "Idempotency-Key", "order-20240501")
		if first["number"] != again["number"] {
			t.Errorf("retried create made #%v after #%v", again["number"], first["number"])
		}
		// A retry storm with a new key: all answers name one ticket.
		answers := parallel(8, func(int) *apitest.Response {
			return agent.Do("POST", "/api/v1/tickets", body(), "Idempotency-Key", "storm")
		})
		var storm []any
		for i, r := range answers {
			if r.Status != 201 {
				t.Fatalf("retry %d: status %d: %s", i, r.Status, r.Body)
			}
			storm = append(storm, r.Map(t)["number"])
		}
		if slices.ContainsFunc(storm, func(v any) bool { return v != storm[0] }) || storm[0] == first["number"] {
			t.Errorf("retries with one key made tickets %v (first key: #%v)", storm, first["number"])
		}
		if c := count(t, s, "tickets"); c != 2 {
			t.Errorf("%d tickets, want 2", c)
		}
		if c := count(t, s, "customers"); c != 1 {
			t.Errorf("%d customers, want 1", c)
		}

		n := apitest.Num(first, "number")
		url := path("/tickets/%d/messages", n)
		m1 := agent.Must(201, "POST", url, map[string]any{"body": "已联系快递"}, "Idempotency-Key", "reply-1")
		m2 := agent.Must(201, "POST", url, map[string]any{"body": "已联系快递"}, "Idempotency-Key", "reply-1")
		if m1["id"] != m2["id"] {
			t.Errorf("retried message stored twice: %v and %v", m1["id"], m2["id"])
		}
		replies := parallel(6, func(int) *apitest.Response {
			return agent.Do("POST", url, map[string]any{"body": "补发已安排"}, "Idempotency-Key", "reply-2")
		})
		for i, r := range replies {
			if r.Status != 201 || r.Map(t)["id"] != replies[0].Map(t)["id"] {
				t.Errorf("reply retry %d: status %d: %s", i, r.Status, r.Body)
			}
		}
		tk := agent.Must(200, "GET", path("/tickets/%d", n), nil)
		if apitest.Num(tk, "message_count") != 3 || len(items(t, agent.Must(200, "GET", url, nil))) != 3 {
			t.Errorf("message_count %v, want 3", tk["message_count"])
		}
		if c := countOf(actions(t, agent, n), "message_added"); c != 3 {
			t.Errorf("%d message_added events, want 3", c)
		}
		// The same key on another ticket is a mistake, not a retry.
		other := int64(storm[0].(float64))
		if r := agent.Do("POST", path("/tickets/%d/messages", other), map[string]any{"body": "已联系快递"}, "Idempotency-Key", "reply-1"); r.Status != 409 || r.ErrorCode() != "idempotency_key_reused" {
			t.Errorf("key reused on another ticket: status %d code %q, want 409 idempotency_key_reused", r.Status, r.ErrorCode())
		}
	})
}
