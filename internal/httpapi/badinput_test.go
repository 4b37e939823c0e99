package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// badCase is one request that must be refused without writing anything.
type badCase struct {
	name         string
	method, path string
	body         any
	status       int
	code         string // error.code
	field        string // a key of error.fields ("" when the error is not about a field)
	fieldCode    string // its code ("" to skip)
	headers      []string
}

// errorAnswer is the one shape of every error.
type errorAnswer struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  map[string]struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

func TestBadInput(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		presale, aftersale, tech := s.Team("售前", "team"), s.Team("售后", "team"), s.Team("技术部", "department")
		agent := s.NewUser("agent@example.com", "售后客服", auth.RoleAgent, aftersale)
		other := s.NewUser("other@example.com", "售前客服", auth.RoleAgent, presale)
		c1 := agent.Must(201, "POST", "/api/v1/customers", map[string]any{"name": "张伟", "emails": []string{"zhangwei@example.com"}})
		c2 := agent.Must(201, "POST", "/api/v1/customers", map[string]any{"name": "李娜", "phones": []string{"13800138000"}})
		c1ID, c2ID := apitest.Num(c1, "id"), apitest.Num(c2, "id")
		ticketFor := func(customer int64, subject string) int64 {
			return apitest.Num(newTicket(t, agent, map[string]any{"subject": subject, "customer": map[string]any{"id": customer}}), "number")
		}
		t1, t2, t3 := ticketFor(c1ID, "耳机没有声音"), ticketFor(c1ID, "耳机充不进电"), ticketFor(c2ID, "发票抬头错误")

		// valid returns a good ticket body with one key replaced (nil deletes it).
		valid := func(key string, v any) map[string]any {
			b := map[string]any{"subject": "咨询退货流程", "customer": map[string]any{"id": c1ID}, "message": map[string]any{"body": "怎么退货？"}}
			if v == nil {
				delete(b, key)
			} else {
				b[key] = v
			}
			return b
		}
		msg := func(extra map[string]any) map[string]any {
			m := map[string]any{"body": "请看附件"}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		file := func(name string, data []byte) []any {
			return []any{map[string]any{"filename": name, "data": base64.StdEncoding.EncodeToString(data)}}
		}
		long := strings.Repeat("好", 501)
		huge := strings.Repeat("a", 1<<20+1)
		tooBig := `{"subject": "` + huge + `"}`

		tickets, ticket, messages := "/api/v1/tickets", path("/tickets/%d", t1), path("/tickets/%d/messages", t1)
		transfer, merge := path("/tickets/%d/transfer", t1), path("/tickets/%d/merge", t1)
		customers, customer := "/api/v1/customers", path("/customers/%d", c1ID)
		cases := []badCase{
			// POST /tickets
			{"create: unknown field", "POST", tickets, valid("colour", "red"), 400, "invalid", "colour", "unknown_field", nil},
			{"create: subject is a number", "POST", tickets, valid("subject", 5), 400, "invalid", "subject", "wrong_type", nil},
			{"create: nested wrong type", "POST", tickets, valid("message", map[string]any{"body": 5}), 400, "invalid", "message.body", "wrong_type", nil},
			{"create: array", "POST", tickets, "[]", 400, "invalid", "body", "wrong_type", nil},
			{"create: malformed", "POST", tickets, `{"subject": "x",`, 400, "bad_json", "", "", nil},
			{"create: trailing data", "POST", tickets, `{"subject": "x"} {}`, 400, "bad_json", "", "", nil},
			{"create: empty body", "POST", tickets, "", 400, "bad_json", "", "", nil},
			{"create: empty subject", "POST", tickets, valid("subject", ""), 400, "invalid", "subject", "required", nil},
			{"create: blank subject", "POST", tickets, valid("subject", " \t "), 400, "invalid", "subject", "required", nil},
			{"create: subject of 501 characters", "POST", tickets, valid("subject", long), 400, "invalid", "subject", "too_long", nil},
			{"create: body over 1 MiB", "POST", tickets, valid("message", map[string]any{"body": huge}), 400, "invalid", "message.body", "too_large", nil},
			{"create: no message", "POST", tickets, valid("message", nil), 400, "invalid", "message", "required", nil},
			{"create: no customer", "POST", tickets, valid("customer", nil), 400, "invalid", "customer", "required", nil},
			{"create: two identities", "POST", tickets, valid("customer", map[string]any{"email": "a@example.com", "phone": "13800138001"}), 400, "invalid", "customer", "one_identity", nil},
			{"create: unknown customer", "POST", tickets, valid("customer", map[string]any{"id": 999999}), 400, "invalid", "customer.id", "unknown", nil},
			{"create: invalid email", "POST", tickets, valid("customer", map[string]any{"email": "zhangwei.example.com"}), 400, "invalid", "customer.email", "invalid_email", nil},
			{"create: invalid email beside an empty subject", "POST", tickets, func() map[string]any {
				b := valid("subject", "")
				b["customer"] = map[string]any{"email": "zhangwei.example.com"}
				return b
			}(), 400, "invalid", "customer.email", "invalid_email", nil},
			{"create: invalid phone", "POST", tickets, valid("customer", map[string]any{"phone": "abc"}), 400, "invalid", "customer.phone", "invalid_phone", nil},
			{"create: unknown type", "POST", tickets, valid("type", "bogus"), 400, "invalid", "type", "one_of", nil},
			{"create: unknown priority", "POST", tickets, valid("priority", "asap"), 400, "invalid", "priority", "one_of", nil},
			{"create: unknown channel", "POST", tickets, valid("channel", "fax"), 400, "invalid", "channel", "one_of", nil},
			{"create: subtype without aftersale", "POST", tickets, valid("subtype", "repair"), 400, "invalid", "subtype", "subtype_needs_aftersale", nil},
			{"create: department as team", "POST", tickets, valid("team_id", tech), 400, "invalid", "team_id", "unknown_team", nil},
			{"create: assignee outside team", "POST", tickets, valid("assignee_id", other.UserID), 400, "invalid", "assignee_id", "not_in_team", nil},
			{"create: .exe attachment", "POST", tickets, valid("message", msg(map[string]any{"attachments": file("发票.exe", []byte("MZ"))})), 400, "invalid", "message.attachments[0].filename", "blocked_type", nil},
			{"create: empty attachment", "POST", tickets, valid("message", msg(map[string]any{"attachments": file("照片.jpg", nil)})), 400, "invalid", "message.attachments[0].data", "required", nil},
			// PATCH /tickets/{n}
			{"patch: unknown field", "PATCH", ticket, map[string]any{"team_id": presale}, 400, "invalid", "team_id", "unknown_field", nil},
			{"patch: subject is a number", "PATCH", ticket, map[string]any{"subject": 5}, 400, "invalid", "subject", "wrong_type", nil},
			{"patch: malformed", "PATCH", ticket, `{"priority"`, 400, "bad_json", "", "", nil},
			{"patch: empty body", "PATCH", ticket, "", 400, "bad_json", "", "", nil},
			{"patch: empty subject", "PATCH", ticket, map[string]any{"subject": ""}, 400, "invalid", "subject", "required", nil},
			{"patch: subject of 501 characters", "PATCH", ticket, map[string]any{"subject": long}, 400, "invalid", "subject", "too_long", nil},
			{"patch: over 1 MiB", "PATCH", ticket, tooBig, 413, "request_too_large", "", "", nil},
			{"patch: unknown status", "PATCH", ticket, map[string]any{"status": "done", "priority": "high"}, 400, "invalid", "status", "one_of", nil},
			{"patch: unknown type", "PATCH", ticket, map[string]any{"type": "bogus"}, 400, "invalid", "type", "one_of", nil},
			{"patch: unknown priority", "PATCH", ticket, map[string]any{"priority": "asap"}, 400, "invalid", "priority", "one_of", nil},
			{"patch: subtype without aftersale", "PATCH", ticket, map[string]any{"subtype": "repair", "priority": "high"}, 400, "invalid", "subtype", "subtype_needs_aftersale", nil},
			{"patch: pending department without one", "PATCH", ticket, map[string]any{"status": "pending_department"}, 400, "invalid", "status", "needs_department", nil},
			{"patch: team as department", "PATCH", ticket, map[string]any{"department_id": presale, "status": "pending_department"}, 400, "invalid", "department_id", "unknown_department", nil},
			{"patch: assignee outside team", "PATCH", ticket, map[string]any{"assignee_id": other.UserID, "priority": "high"}, 400, "invalid", "assignee_id", "not_in_team", nil},
			{"patch: bad If-Match", "PATCH", ticket, map[string]any{"priority": "high"}, 400, "invalid", "If-Match", "want_version", []string{"If-Match", "abc"}},
			{"patch: stale If-Match", "PATCH", ticket, map[string]any{"priority": "high"}, 409, "stale_version", "", "", []string{"If-Match", `"999"`}},
			// POST /tickets/{n}/messages
			{"message: unknown field", "POST", messages, map[string]any{"body": "x", "to": "boss"}, 400, "invalid", "to", "unknown_field", nil},
			{"message: body is a number", "POST", messages, map[string]any{"body": 5}, 400, "invalid", "body", "wrong_type", nil},
			{"message: malformed", "POST", messages, `{"body": "x"`, 400, "bad_json", "", "", nil},
			{"message: empty body", "POST", messages, "", 400, "bad_json", "", "", nil},
			{"message: empty text", "POST", messages, map[string]any{"body": "  "}, 400, "invalid", "body", "required", nil},
			{"message: over 1 MiB", "POST", messages, map[string]any{"body": huge}, 400, "invalid", "body", "too_large", nil},
			{"message: unknown kind", "POST", messages, map[string]any{"body": "x", "kind": "memo"}, 400, "invalid", "kind", "one_of", nil},
			{"message: unknown status", "POST", messages, map[string]any{"body": "x", "status": "done"}, 400, "invalid", "status", "one_of", nil},
			{"message: customer's note", "POST", messages, map[string]any{"body": "x", "kind": "note", "author": "customer"}, 400, "invalid", "kind", "note_by_customer", nil},
			{"message: .exe attachment", "POST", messages, msg(map[string]any{"attachments": file("setup.EXE", []byte("MZ"))}), 400, "invalid", "attachments[0].filename", "blocked_type", nil},
			{"message: empty attachment", "POST", messages, msg(map[string]any{"attachments": file("a.txt", nil)}), 400, "invalid", "attachments[0].data", "required", nil},
			// POST /tickets/{n}/transfer
			{"transfer: unknown field", "POST", transfer, map[string]any{"team_id": presale, "reason": "x", "owner_id": other.UserID}, 400, "invalid", "owner_id", "unknown_field", nil},
			{"transfer: team is text", "POST", transfer, map[string]any{"team_id": "售前", "reason": "x"}, 400, "invalid", "team_id", "wrong_type", nil},
			{"transfer: malformed", "POST", transfer, `{"team_id": }`, 400, "bad_json", "", "", nil},
			{"transfer: empty body", "POST", transfer, "", 400, "bad_json", "", "", nil},
			{"transfer: no reason", "POST", transfer, map[string]any{"team_id": presale}, 400, "invalid", "reason", "required", nil},
			{"transfer: blank reason", "POST", transfer, map[string]any{"team_id": presale, "reason": "  "}, 400, "invalid", "reason", "required", nil},
			{"transfer: reason of 501 characters", "POST", transfer, map[string]any{"team_id": presale, "reason": long}, 400, "invalid", "reason", "too_long", nil},
			{"transfer: no team", "POST", transfer, map[string]any{"reason": "x"}, 400, "invalid", "team_id", "required", nil},
			{"transfer: to a department", "POST", transfer, map[string]any{"team_id": tech, "reason": "x"}, 400, "invalid", "team_id", "unknown_team", nil},
			{"transfer: assignee outside target team", "POST", transfer, map[string]any{"team_id": presale, "assignee_id": agent.UserID, "reason": "x"}, 400, "invalid", "assignee_id", "not_in_team", nil},
			{"transfer: no change", "POST", transfer, map[string]any{"team_id": aftersale, "reason": "x"}, 422, "transfer_no_change", "", "", nil},
			// POST /tickets/{n}/merge
			{"merge: unknown field", "POST", merge, map[string]any{"into": t2, "force": true}, 400, "invalid", "force", "unknown_field", nil},
			{"merge: into is text", "POST", merge, map[string]any{"into": "#2"}, 400, "invalid", "into", "wrong_type", nil},
			{"merge: malformed", "POST", merge, `{"into": 2,}`, 400, "bad_json", "", "", nil},
			{"merge: empty body", "POST", merge, "", 400, "bad_json", "", "", nil},
			{"merge: over 4 KiB", "POST", merge, `{"into": 2` + strings.Repeat(" ", 5000) + `}`, 413, "request_too_large", "", "", nil},
			{"merge: no target", "POST", merge, map[string]any{}, 400, "invalid", "into", "required", nil},
			{"merge: into itself", "POST", merge, map[string]any{"into": t1}, 400, "invalid", "into", "merge_self", nil},
			{"merge: missing target", "POST", merge, map[string]any{"into": 999999}, 400, "invalid", "into", "unknown_ticket", nil},
			{"merge: across customers", "POST", merge, map[string]any{"into": t3}, 422, "merge_customer_mismatch", "", "", nil},
			// POST /customers
			{"customer: unknown field", "POST", customers, map[string]any{"name": "王芳", "vip": true}, 400, "invalid", "vip", "unknown_field", nil},
			{"customer: name is a number", "POST", customers, map[string]any{"name": 5}, 400, "invalid", "name", "wrong_type", nil},
			{"customer: malformed", "POST", customers, `{"name": "王芳"`, 400, "bad_json", "", "", nil},
			{"customer: empty body", "POST", customers, "", 400, "bad_json", "", "", nil},
			{"customer: no name", "POST", customers, map[string]any{"emails": []string{"wf@example.com"}}, 400, "invalid", "name", "required", nil},
			{"customer: name of 201 characters", "POST", customers, map[string]any{"name": strings.Repeat("王", 201)}, 400, "invalid", "name", "too_long", nil},
			{"customer: invalid email", "POST", customers, map[string]any{"name": "王芳", "emails": []string{"wf@example.com", "wf at example.com"}}, 400, "invalid", "emails[1]", "invalid_email", nil},
			{"customer: invalid phone", "POST", customers, map[string]any{"name": "王芳", "phones": []string{"abc"}}, 400, "invalid", "phones[0]", "invalid_phone", nil},
			{"customer: unknown tier", "POST", customers, map[string]any{"name": "王芳", "tier": "gold"}, 400, "invalid", "tier", "one_of", nil},
			{"customer: email of another", "POST", customers, map[string]any{"name": "王芳", "emails": []string{"ZhangWei@Example.com"}}, 400, "invalid", "emails[0]", "identity_taken", nil},
			{"customer: over 256 KiB", "POST", customers, `{"name": "` + strings.Repeat("a", 300<<10) + `"}`, 413, "request_too_large", "", "", nil},
			// PATCH /customers/{id}
			{"customer patch: unknown field", "PATCH", customer, map[string]any{"id": 7}, 400, "invalid", "id", "unknown_field", nil},
			{"customer patch: tags is text", "PATCH", customer, map[string]any{"tags": "vip"}, 400, "invalid", "tags", "wrong_type", nil},
			{"customer patch: malformed", "PATCH", customer, `{"name": }`, 400, "bad_json", "", "", nil},
			{"customer patch: empty body", "PATCH", customer, "", 400, "bad_json", "", "", nil},
			{"customer patch: blank name", "PATCH", customer, map[string]any{"name": " "}, 400, "invalid", "name", "required", nil},
			{"customer patch: invalid email", "PATCH", customer, map[string]any{"emails": []string{"@example.com"}}, 400, "invalid", "emails[0]", "invalid_email", nil},
			{"customer patch: invalid phone", "PATCH", customer, map[string]any{"name": "张伟伟", "phones": []string{"abc"}}, 400, "invalid", "phones[0]", "invalid_phone", nil},
			{"customer patch: unknown stage", "PATCH", customer, map[string]any{"stage": "done"}, 400, "invalid", "stage", "one_of", nil},
			{"customer patch: phone of another", "PATCH", customer, map[string]any{"name": "张伟伟", "phones": []string{"138-0013-8000"}}, 400, "invalid", "phones[0]", "identity_taken", nil},
			{"customer patch: stale version", "PATCH", customer, map[string]any{"name": "张伟伟", "version": 99}, 409, "stale_version", "", "", nil},
		}

		zh, en := *agent, *agent
		zh.Lang, en.Lang = "", "en" // no Accept-Language: the user's language, Chinese by default
		untranslated := map[string]bool{}
		for _, c := range cases {
			before := counts(t, s)
			for _, cl := range []*apitest.Client{&zh, &en} {
				r := cl.Do(c.method, c.path, c.body, c.headers...)
				label := fmt.Sprintf("%s [%s]", c.name, cl.Lang)
				if r.Status != c.status {
					t.Errorf("%s: status %d, want %d: %.300s", label, r.Status, c.status, r.Body)
					continue
				}
				var e errorAnswer
				r.Decode(t, &e)
				if e.Error.Code != c.code {
					t.Errorf("%s: code %q, want %q: %.300s", label, e.Error.Code, c.code, r.Body)
				}
				fe, ok := e.Error.Fields[c.field]
				switch {
				case c.field == "" && len(e.Error.Fields) > 0:
					t.Errorf("%s: fields %v, want none", label, e.Error.Fields)
				case c.field != "" && !ok:
					t.Errorf("%s: fields %v, want %q", label, e.Error.Fields, c.field)
				case c.fieldCode != "" && fe.Code != c.fieldCode:
					t.Errorf("%s: field %s code %q, want %q", label, c.field, fe.Code, c.fieldCode)
				}
				texts := map[string]string{"error." + e.Error.Code: e.Error.Message}
				for _, f := range e.Error.Fields {
					texts["check."+f.Code] = f.Message
				}
				for key, text := range texts {
					switch {
					case text == "" || text == key:
						untranslated[key] = true
					case cl.Lang == "" && !hasCJK(text):
						t.Errorf("%s: message %q is not Chinese", label, text)
					case cl.Lang == "en" && hasCJK(text):
						t.Errorf("%s: English message %q has Chinese in it", label, text)
					}
				}
			}
			if after := counts(t, s); !equalCounts(before, after) {
				t.Errorf("%s: wrote %v → %v", c.name, before, after)
			}
		}
		if len(untranslated) > 0 {
			keys := make([]string, 0, len(untranslated))
			for k := range untranslated {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			t.Errorf("error messages are not translated (the answer carries the catalog key): %s", strings.Join(keys, ", "))
		}

		// Nothing changed on the tickets and customers the refused requests aimed at.
		tk := agent.Must(200, "GET", ticket, nil)
		if tk["priority"] != "normal" || tk["subject"] != "耳机没有声音" || tk["status"] != "new" || tk["team"].(map[string]any)["name"] != "售后" || tk["assignee"] != nil {
			t.Errorf("ticket #%d changed: %v", t1, tk)
		}
		if cu := agent.Must(200, "GET", customer, nil); cu["name"] != "张伟" || apitest.Num(cu, "version") != 1 {
			t.Errorf("customer changed: %v", cu)
		}
		// The limits count characters, not bytes: 500 Chinese characters (1500 bytes) pass.
		got := newTicket(t, agent, valid("subject", strings.Repeat("好", 500)))
		agent.Must(200, "PATCH", path("/tickets/%d", apitest.Num(got, "number")), map[string]any{"subject": strings.Repeat("坏", 500)})
	})
}
