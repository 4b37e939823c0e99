package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCustomers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.signIn(n.AgentA)
		b.get("/customers").must(t, http.StatusOK, "张三", "zhang@example.com")
		b.get("/customers?q="+url.QueryEscape("张三")).must(t, http.StatusOK, "张三")
		if p := b.get("/customers?q=nobody-here"); strings.Contains(p.Body, "zhang@example.com") {
			t.Fatal("search found a customer who does not match")
		}
		path := "/customers/" + itoa(n.Cust)
		views := n.count("customer_views")
		p := b.get(path)
		p.must(t, http.StatusOK, "耳机左声道没有声音", `name="version" value="1"`)
		if n.count("customer_views") != views+1 {
			t.Fatal("opening a record must log the view (查阅登记)")
		}
		form := url.Values{"name": {"张三丰"}, "organization": {"武当"}, "tier": {"vip"}, "stage": {"current"}, "emails": {"zhang@example.com"},
			"phones": {""}, "tags": {""}, "notes": {"老客户"}, "version": {"1"}}
		b.post(path, form).must(t, http.StatusSeeOther)
		b.get(path+"?done=saved").must(t, http.StatusOK, "已保存", "张三丰", "VIP", "名称：张三 → 张三丰", "客户等级：普通客户 → VIP")

		// Bad input: errors next to the field, what was typed kept, nothing written.
		form.Set("version", "2")
		form.Set("emails", "not-an-email")
		form.Set("organization", "峨眉")
		b.post(path, form).must(t, http.StatusUnprocessableEntity, `value="峨眉"`, "not-an-email")
		// A stale version is refused.
		form.Set("emails", "zhang@example.com")
		form.Set("version", "1")
		b.post(path, form).must(t, http.StatusConflict, "已被他人修改")
		b.get(path).must(t, http.StatusOK, `value="武当"`)
	})
}

func TestAdminPages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.signIn(n.Admin)
		for _, c := range []struct{ path, want string }{
			{"/admin/phrases", "规范用语"}, {"/admin/users", "王小明"}, {"/admin/teams", "售后二组"},
			{"/admin/tags", "还没有标签"}, {"/admin/fields", "自定义字段"},
		} {
			b.get(c.path).must(t, http.StatusOK, c.want)
		}
		// Phrases: add, refuse an empty one keeping what was typed, delete.
		b.post("/admin/phrases", url.Values{"category": {"apology"}, "title": {"致歉"}, "body": {"非常抱歉给您带来不便。"}}).must(t, http.StatusSeeOther)
		b.post("/admin/phrases", url.Values{"category": {"closing"}, "title": {"结束"}, "body": {""}}).must(t, http.StatusUnprocessableEntity, `value="结束"`, "不能为空")
		p := b.get("/admin/phrases")
		p.must(t, http.StatusOK, "非常抱歉给您带来不便。", "致歉语")
		ps, _ := n.UI.Phrases.List(t.Context())
		b.post("/admin/phrases/"+itoa(ps[0].ID)+"/delete", nil).must(t, http.StatusSeeOther)
		if n.count("phrases") != 0 {
			t.Fatal("phrase not deleted")
		}
		// Users, teams, tags, fields.
		b.post("/admin/users", url.Values{"name": {"赵敏"}, "email": {"zm@example.com"}, "role": {"agent"}, "team": {itoa(n.TeamB)}, "password": {"long enough pw"}}).must(t, http.StatusSeeOther)
		b.get("/admin/users").must(t, http.StatusOK, "赵敏", "zm@example.com")
		b.post("/admin/users", url.Values{"name": {"x"}, "email": {"bad"}, "role": {"agent"}, "password": {"long enough pw"}}).must(t, http.StatusUnprocessableEntity, `value="bad"`)
		b.post("/admin/users/"+itoa(n.AgentB.ID), url.Values{"role": {"supervisor"}}).must(t, http.StatusSeeOther)
		if got, _ := n.UI.Users.Get(t.Context(), n.AgentB.ID); got.Role != "supervisor" || got.Active {
			t.Fatalf("after edit: %s active=%v", got.Role, got.Active)
		}
		b.post("/admin/teams", url.Values{"name": {"物流部"}, "kind": {"department"}}).must(t, http.StatusSeeOther)
		b.get("/admin/teams").must(t, http.StatusOK, "物流部")
		b.post("/admin/teams/"+itoa(n.TeamB)+"/members", url.Values{"user_id": {itoa(n.AgentA.ID)}}).must(t, http.StatusSeeOther)
		b.post("/admin/tags", url.Values{"name": {"加急"}}).must(t, http.StatusSeeOther)
		b.get("/admin/tags").must(t, http.StatusOK, "加急")
		b.post("/admin/fields", url.Values{"entity": {"ticket"}, "key": {"order_no"}, "type": {"text"}, "label_zh": {"订单号"}, "label_en": {"Order number"}}).must(t, http.StatusSeeOther)
		b.get("/admin/fields").must(t, http.StatusOK, "order_no", "订单号")
		b.post("/admin/fields", url.Values{"entity": {"ticket"}, "key": {"Bad Key"}, "type": {"text"}}).must(t, http.StatusUnprocessableEntity, `value="Bad Key"`)
	})
}
