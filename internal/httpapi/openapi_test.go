package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/automation"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// TestOpenAPIConformance drives the API through its main flows and checks every request
// and answer against the document: statuses, required headers, and bodies, where an
// undocumented answer field counts as an error.
func TestOpenAPIConformance(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var blobs blob.Store = blob.Files{Dir: t.TempDir()}
		if db.Dialect() == storage.Postgres {
			blobs = blob.Database{DB: db}
		}
		users := user.NewService(db, nil)
		customers := customer.NewService(db, nil)
		api := New(Options{
			DB: db, Users: users, Customers: customers,
			Tickets:      ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs}),
			Tags:         tag.NewService(db),
			CustomFields: customfield.NewService(db, nil),
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		api.Calendars, api.SLA = calendar.NewStore(db, nil), sla.NewService(db, nil)
		api.Tickets.OnChange(api.SLA.OnTicketChange)
		api.Routing = routing.NewService(db, api.Tickets, nil)
		api.Tickets.OnChange(api.Routing.OnTicketChange)
		api.Automation = automation.NewService(db, api.Tickets, nil)
		api.Tickets.OnChange(api.Automation.OnTicketChange)
		srv := httptest.NewServer(api)
		defer srv.Close()
		c := &oaClient{t: t, s: loadOASpec(t), url: srv.URL, hit: map[string]bool{}}

		team := func(name, kind string) int64 {
			tm, err := users.CreateTeam(ctx, auth.System(), user.TeamInput{Name: &name, Kind: &kind})
			if err != nil {
				t.Fatal(err)
			}
			return tm.ID
		}
		staff := func(email string, role auth.Role, teams ...int64) (int64, string) {
			u, err := users.Create(ctx, auth.System(), user.CreateInput{Email: email, Name: email[:strings.IndexByte(email, '@')], Role: role, Teams: teams})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := users.CreateToken(ctx, auth.System(), u.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			return u.ID, tok
		}
		presale, aftersale, finance := team("售前咨询组", "team"), team("售后一组", "team"), team("财务部", "department")
		_, admin := staff("admin@example.com", auth.RoleAdmin)
		agentID, agent := staff("li@example.com", auth.RoleAgent, presale)
		otherID, _ := staff("wang@example.com", auth.RoleAgent, aftersale)
		_, dept := staff("zhao@example.com", auth.RoleDepartment, finance)

		// Errors.
		c.do("", 401, "GET", "/api/v1/me", nil)
		c.do("kefu_not-a-real-token-at-all", 401, "GET", "/api/v1/tickets", nil)
		c.do(agent, 404, "GET", "/api/v1/tickets/999999", nil)
		c.do(agent, 400, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "surprise": 1})
		c.do(agent, 400, "POST", "/api/v1/tickets", []byte(`{"subject":`))
		c.do(agent, 400, "GET", "/api/v1/tickets?limit=101", nil)
		c.do(dept, 403, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "customer": map[string]any{"email": "a@example.com"}, "message": map[string]any{"body": "x"}})
		c.do(dept, 403, "GET", "/api/v1/customers", nil)

		// Staff and settings.
		c.do(agent, 200, "GET", "/api/v1/me", nil)
		c.do(agent, 200, "GET", "/api/v1/users", nil)
		newUser := c.do(admin, 201, "POST", "/api/v1/users", map[string]any{"email": "sun@example.com", "name": "孙", "role": "supervisor", "password": "long enough", "teams": []int64{aftersale}})
		uid := newUser.num("id")
		c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/users/%d", uid), nil)
		c.do(admin, 200, "PATCH", fmt.Sprintf("/api/v1/users/%d", uid), map[string]any{"locale": "en", "time_zone": "Europe/Berlin"})
		c.do(agent, 403, "PATCH", fmt.Sprintf("/api/v1/users/%d", uid), map[string]any{"name": "x"})
		c.do(agent, 201, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", agentID), map[string]any{"name": "crm"})
		c.do(agent, 200, "GET", "/api/v1/teams", nil)
		vip := c.do(admin, 201, "POST", "/api/v1/teams", map[string]any{"name": "VIP 服务组", "kind": "team"}).num("id")
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/teams/%d", vip), nil)
		c.do(admin, 200, "PATCH", fmt.Sprintf("/api/v1/teams/%d", vip), map[string]any{"description": "大客户"})
		c.do(admin, 204, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(agent, 403, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", vip, uid), nil)
		c.do(agent, 201, "POST", "/api/v1/tags", map[string]any{"name": "退款"})
		c.do(agent, 200, "GET", "/api/v1/tags", nil)
		c.do(admin, 201, "POST", "/api/v1/custom-fields", map[string]any{"entity": "ticket", "key": "order_no", "type": "text", "label_zh": "订单号", "label_en": "Order number"})
		c.do(admin, 201, "POST", "/api/v1/custom-fields", map[string]any{"entity": "customer", "key": "region", "type": "select", "label_zh": "地区", "options": []string{"华东", "华北"}})
		c.do(agent, 200, "GET", "/api/v1/custom-fields?entity=ticket", nil)
		fields := c.do(agent, 200, "GET", "/api/v1/custom-fields?entity=customer", nil).body["items"].([]any)
		region := fmt.Sprintf("/api/v1/custom-fields/%v", fields[0].(map[string]any)["id"])
		c.do(admin, 200, "PATCH", region, map[string]any{"label_en": "Region", "options": []string{"华东", "华北", "华南"}, "position": 2})
		c.do(admin, 400, "PATCH", region, map[string]any{"label_zh": ""})
		c.do(agent, 403, "PATCH", region, map[string]any{"label_en": "Area"})
		c.do(admin, 404, "PATCH", "/api/v1/custom-fields/999999", map[string]any{"label_en": "x"})

		// A ticket with a new customer, retried with the same Idempotency-Key.
		create := map[string]any{
			"subject": "空调不制冷", "type": "aftersale", "subtype": "repair", "priority": "high", "channel": "email",
			"customer":      map[string]any{"email": "Zhang.Wei@Example.com", "name": "张伟"},
			"tags":          []string{"退款"},
			"custom_fields": map[string]any{"order_no": "JD-1001"},
			"message": map[string]any{"body": "空调不制冷了", "attachments": []map[string]any{
				{"filename": "photo.jpg", "content_type": "image/jpeg", "data": base64.StdEncoding.EncodeToString([]byte("jpeg"))},
			}},
		}
		first := c.do(agent, 201, "POST", "/api/v1/tickets", create, "Idempotency-Key", "order-1001")
		n := first.num("number")
		if again := c.do(agent, 201, "POST", "/api/v1/tickets", create, "Idempotency-Key", "order-1001"); again.num("number") != n {
			t.Errorf("retry made ticket %d, want %d", again.num("number"), n)
		}
		tk := fmt.Sprintf("/api/v1/tickets/%d", n)
		got := c.do(agent, 200, "GET", tk, nil)
		etag := got.header.Get("ETag")
		c.do(agent, 200, "PATCH", tk, map[string]any{"priority": "urgent", "department_id": finance}, "If-Match", etag)
		c.do(agent, 409, "PATCH", tk, map[string]any{"priority": "low"}, "If-Match", etag)
		reply := map[string]any{"body": "您好，我们马上安排师傅上门。", "status": "pending_customer"}
		m1 := c.do(agent, 201, "POST", tk+"/messages", reply, "Idempotency-Key", "reply-1")
		if m2 := c.do(agent, 201, "POST", tk+"/messages", reply, "Idempotency-Key", "reply-1"); m2.num("id") != m1.num("id") {
			t.Error("a retried reply was stored twice")
		}
		c.do(agent, 201, "POST", tk+"/messages", map[string]any{"kind": "note", "body_html": "<p>客户<b>很着急</b></p>"})
		c.do(dept, 403, "POST", tk+"/messages", map[string]any{"body": "x"})
		msgs := c.do(agent, 200, "GET", tk+"/messages?limit=10", nil)
		items, _ := msgs.body["items"].([]any)
		if len(items) == 0 {
			t.Fatal("no messages")
		}
		atts, _ := items[0].(map[string]any)["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("first message has %d attachments", len(atts))
		}
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/attachments/%v", atts[0].(map[string]any)["id"]), nil)

		// Transfer keeps the owner; a transfer to the same place is refused.
		tr := c.do(agent, 200, "POST", tk+"/transfer", map[string]any{"team_id": aftersale, "assignee_id": otherID, "reason": "需要售后处理"})
		if owner, _ := tr.body["owner"].(map[string]any); owner == nil || int64(owner["id"].(float64)) != agentID {
			t.Errorf("owner after transfer = %v, want user %d", tr.body["owner"], agentID)
		}
		c.do(admin, 422, "POST", tk+"/transfer", map[string]any{"team_id": aftersale, "assignee_id": otherID, "reason": "again"})
		c.do(agent, 400, "POST", tk+"/transfer", map[string]any{"team_id": aftersale})

		// Merge a second ticket of the same customer into the first, then split one off.
		second := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{
			"subject": "还是不制冷", "customer": map[string]any{"email": "zhang.wei@example.com"},
			"custom_fields": map[string]any{"order_no": "JD-1001"}, "message": map[string]any{"body": "还是不行"},
		}).num("number")
		c.do(admin, 200, "POST", fmt.Sprintf("/api/v1/tickets/%d/merge", second), map[string]any{"into": n})
		c.do(admin, 422, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", second), map[string]any{"body": "x"})
		if merged := c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d", second), nil); merged.num("merged_into") != n || merged.body["status"] != "closed" {
			t.Errorf("merged ticket: status %v, merged_into %v", merged.body["status"], merged.body["merged_into"])
		}
		c.do(admin, 413, "POST", fmt.Sprintf("/api/v1/tickets/%d/merge", second), map[string]any{"into": strings.Repeat("9", 5000)})
		split := c.do(admin, 201, "POST", tk+"/split", map[string]any{"message_id": m1.num("id"), "subject": "上门时间"}).num("number")
		c.do(admin, 200, "POST", tk+"/links", map[string]any{"number": split})
		c.do(admin, 204, "DELETE", fmt.Sprintf("%s/links/%d", tk, split), nil)
		c.do(admin, 200, "GET", tk, nil)
		c.do(admin, 200, "GET", tk+"/events?after=0&limit=100", nil)

		// Lists with filters and cursors.
		page := c.do(admin, 200, "GET", "/api/v1/tickets?limit=1&sort=created&order=asc", nil)
		if cur, _ := page.body["next_cursor"].(string); cur == "" {
			t.Error("no next_cursor on a full page")
		} else {
			c.do(admin, 200, "GET", "/api/v1/tickets?limit=1&sort=created&order=asc&cursor="+cur, nil)
		}
		c.do(admin, 200, "GET", "/api/v1/tickets?q="+url.QueryEscape("退款 发货")+"&rank=relevance&limit=5", nil)
		c.do(admin, 200, "GET", "/api/v1/tickets?q=order", nil)
		c.do(agent, 400, "GET", "/api/v1/tickets?q="+url.QueryEscape("AND AND"), nil)
		c.do(admin, 200, "GET", "/api/v1/search?q="+url.QueryEscape("张伟"), nil)
		c.do(agent, 400, "GET", "/api/v1/search?q=", nil)
		c.do(agent, 200, "GET", "/api/v1/tickets?status=new,open,pending_customer&owner=me&assignee=none&team=none&priority=urgent&type=aftersale&channel=email&tag="+url.QueryEscape("退款")+"&created_after=2020-01-01&updated_before=2100-01-01T00:00:00Z", nil)

		// Customers.
		cust := first.body["customer"].(map[string]any)["id"]
		cu := fmt.Sprintf("/api/v1/customers/%v", cust)
		c.do(agent, 200, "GET", "/api/v1/customers?q=zhang.wei@example.com&tier=ordinary&stage=current&limit=10", nil)
		cg := c.do(agent, 200, "GET", cu, nil)
		c.do(agent, 200, "PATCH", cu, map[string]any{"tier": "vip", "phones": []string{"138 1234 5678"}, "custom_fields": map[string]any{"region": "华东"}}, "If-Match", cg.header.Get("ETag"))
		c.do(agent, 409, "PATCH", cu, map[string]any{"tier": "key"}, "If-Match", cg.header.Get("ETag"))
		c.do(agent, 200, "GET", cu+"/tickets?status=closed", nil)
		c.do(agent, 200, "GET", cu+"/events?after=0", nil)
		c.do(admin, 200, "GET", cu+"/views?limit=10", nil)
		c.do(agent, 403, "GET", cu+"/views", nil)
		c.do(agent, 201, "POST", "/api/v1/customers", map[string]any{"name": "李娜", "organization": "某某科技", "emails": []string{"li.na@example.com"}, "tags": []string{"VIP"}})

		// Email: mailboxes and the two mail queues.
		sealer, _ := mail.NewSealer("conformance test secret key")
		api.Mail = mail.NewService(mail.Options{DB: db, Tickets: api.Tickets, Blobs: blobs, Sealer: sealer, Logger: api.Logger})
		mb := c.do(admin, 201, "POST", "/api/v1/mailboxes", map[string]any{"name": "售后邮箱", "address": "support@example.com", "team_id": aftersale,
			"imap_host": "imap.example.com", "imap_user": "support", "imap_password": "secret", "smtp_host": "smtp.example.com", "auto_reply": "已收到，工单号 {number}"})
		mbu := fmt.Sprintf("/api/v1/mailboxes/%d", mb.num("id"))
		c.do(admin, 200, "GET", "/api/v1/mailboxes", nil)
		c.do(agent, 403, "GET", "/api/v1/mailboxes", nil)
		c.do(admin, 200, "GET", mbu, nil)
		c.do(admin, 200, "PATCH", mbu, map[string]any{"smtp_password": "", "signature": "售后服务部", "active": false})
		c.do(admin, 400, "POST", "/api/v1/mailboxes", map[string]any{"name": "坏", "address": "not-an-address", "imap_host": "h", "imap_user": "u", "imap_tls": "ssl"})
		c.do(admin, 409, "POST", "/api/v1/mailboxes", map[string]any{"name": "售后邮箱", "address": "support@example.com", "imap_host": "h", "imap_user": "u"})
		c.do(admin, 200, "GET", "/api/v1/mail/inbound?state=failed&limit=10", nil)
		c.do(admin, 400, "GET", "/api/v1/mail/inbound?state=lost", nil)
		c.do(admin, 404, "POST", "/api/v1/mail/inbound/999999/reprocess", nil)
		c.do(admin, 200, "GET", "/api/v1/mail/outbox?state=failed", nil)
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/mail/outbox?ticket=%d", n), nil)
		c.do(agent, 404, "GET", "/api/v1/mail/outbox?ticket=999999", nil)
		c.do(admin, 404, "POST", "/api/v1/mail/outbox/999999/retry", nil)

		// Business calendars and service levels.
		week := [][]string{{}, {"09:00-12:00", "13:30-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {"09:00-18:00"}, {}}
		cal := c.do(admin, 201, "POST", "/api/v1/calendars", map[string]any{"name": "售后热线", "time_zone": "Asia/Shanghai", "week": week,
			"days": []map[string]any{{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}, {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"}}})
		calu := fmt.Sprintf("/api/v1/calendars/%d", cal.num("id"))
		c.do(admin, 200, "GET", "/api/v1/calendars", nil)
		c.do(agent, 403, "GET", "/api/v1/calendars", nil)
		c.do(admin, 200, "GET", calu, nil)
		c.do(admin, 200, "PUT", calu, map[string]any{"name": "售后热线", "week": week, "workday_hours": []string{"09:00-17:00"}, "version": cal.num("version")})
		c.do(admin, 400, "POST", "/api/v1/calendars", map[string]any{"name": "", "week": week})
		c.do(admin, 200, "POST", calu+"/import?kind=holiday", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
		c.do(admin, 400, "POST", calu+"/import", []byte("BEGIN:VEVENT\r\n"))
		pol := c.do(admin, 201, "POST", "/api/v1/sla-policies", map[string]any{"name": "VIP 投诉", "conditions": map[string]any{"tiers": []string{"vip"}, "types": []string{"complaint"}},
			"calendar_id": cal.num("id"), "first_response_minutes": 30, "resolution_minutes": 450, "warn_percent": 80})
		polu := fmt.Sprintf("/api/v1/sla-policies/%d", pol.num("id"))
		c.do(admin, 200, "GET", "/api/v1/sla-policies", nil)
		c.do(agent, 403, "GET", "/api/v1/sla-policies", nil)
		c.do(admin, 200, "GET", polu, nil)
		c.do(admin, 200, "PUT", polu, map[string]any{"name": "VIP 投诉", "conditions": map[string]any{"tiers": []string{"vip"}}, "calendar_id": cal.num("id"),
			"first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 450, "pause_on_department": true, "version": pol.num("version")})
		c.do(admin, 400, "POST", "/api/v1/sla-policies", map[string]any{"name": "空", "calendar_id": cal.num("id")})
		c.do(admin, 409, "DELETE", calu, nil)
		timed := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "投诉：维修太慢", "type": "complaint",
			"customer": map[string]any{"id": cust}, "message": map[string]any{"body": "师傅一直没来"}}).num("number")
		if st := c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sla", timed), nil).body["sla"]; st == nil {
			t.Error("a VIP complaint has no SLA clock")
		}
		c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/sla", split), nil)
		c.do(agent, 404, "GET", "/api/v1/tickets/999999/sla", nil)
		c.do(admin, 409, "DELETE", polu, nil)
		spare := c.do(admin, 201, "POST", "/api/v1/sla-policies", map[string]any{"name": "备用", "calendar_id": 2, "resolution_minutes": 60, "active": false})
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/sla-policies/%d", spare.num("id")), nil)
		spareCal := c.do(admin, 201, "POST", "/api/v1/calendars", map[string]any{"name": "临时", "week": week})
		c.do(admin, 204, "DELETE", fmt.Sprintf("/api/v1/calendars/%d", spareCal.num("id")), nil)

		// Routing: the agent goes online in a round-robin team and gets its next ticket.
		rt := fmt.Sprintf("/api/v1/teams/%d/routing", presale)
		c.do(agent, 200, "GET", rt, nil)
		c.do(agent, 403, "PATCH", rt, map[string]any{"method": "round_robin"})
		c.do(admin, 200, "PATCH", rt, map[string]any{"method": "round_robin", "tier_teams": map[string]any{"key": vip}, "follow_owner": true})
		c.do(admin, 400, "PATCH", rt, map[string]any{"method": "lottery"})
		c.do(admin, 404, "GET", "/api/v1/teams/999999/routing", nil)
		ar := fmt.Sprintf("/api/v1/users/%d/routing", agentID)
		c.do(agent, 200, "PATCH", ar, map[string]any{"availability": "online"})
		c.do(agent, 403, "PATCH", ar, map[string]any{"max_open": 50})
		c.do(admin, 200, "PATCH", ar, map[string]any{"max_open": 20, "skills": []string{"lang:en", "type:presale"}})
		c.do(admin, 400, "PATCH", ar, map[string]any{"availability": "busy"})
		c.do(agent, 200, "GET", ar, nil)
		routed := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "想了解新款空调", "type": "presale", "team_id": presale,
			"customer": map[string]any{"email": "new.buyer@example.com"}, "message": map[string]any{"body": "有货吗"}})
		if a, _ := routed.body["assignee"].(map[string]any); a == nil || int64(a["id"].(float64)) != agentID {
			t.Errorf("routed ticket's assignee = %v, want the online agent %d", routed.body["assignee"], agentID)
		}

		// Automation: tag presale tickets on arrival; the log shows it.
		ruleIn := map[string]any{"name": "售前打标", "event": "created", "conditions": map[string]any{"types": []string{"presale"}},
			"actions": []map[string]any{{"type": "add_tags", "tags": []string{"售前"}}, {"type": "note", "body": "已自动打标"}}}
		rule := c.do(admin, 201, "POST", "/api/v1/automation/rules", ruleIn)
		ru := fmt.Sprintf("/api/v1/automation/rules/%d", rule.num("id"))
		c.do(admin, 200, "GET", "/api/v1/automation/rules", nil)
		c.do(agent, 403, "GET", "/api/v1/automation/rules", nil)
		c.do(admin, 200, "GET", ru, nil)
		ruleIn["version"] = rule.num("version")
		c.do(admin, 200, "PUT", ru, ruleIn)
		c.do(admin, 400, "POST", "/api/v1/automation/rules", map[string]any{"name": "坏", "event": "sometimes", "actions": []map[string]any{{"type": "note", "body": "x"}}})
		c.do(admin, 200, "POST", "/api/v1/automation/dry-run", ruleIn)
		tagged := c.do(admin, 201, "POST", "/api/v1/tickets", map[string]any{"subject": "批量采购报价", "type": "presale",
			"customer": map[string]any{"email": "buyer2@example.com"}, "message": map[string]any{"body": "要 50 台"}}).num("number")
		runs := c.do(admin, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/automation-runs", tagged), nil)
		if items, _ := runs.body["items"].([]any); len(items) != 1 {
			t.Errorf("automation log has %d runs, want 1", len(items))
		}
		c.do(admin, 404, "GET", "/api/v1/tickets/999999/automation-runs", nil)
		c.do(admin, 204, "DELETE", ru, nil)
		c.do(admin, 404, "GET", ru, nil)

		// The event stream's refusals; an open stream never ends, so stream_test.go checks it.
		c.do(agent, 400, "GET", "/api/v1/events/stream?topics=everything", nil)
		c.do(agent, 404, "GET", "/api/v1/events/stream?topics=ticket:999999", nil)
		c.do(dept, 403, "GET", "/api/v1/events/stream?topics=inbox", nil)

		// Chat (chats_test.go has the rules): a visitor's chat waits, is accepted, typed in, closed, rated.
		api.Ratings = rating.NewService(db, api.Tickets, nil)
		api.Chat = chat.NewService(chat.Options{DB: db, Tickets: api.Tickets, Customers: customers, Ratings: api.Ratings})
		if err := oaChat(c, api.Chat, agent, dept, admin, presale); err != nil {
			t.Fatal(err)
		}

		var missed []string
		for _, o := range c.s.operations() {
			id := o.op["operationId"].(string)
			if !c.hit[id] && !slices.Contains(oaExtraRoutes, o.method+" "+o.path) {
				missed = append(missed, id)
			}
		}
		if len(missed) > 0 {
			t.Errorf("operations not exercised by this test (add them to keep the document checked): %v", missed)
		}
	})
}
