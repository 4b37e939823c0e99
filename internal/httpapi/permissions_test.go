package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// call is one attempt in a permissions table.
type call struct {
	name         string
	who          *apitest.Client
	method, path string
	body         any
	status       int
	code         string // error.code when the call fails
}

func runCalls(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		r := c.who.Do(c.method, c.path, c.body)
		if r.Status != c.status {
			t.Errorf("%s: %s %s: status %d, want %d: %s", c.name, c.method, c.path, r.Status, c.status, r.Body)
			continue
		}
		if c.code != "" && r.ErrorCode() != c.code {
			t.Errorf("%s: %s %s: error code %q, want %q: %s", c.name, c.method, c.path, r.ErrorCode(), c.code, r.Body)
		}
	}
}

// TestBreakIn tries, as every role, to reach tickets, customers and settings the role must not.
func TestBreakIn(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		presale, aftersale, tech := s.Team("售前", "team"), s.Team("售后", "team"), s.Team("技术部", "department")
		agentA := s.NewUser("presale@example.com", "售前客服", auth.RoleAgent, presale)
		agentB := s.NewUser("aftersale@example.com", "售后客服", auth.RoleAgent, aftersale)
		sup := s.NewUser("lead@example.com", "售后主管", auth.RoleSupervisor, aftersale)
		dept := s.NewUser("tech@example.com", "技术支持", auth.RoleDepartment, tech)
		admin := s.Admin

		// One customer with a ticket in each team, so that customer filters must still hide
		// the other team's ticket; a second customer's ticket with no team.
		pre := newTicket(t, agentA, map[string]any{"subject": "想了解企业版价格", "customer": map[string]any{"email": "zhangwei@example.com"}})
		after := newTicket(t, agentB, map[string]any{"subject": "收到的耳机左耳没有声音", "customer": map[string]any{"email": "zhangwei@example.com"},
			"message": map[string]any{"body": "照片见附件", "attachments": []any{map[string]any{"filename": "耳机.jpg", "content_type": "image/jpeg", "data": base64.StdEncoding.EncodeToString([]byte("jpeg bytes"))}}}})
		none := newTicket(t, admin, map[string]any{"subject": "发票抬头写错了", "customer": map[string]any{"phone": "138 0013 8000"}})
		preN, afterN, noneN := apitest.Num(pre, "number"), apitest.Num(after, "number"), apitest.Num(none, "number")
		customerID := apitest.Num(after["customer"].(map[string]any), "id")
		if apitest.Num(pre["customer"].(map[string]any), "id") != customerID {
			t.Fatal("both tickets should belong to one customer")
		}
		if pre["team"].(map[string]any)["name"] != "售前" || after["team"].(map[string]any)["name"] != "售后" || none["team"] != nil {
			t.Fatalf("teams: %v / %v / %v", pre["team"], after["team"], none["team"])
		}
		agentB.Must(200, "PATCH", path("/tickets/%d", afterN), map[string]any{"department_id": tech, "status": "pending_department"})
		admin.Must(200, "POST", path("/tickets/%d/links", preN), map[string]any{"number": afterN})
		msgs := items(t, agentB.Must(200, "GET", path("/tickets/%d/messages", afterN), nil))
		afterMsg := apitest.Num(msgs[0], "id")
		attachment := apitest.Num(msgs[0]["attachments"].([]any)[0].(map[string]any), "id")
		agentA.Must(201, "POST", path("/tickets/%d/messages", preN), map[string]any{"body": "企业版按席位计费。"})

		afterBefore := agentB.Must(200, "GET", path("/tickets/%d", afterN), nil)
		eventsBefore := len(items(t, agentB.Must(200, "GET", path("/tickets/%d/events", afterN), nil)))
		countsBefore := counts(t, s)

		const missing = 999999
		t.Run("agent of another team", func(t *testing.T) {
			runCalls(t, []call{
				{"read", agentA, "GET", path("/tickets/%d", afterN), nil, 404, "not_found"},
				{"read missing", agentA, "GET", path("/tickets/%d", missing), nil, 404, "not_found"},
				{"messages", agentA, "GET", path("/tickets/%d/messages", afterN), nil, 404, "not_found"},
				{"events", agentA, "GET", path("/tickets/%d/events", afterN), nil, 404, "not_found"},
				{"patch", agentA, "PATCH", path("/tickets/%d", afterN), map[string]any{"priority": "urgent"}, 404, "not_found"},
				{"reply", agentA, "POST", path("/tickets/%d/messages", afterN), map[string]any{"body": "我来处理"}, 404, "not_found"},
				{"note", agentA, "POST", path("/tickets/%d/messages", afterN), map[string]any{"kind": "note", "body": "看一眼"}, 404, "not_found"},
				{"transfer", agentA, "POST", path("/tickets/%d/transfer", afterN), map[string]any{"team_id": presale, "reason": "抢单"}, 404, "not_found"},
				{"merge as source", agentA, "POST", path("/tickets/%d/merge", afterN), map[string]any{"into": preN}, 404, "not_found"},
				// As target the answer must be the one a missing number gets.
				{"merge as target", agentA, "POST", path("/tickets/%d/merge", preN), map[string]any{"into": afterN}, 400, "invalid"},
				{"merge into missing", agentA, "POST", path("/tickets/%d/merge", preN), map[string]any{"into": missing}, 400, "invalid"},
				{"split", agentA, "POST", path("/tickets/%d/split", afterN), map[string]any{"message_id": afterMsg}, 404, "not_found"},
				{"split their message out of mine", agentA, "POST", path("/tickets/%d/split", preN), map[string]any{"message_id": afterMsg}, 400, "invalid"},
				{"link", agentA, "POST", path("/tickets/%d/links", afterN), map[string]any{"number": noneN}, 404, "not_found"},
				{"link to it", agentA, "POST", path("/tickets/%d/links", noneN), map[string]any{"number": afterN}, 400, "invalid"},
				{"unlink", agentA, "DELETE", path("/tickets/%d/links/%d", afterN, preN), nil, 404, "not_found"},
				{"unlink from mine", agentA, "DELETE", path("/tickets/%d/links/%d", preN, afterN), nil, 400, "invalid"},
				{"attachment", agentA, "GET", path("/attachments/%d", attachment), nil, 404, "not_found"},
				{"agent B reads 售前", agentB, "GET", path("/tickets/%d", preN), nil, 404, "not_found"},
				{"agent B reads triage", agentB, "GET", path("/tickets/%d", noneN), nil, 200, ""},
				{"supervisor reads own team", sup, "GET", path("/tickets/%d", afterN), nil, 200, ""},
				{"supervisor reads other team", sup, "GET", path("/tickets/%d/messages", preN), nil, 404, "not_found"},
				{"supervisor patches other team", sup, "PATCH", path("/tickets/%d", preN), map[string]any{"priority": "low"}, 404, "not_found"},
			})
			if got := agentB.Must(200, "GET", path("/tickets/%d", afterN), nil); apitest.Num(got, "version") != apitest.Num(afterBefore, "version") {
				t.Errorf("the 售后 ticket changed: version %v → %v", afterBefore["version"], got["version"])
			}
			if n := len(items(t, agentB.Must(200, "GET", path("/tickets/%d/events", afterN), nil))); n != eventsBefore {
				t.Errorf("the 售后 ticket has %d events, had %d", n, eventsBefore)
			}
			if now := counts(t, s); !equalCounts(now, countsBefore) {
				t.Errorf("refused calls wrote: %v → %v", countsBefore, now)
			}
			if links, _ := s.Admin.Must(200, "GET", path("/tickets/%d", afterN), nil)["links"].([]any); len(links) == 0 {
				t.Error("the link between the tickets was removed")
			}
			// A link must not reveal a ticket the reader may not open.
			if links, _ := agentB.Must(200, "GET", path("/tickets/%d", afterN), nil)["links"].([]any); len(links) != 0 {
				t.Errorf("agent B sees links to tickets it may not open: %v", links)
			}
		})

		t.Run("lists hide it", func(t *testing.T) {
			for _, q := range []string{"", "?team=" + itoa(aftersale), "?customer=" + itoa(customerID), "?status=pending_department", "?department=" + itoa(tech)} {
				got := numbers(t, agentA.Must(200, "GET", "/api/v1/tickets"+q, nil))
				if slices.Contains(got, afterN) {
					t.Errorf("GET /tickets%s as 售前 agent lists the 售后 ticket: %v", q, got)
				}
				if q == "" && (!slices.Contains(got, preN) || !slices.Contains(got, noneN)) {
					t.Errorf("GET /tickets as 售前 agent: %v, want %d and %d", got, preN, noneN)
				}
			}
			got := numbers(t, agentA.Must(200, "GET", path("/customers/%d/tickets", customerID), nil))
			if !slices.Equal(got, []int64{preN}) {
				t.Errorf("customer's tickets as 售前 agent: %v, want only %d", got, preN)
			}
			got = numbers(t, sup.Must(200, "GET", "/api/v1/tickets", nil))
			if slices.Contains(got, preN) || !slices.Contains(got, afterN) {
				t.Errorf("GET /tickets as 售后 supervisor: %v", got)
			}
			if got := numbers(t, admin.Must(200, "GET", "/api/v1/tickets", nil)); len(got) != 3 {
				t.Errorf("admin sees %v, want all three", got)
			}
		})

		t.Run("search hides it", func(t *testing.T) {
			for _, q := range []string{"左耳", "照片见附件"} {
				esc := url.QueryEscape(q)
				if got := numbers(t, sup.Must(200, "GET", "/api/v1/tickets?q="+esc, nil)); !slices.Equal(got, []int64{afterN}) {
					t.Fatalf("search %q as 售后 supervisor: %v, want [%d]", q, got, afterN)
				}
				page := agentA.Must(200, "GET", "/api/v1/tickets?q="+esc, nil)
				if got := numbers(t, page); len(got) != 0 || page["total"] != float64(0) {
					t.Errorf("search %q as 售前 agent: %v, total %v", q, got, page["total"])
				}
				all := agentA.Must(200, "GET", "/api/v1/search?q="+esc, nil)
				if got := numbers(t, all["tickets"].(map[string]any)); len(got) != 0 {
					t.Errorf("/search %q as 售前 agent: %v", q, got)
				}
			}
			if got := numbers(t, dept.Must(200, "GET", "/api/v1/tickets?q="+url.QueryEscape("企业版"), nil)); len(got) != 0 {
				t.Errorf("department finds the 售前 ticket: %v", got)
			}
			if cs := items(t, agentA.Must(200, "GET", "/api/v1/search?q=zhangwei", nil)["customers"].(map[string]any)); len(cs) != 1 {
				t.Fatalf("agent finds customers %v, want zhangwei", cs)
			}
			if cs := items(t, dept.Must(200, "GET", "/api/v1/search?q=zhangwei", nil)["customers"].(map[string]any)); len(cs) != 0 {
				t.Errorf("department finds customers: %v", cs)
			}
		})

		t.Run("department", func(t *testing.T) {
			if got := numbers(t, dept.Must(200, "GET", "/api/v1/tickets", nil)); !slices.Equal(got, []int64{afterN}) {
				t.Errorf("department lists %v, want only %d", got, afterN)
			}
			if got := numbers(t, dept.Must(200, "GET", "/api/v1/tickets?customer="+itoa(customerID), nil)); !slices.Equal(got, []int64{afterN}) {
				t.Errorf("department lists the customer's %v, want only %d", got, afterN)
			}
			runCalls(t, []call{
				{"read handed ticket", dept, "GET", path("/tickets/%d", afterN), nil, 200, ""},
				{"read its attachment", dept, "GET", path("/attachments/%d", attachment), nil, 200, ""},
				{"read 售前 ticket", dept, "GET", path("/tickets/%d", preN), nil, 404, "not_found"},
				{"read triage ticket", dept, "GET", path("/tickets/%d/messages", noneN), nil, 404, "not_found"},
				{"note on 售前 ticket", dept, "POST", path("/tickets/%d/messages", preN), map[string]any{"kind": "note", "body": "?"}, 404, "not_found"},
				{"reply", dept, "POST", path("/tickets/%d/messages", afterN), map[string]any{"body": "已修复"}, 403, "department_notes_only"},
				{"reply with status", dept, "POST", path("/tickets/%d/messages", afterN), map[string]any{"kind": "note", "body": "已修复", "status": "resolved"}, 403, ""},
				{"note", dept, "POST", path("/tickets/%d/messages", afterN), map[string]any{"kind": "note", "body": "固件问题，已出补丁"}, 201, ""},
				{"priority", dept, "PATCH", path("/tickets/%d", afterN), map[string]any{"priority": "urgent"}, 403, "forbidden"},
				{"hand back with priority", dept, "PATCH", path("/tickets/%d", afterN), map[string]any{"status": "open", "priority": "low"}, 403, "forbidden"},
				{"resolve", dept, "PATCH", path("/tickets/%d", afterN), map[string]any{"status": "resolved"}, 403, "forbidden"},
				{"transfer", dept, "POST", path("/tickets/%d/transfer", afterN), map[string]any{"team_id": presale, "reason": "不归我们"}, 403, "forbidden"},
				{"hand back", dept, "PATCH", path("/tickets/%d", afterN), map[string]any{"status": "open"}, 200, ""},
				{"list customers", dept, "GET", "/api/v1/customers", nil, 403, "forbidden"},
				{"read customer", dept, "GET", path("/customers/%d", customerID), nil, 404, "not_found"},
				{"customer's tickets", dept, "GET", path("/customers/%d/tickets", customerID), nil, 404, "not_found"},
				{"customer's events", dept, "GET", path("/customers/%d/events", customerID), nil, 404, "not_found"},
				{"create customer", dept, "POST", "/api/v1/customers", map[string]any{"name": "李娜"}, 403, "forbidden"},
				{"create ticket", dept, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "customer": map[string]any{"email": "x@example.com"}, "message": map[string]any{"body": "x"}}, 403, "forbidden"},
			})
			got := agentB.Must(200, "GET", path("/tickets/%d", afterN), nil)
			if got["status"] != "open" || got["priority"] != "normal" {
				t.Errorf("after hand-back: status %v priority %v, want open normal", got["status"], got["priority"])
			}
		})

		t.Run("settings", func(t *testing.T) {
			before := counts(t, s)
			runCalls(t, []call{
				{"create user", agentA, "POST", "/api/v1/users", map[string]any{"email": "new@example.com", "name": "新人", "role": "admin"}, 403, "forbidden"},
				{"create team", sup, "POST", "/api/v1/teams", map[string]any{"name": "VIP", "kind": "team"}, 403, "forbidden"},
				{"rename team", agentA, "PATCH", path("/teams/%d", aftersale), map[string]any{"name": "售后二组"}, 403, "forbidden"},
				{"create custom field", agentA, "POST", "/api/v1/custom-fields", map[string]any{"entity": "ticket", "key": "order_no", "type": "text", "label_zh": "订单号"}, 403, "forbidden"},
				{"join team", agentA, "PUT", path("/teams/%d/members/%d", aftersale, agentA.UserID), nil, 403, "forbidden"},
				{"remove member", sup, "DELETE", path("/teams/%d/members/%d", aftersale, agentB.UserID), nil, 403, "forbidden"},
				{"promote self", agentA, "PATCH", path("/users/%d", agentA.UserID), map[string]any{"role": "admin"}, 403, "forbidden"},
				{"rename other", agentA, "PATCH", path("/users/%d", agentB.UserID), map[string]any{"name": "x"}, 403, "forbidden"},
				{"token for other", agentA, "POST", path("/users/%d/tokens", agentB.UserID), map[string]any{"name": "steal"}, 403, "forbidden"},
				{"token for admin", sup, "POST", path("/users/%d/tokens", admin.UserID), map[string]any{"name": "steal"}, 403, "forbidden"},
				{"department makes tag", dept, "POST", "/api/v1/tags", map[string]any{"name": "故障"}, 403, "forbidden"},
			})
			if now := counts(t, s); !equalCounts(now, before) {
				t.Errorf("refused calls wrote: %v → %v", before, now)
			}
			me := agentA.Must(200, "GET", "/api/v1/me", nil)
			if me["role"] != "agent" || !slices.Equal(me["teams"].([]any), []any{float64(presale)}) {
				t.Errorf("agent changed: %v", me)
			}
			agentA.Must(201, "POST", path("/users/%d/tokens", agentA.UserID), map[string]any{"name": "own"})
		})

		t.Run("credentials", func(t *testing.T) {
			own := agentA.Must(201, "POST", path("/users/%d/tokens", agentA.UserID), map[string]any{"name": "to revoke"})["token"].(string)
			var tokenID int64
			if err := s.App.DB.Read().QueryRowContext(context.Background(), `SELECT id FROM api_tokens WHERE token_hash = $1`, auth.HashToken(own)).Scan(&tokenID); err != nil {
				t.Fatal(err)
			}
			revoked := *agentA
			revoked.Token = own
			revoked.Must(200, "GET", "/api/v1/me", nil)
			if err := s.App.Users.RevokeToken(context.Background(), auth.System(), tokenID); err != nil {
				t.Fatal(err)
			}
			gone := s.NewUser("left@example.com", "已离职", auth.RoleAgent, presale)
			admin.Must(200, "PATCH", path("/users/%d", gone.UserID), map[string]any{"active": false})
			for _, h := range []struct{ name, authz string }{
				{"none", ""},
				{"empty bearer", "Bearer "},
				{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin@example.com:password-admin@example.com"))},
				{"garbage", "Bearer garbage"},
				{"well-formed unknown", "Bearer kefu_" + base64.RawURLEncoding.EncodeToString(make([]byte, 32))},
				{"token with a letter changed", "Bearer " + own[:len(own)-1] + "x"},
				{"revoked", "Bearer " + own},
				{"deactivated user", "Bearer " + gone.Token},
			} {
				for _, p := range []string{"/api/v1/me", path("/tickets/%d", preN), "/api/v1/tickets"} {
					req, _ := http.NewRequest("GET", s.URL+p, nil)
					if h.authz != "" {
						req.Header.Set("Authorization", h.authz)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: GET %s: status %d, WWW-Authenticate %q; want 401 with a challenge", h.name, p, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
					}
				}
			}
		})
	})
}

