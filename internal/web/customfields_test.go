package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/user"
)

// defineFields makes one ticket field of each type and a customer field.
func (n *node) defineFields() {
	n.t.Helper()
	ctx := context.Background()
	for _, f := range []customfield.Field{
		{Entity: "ticket", Key: "order_no", Type: "text", LabelZH: "订单号", LabelEN: "Order number", Required: true},
		{Entity: "ticket", Key: "amount", Type: "number", LabelZH: "金额", LabelEN: "Amount"},
		{Entity: "ticket", Key: "bought", Type: "date", LabelZH: "购买日期", LabelEN: "Bought on"},
		{Entity: "ticket", Key: "model", Type: "select", LabelZH: "型号", LabelEN: "Model", Options: []string{"K1", "K2"}},
		{Entity: "ticket", Key: "warranty", Type: "checkbox", LabelZH: "在保", LabelEN: "Under warranty"},
		{Entity: "customer", Key: "contract", Type: "text", LabelZH: "合同号", LabelEN: "Contract"},
	} {
		if _, err := n.UI.CustomFields.Create(ctx, auth.System(), f); err != nil {
			n.t.Fatal(err)
		}
	}
}

func TestCustomFieldsOnForms(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		other := n.newTicket("Left earbud silent", "Tom", "tom@example.com", n.TeamB)
		n.defineFields()
		ctx := context.Background()
		b := n.signIn(n.AgentA)
		path := "/tickets/" + itoa(n.Ticket.Number)
		b.get(path).must(t, http.StatusOK, `name="cf.order_no"`, `name="cf.amount"`, `type="date"`, "<option>K2</option>", `name="cf.warranty" value="true"`, "订单号")

		// Bad values: each error at its field, by its label, what was typed kept, nothing saved.
		form := url.Values{"version": {itoa(n.Ticket.Version)}, "cf.order_no": {"SO-1"}, "cf.amount": {"十二"}, "cf.bought": {"2024-13-45"},
			"cf.model": {"K9"}, "cf.warranty": {""}}
		p := b.post(path+"/fields", form)
		p.must(t, http.StatusUnprocessableEntity, "金额应为数字", "购买日期应为日期", "型号只能是", `value="十二"`, `id="cf-amount-error"`)
		if tk, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number); len(tk.CustomFields) != 0 {
			t.Fatalf("a refused form saved %v", tk.CustomFields)
		}
		// Good values are saved, with the change trail telling each by its label.
		form = url.Values{"version": {itoa(n.Ticket.Version)}, "cf.order_no": {"SO-1"}, "cf.amount": {"12.5"}, "cf.bought": {"2024-05-01"},
			"cf.model": {"K2"}, "cf.warranty": {"", "true"}}
		if p := b.post(path+"/fields", form); p.Status != http.StatusSeeOther {
			t.Fatalf("save fields: %d %s", p.Status, trim(p.Body))
		}
		tk, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		if tk.CustomFields["amount"] != 12.5 || tk.CustomFields["warranty"] != true || tk.CustomFields["model"] != "K2" || tk.CustomFields["bought"] != "2024-05-01" {
			t.Fatalf("custom fields: %v", tk.CustomFields)
		}
		b.get(path).must(t, http.StatusOK, "金额：— → 12.5", "在保：— → 是", `value="SO-1"`, `<option selected>K2</option>`)
		// Clearing a field removes it; an unticked box is false.
		form.Set("version", itoa(tk.Version))
		form.Set("cf.amount", "")
		form["cf.warranty"] = []string{""}
		b.post(path+"/fields", form).must(t, http.StatusSeeOther)
		tk, _ = n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		if _, has := tk.CustomFields["amount"]; has || tk.CustomFields["warranty"] != false {
			t.Fatalf("after clearing: %v", tk.CustomFields)
		}
		b.get(path).must(t, http.StatusOK, "金额：12.5 → —", "在保：是 → 否")

		// The same in English.
		en := n.signIn(n.AgentB)
		en.post("/settings/language", url.Values{"lang": {"en"}})
		en.post("/tickets/"+itoa(other.Number)+"/fields", url.Values{"version": {itoa(other.Version)}, "cf.amount": {"twelve"}}).
			must(t, http.StatusUnprocessableEntity, "Amount must be a number")

		// The customer form.
		cpath := "/customers/" + itoa(n.Cust)
		b.get(cpath).must(t, http.StatusOK, `name="cf.contract"`, "合同号")
		cform := url.Values{"name": {"张三"}, "organization": {""}, "tier": {"ordinary"}, "stage": {"current"}, "emails": {"zhang@example.com"},
			"phones": {""}, "tags": {""}, "notes": {""}, "version": {"1"}, "cf.contract": {"HT-2024-001"}}
		b.post(cpath, cform).must(t, http.StatusSeeOther)
		b.get(cpath).must(t, http.StatusOK, `value="HT-2024-001"`, "合同号：— → HT-2024-001")

		// A new ticket from the UI, with its fields; a required field is checked at creation.
		b.get("/tickets/new").must(t, http.StatusOK, "新建工单", `name="cf.order_no"`)
		nt := url.Values{"customer_name": {"王五"}, "customer_phone": {"13800138000"}, "subject": {"电话咨询退款"}, "body": {"客户来电询问退款进度"},
			"channel": {"phone"}, "type": {"consultation"}, "priority": {"normal"}, "team_id": {itoa(n.TeamA)}, "cf.amount": {"99"}, "cf.order_no": {""}, "idem": {"abc"}}
		b.post("/tickets", nt).must(t, http.StatusUnprocessableEntity, "订单号不能为空", `value="电话咨询退款"`, `value="99"`)
		nt.Set("cf.order_no", "SO-9")
		p = b.post("/tickets", nt)
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=created") {
			t.Fatalf("create: %d %s", p.Status, trim(p.Body))
		}
		created := b.get(p.Location)
		created.must(t, http.StatusOK, "工单已创建", "电话咨询退款", `value="SO-9"`, "客户来电询问退款进度")
		// From a customer's page the customer is given.
		b.get("/tickets/new?customer="+itoa(n.Cust)).must(t, http.StatusOK, `name="customer_id" value="`+itoa(n.Cust)+`"`, "张三")
		// Department staff may not open tickets.
		dept := n.mkUser("dept@example.com", "赵六", auth.RoleDepartment, n.Dept)
		n.signIn(dept).get("/tickets/new").must(t, http.StatusForbidden)
	})
}

// mkUser adds a user with the test password.
func (n *node) mkUser(email, name string, role auth.Role, teams ...int64) *user.User {
	n.t.Helper()
	u, err := n.UI.Users.Create(context.Background(), auth.System(), user.CreateInput{Email: email, Name: name, Role: role, Password: testPassword, Teams: teams})
	if err != nil {
		n.t.Fatal(err)
	}
	return u
}
