package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

func TestAdminEdits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		admin := n.signIn(n.Admin)
		sys := auth.System()

		// Teams: rename, refuse to delete one in use (saying what uses it), delete an unused one.
		admin.post("/admin/teams/"+itoa(n.TeamA), url.Values{"name": {"售后甲组"}, "description": {"耳机"}}).must(t, http.StatusSeeOther)
		if tm, _ := n.UI.Users.GetTeam(ctx, n.TeamA); tm.Name != "售后甲组" || tm.Description != "耳机" {
			t.Fatalf("team after edit: %+v", tm)
		}
		admin.post("/admin/teams/"+itoa(n.TeamA)+"/delete", nil).must(t, http.StatusConflict, "仍有 1 张工单")
		name, kind := "临时组", "department"
		tmp, err := n.UI.Users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		admin.post("/admin/teams/"+itoa(tmp.ID)+"/members", url.Values{"user_id": {itoa(n.AgentB.ID)}}).must(t, http.StatusSeeOther)
		admin.post("/admin/teams/"+itoa(tmp.ID)+"/delete", nil).must(t, http.StatusSeeOther)
		if _, err := n.UI.Users.GetTeam(ctx, tmp.ID); err == nil {
			t.Fatal("the unused department was not deleted")
		}
		var deleted int64
		n.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE subject_kind = 'team' AND subject_id = $1 AND action = 'deleted'`, tmp.ID).Scan(&deleted)
		if deleted != 1 {
			t.Fatal("deleting a team left no event")
		}
		// Remove a member.
		admin.post("/admin/teams/"+itoa(n.TeamA)+"/members", url.Values{"user_id": {itoa(n.AgentA.ID)}, "remove": {"1"}}).must(t, http.StatusSeeOther)
		if u, _ := n.UI.Users.Get(ctx, n.AgentA.ID); slices.Contains(u.Teams, n.TeamA) {
			t.Fatal("member not removed")
		}
		admin.get("/admin/teams").must(t, http.StatusOK, "售后甲组", "李娜", "移出")

		// Users: role and teams in one form; deactivation ends their access; no self-lockout.
		admin.post("/admin/users/"+itoa(n.AgentB.ID), url.Values{"role": {"supervisor"}, "active": {"1"}, "teams_shown": {"1"},
			"teams": {itoa(n.TeamA), itoa(n.Dept)}}).must(t, http.StatusSeeOther)
		ub, _ := n.UI.Users.Get(ctx, n.AgentB.ID)
		if ub.Role != auth.RoleSupervisor || !slices.Equal(ub.Teams, []int64{n.TeamA}) || !slices.Equal(ub.Departments, []int64{n.Dept}) {
			t.Fatalf("user after edit: %+v", ub)
		}
		agentB := n.signIn(n.AgentB)
		admin.post("/admin/users/"+itoa(n.AgentB.ID), url.Values{"role": {"agent"}, "teams_shown": {"1"}}).must(t, http.StatusSeeOther)
		if p := agentB.get("/"); p.Status != http.StatusFound {
			t.Fatalf("a deactivated user still gets pages: %d", p.Status)
		}
		admin.get("/admin/users").must(t, http.StatusOK, "已停用")
		admin.post("/admin/users/"+itoa(n.Admin.ID), url.Values{"role": {"agent"}, "active": {"1"}}).must(t, http.StatusUnprocessableEntity, "不能停用自己的账号")

		// Tags: rename, refuse to delete one in use, delete an unused one.
		admin.post("/admin/tags", url.Values{"name": {"退款"}}).must(t, http.StatusSeeOther)
		admin.post("/admin/tags", url.Values{"name": {"闲置"}}).must(t, http.StatusSeeOther)
		if _, err := n.Tickets.Update(ctx, sys, n.Ticket.Number, ticket.Patch{Tags: []string{"退款"}}); err != nil {
			t.Fatal(err)
		}
		tags, _ := n.UI.Tags.List(ctx)
		id := map[string]int64{}
		for _, tg := range tags {
			id[tg.Name] = tg.ID
		}
		admin.post("/admin/tags/"+itoa(id["退款"]), url.Values{"name": {"退款申请"}}).must(t, http.StatusSeeOther)
		if tk, _ := n.Tickets.Get(ctx, sys, n.Ticket.Number); !slices.Equal(tk.Tags, []string{"退款申请"}) {
			t.Fatalf("tags after rename: %v", tk.Tags)
		}
		admin.post("/admin/tags/"+itoa(id["退款"]), url.Values{"name": {"闲置"}}).must(t, http.StatusUnprocessableEntity, "已被使用")
		admin.post("/admin/tags/"+itoa(id["退款"])+"/delete", nil).must(t, http.StatusConflict, "1 张工单")
		admin.post("/admin/tags/"+itoa(id["闲置"])+"/delete", nil).must(t, http.StatusSeeOther)
		if p := admin.get("/admin/tags"); !contains(p.Body, "退款申请") || contains(p.Body, "闲置") {
			t.Fatal("tags page after delete")
		}

		// Custom fields: edit labels, refuse to delete one with values, delete an unused one.
		f1, _ := n.UI.CustomFields.Create(ctx, sys, customfield.Field{Entity: "ticket", Key: "order_no", Type: "text", LabelZH: "订单号"})
		f2, _ := n.UI.CustomFields.Create(ctx, sys, customfield.Field{Entity: "customer", Key: "unused", Type: "select", LabelZH: "未用", Options: []string{"a"}})
		admin.post("/admin/fields/"+itoa(f1.ID), url.Values{"label_zh": {"订单编号"}, "label_en": {"Order no."}, "position": {"3"}, "required": {"1"}}).must(t, http.StatusSeeOther)
		admin.post("/admin/fields/"+itoa(f2.ID), url.Values{"label_zh": {"未用"}, "options": {""}}).must(t, http.StatusUnprocessableEntity, "不能为空")
		if _, err := n.Tickets.Update(ctx, sys, n.Ticket.Number, ticket.Patch{CustomFields: map[string]any{"order_no": "SO-1"}}); err != nil {
			t.Fatal(err)
		}
		admin.post("/admin/fields/"+itoa(f1.ID)+"/delete", nil).must(t, http.StatusConflict, "订单编号", "1 条记录")
		admin.post("/admin/fields/"+itoa(f2.ID)+"/delete", nil).must(t, http.StatusSeeOther)
		fields, _ := n.UI.CustomFields.List(ctx, "")
		if len(fields) != 1 || fields[0].LabelEN != "Order no." || !fields[0].Required || fields[0].Position != 3 {
			t.Fatalf("fields after edits: %+v", fields)
		}

		// An agent trying each administration form is refused, and nothing changes.
		agent := n.signIn(n.AgentA)
		before := map[string]int64{}
		for _, tb := range []string{"teams", "team_members", "users", "tags", "custom_fields", "events"} {
			before[tb] = n.count(tb)
		}
		for _, f := range []struct {
			path string
			form url.Values
		}{
			{"/admin/users", url.Values{"name": {"x"}, "email": {"x@example.com"}, "role": {"admin"}, "password": {"password-123"}}},
			{"/admin/users/" + itoa(n.AgentA.ID), url.Values{"role": {"admin"}, "active": {"1"}}},
			{"/admin/teams", url.Values{"name": {"x"}, "kind": {"team"}}},
			{"/admin/teams/" + itoa(n.TeamB), url.Values{"name": {"x"}}},
			{"/admin/teams/" + itoa(n.TeamB) + "/delete", nil},
			{"/admin/teams/" + itoa(n.TeamB) + "/members", url.Values{"user_id": {itoa(n.AgentA.ID)}}},
			{"/admin/teams/" + itoa(n.TeamA) + "/members", url.Values{"user_id": {itoa(n.AgentB.ID)}, "remove": {"1"}}},
			{"/admin/tags", url.Values{"name": {"x"}}},
			{"/admin/tags/" + itoa(id["退款"]), url.Values{"name": {"x"}}},
			{"/admin/tags/" + itoa(id["退款"]) + "/delete", nil},
			{"/admin/fields", url.Values{"entity": {"ticket"}, "key": {"x"}, "type": {"text"}, "label_zh": {"x"}}},
			{"/admin/fields/" + itoa(f1.ID), url.Values{"label_zh": {"x"}}},
			{"/admin/fields/" + itoa(f1.ID) + "/delete", nil},
		} {
			if p := agent.post(f.path, f.form); p.Status != http.StatusForbidden {
				t.Errorf("agent POST %s: %d, want 403", f.path, p.Status)
			}
		}
		for _, path := range []string{"/admin/users", "/admin/teams", "/admin/tags", "/admin/fields"} {
			if p := agent.get(path); p.Status != http.StatusForbidden {
				t.Errorf("agent GET %s: %d, want 403", path, p.Status)
			}
		}
		for tb, c := range before {
			if n.count(tb) != c {
				t.Errorf("an agent's refused forms changed %s", tb)
			}
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