// TestOwnerKeepsAccess: the agent who took a phone call owns the ticket and still sees it
// after transferring it to another team; a colleague of the old team does not.
func TestOwnerKeepsAccess(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		presale, aftersale := s.Team("售前", "team"), s.Team("售后", "team")
		owner := s.NewUser("owner@example.com", "王芳", auth.RoleAgent, presale)
		colleague := s.NewUser("colleague@example.com", "刘洋", auth.RoleAgent, presale)
		receiver := s.NewUser("receiver@example.com", "陈静", auth.RoleAgent, aftersale)

		tk := newTicket(t, owner, map[string]any{"subject": "电话：空调不制冷", "channel": "phone", "customer": map[string]any{"phone": "13912345678"}})
		n := apitest.Num(tk, "number")
		if tk["owner"] == nil || apitest.Num(tk["owner"].(map[string]any), "id") != owner.UserID {
			t.Fatalf("owner of a phone ticket: %v, want %d", tk["owner"], owner.UserID)
		}
		colleague.Must(200, "GET", path("/tickets/%d", n), nil)
		owner.Must(200, "POST", path("/tickets/%d/transfer", n), map[string]any{"team_id": aftersale, "assignee_id": receiver.UserID, "reason": "需要售后上门维修"})

		got := owner.Must(200, "GET", path("/tickets/%d", n), nil)
		if apitest.Num(got["owner"].(map[string]any), "id") != owner.UserID || apitest.Num(got["team"].(map[string]any), "id") != aftersale {
			t.Errorf("after transfer: owner %v team %v", got["owner"], got["team"])
		}
		owner.Must(200, "GET", path("/tickets/%d/messages", n), nil)
		owner.Must(201, "POST", path("/tickets/%d/messages", n), map[string]any{"kind": "note", "body": "已和客户约好周六上门"})
		if got := numbers(t, owner.Must(200, "GET", "/api/v1/tickets?owner=me", nil)); !slices.Equal(got, []int64{n}) {
			t.Errorf("owner=me: %v, want [%d]", got, n)
		}
		receiver.Must(200, "GET", path("/tickets/%d", n), nil)

		if r := colleague.Do("GET", path("/tickets/%d", n), nil); r.Status != 404 {
			t.Errorf("colleague of the old team: status %d, want 404", r.Status)
		}
		if r := colleague.Do("POST", path("/tickets/%d/messages", n), map[string]any{"body": "x"}); r.Status != 404 {
			t.Errorf("colleague replies: status %d, want 404", r.Status)
		}
		if got := numbers(t, colleague.Must(200, "GET", "/api/v1/tickets", nil)); slices.Contains(got, n) {
			t.Errorf("colleague's list has the transferred ticket: %v", got)
		}
	})
}

func equalCounts(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
