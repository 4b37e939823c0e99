package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// Department staff see only what is handed to them: they write notes and hand it back.
func TestDepartmentStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		staff, err := n.UI.Users.Create(ctx, auth.System(), user.CreateInput{Email: "tech@example.com", Name: "技术员", Role: auth.RoleDepartment, Password: testPassword, Teams: []int64{n.Dept}})
		if err != nil {
			t.Fatal(err)
		}
		path := "/tickets/" + itoa(n.Ticket.Number)
		b := n.signIn(staff)
		b.get(path).must(t, http.StatusNotFound)

		st := ticket.StatusPendingDepartment
		if _, err := n.Tickets.Update(ctx, auth.System(), n.Ticket.Number, ticket.Patch{Status: &st, DepartmentID: ticket.OptionalID{Set: true, Value: n.Dept}}); err != nil {
			t.Fatal(err)
		}
		p := b.get(path)
		p.must(t, http.StatusOK, `id="kind-note"`, `id="hand-back"`)
		if strings.Contains(p.Body, `id="kind-reply"`) || strings.Contains(p.Body, `id="transfer"`) || strings.Contains(p.Body, `href="/customers"`) {
			t.Fatal("department staff offered agent tools")
		}
		b.post(path+"/messages", url.Values{"kind": {"note"}, "body": {"原因：固件缺陷；已修复"}}).must(t, http.StatusSeeOther)
		b.post(path+"/messages", url.Values{"kind": {"reply"}, "body": {"直接回复客户"}}).must(t, http.StatusForbidden)
		cur, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		b.post(path+"/fields", url.Values{"status": {"open"}, "version": {itoa(cur.Version)}}).must(t, http.StatusSeeOther)
		got, _ := n.Tickets.Get(ctx, auth.System(), n.Ticket.Number)
		if got.Status != ticket.StatusOpen {
			t.Fatalf("hand back: %s", got.Status)
		}
		b.get("/customers").must(t, http.StatusForbidden)
	})
}
