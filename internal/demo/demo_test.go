package demo_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/cli"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/demo"
	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
	"github.com/kefuhq/kefu/internal/ticket"
)

// The full demo (2,000 tickets) loads on SQLite; PostgreSQL, whose commands do not share a
// commit, gets a smaller company with the same story.
func size(d storage.Dialect) demo.Options {
	if d == storage.Postgres || testing.Short() {
		return demo.Options{Tickets: 400, Customers: 80}
	}
	return demo.Options{}
}

func TestLoad(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := apitest.New(t, d)
			ctx := context.Background()
			o := size(d)
			began := time.Now()
			sum, err := demo.Load(ctx, s.App, o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: loaded %d tickets in %s", d, sum.Tickets, time.Since(began).Round(time.Millisecond))
			var out bytes.Buffer
			sum.Print(&out)
			if testing.Verbose() {
				t.Log(out.String())
			}
			want := o.Tickets
			if want == 0 {
				want = 2000
			}
			q := s.App.DB.Read()
			checkTickets(t, q, want)
			checkPeople(t, q, o.Customers)
			checkHistory(t, q)
			for _, w := range []string{demo.Password, "supervisor", "agent", "department", "@" + sample.CompanyDomain, "演示账号", "demo logins"} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the summary does not mention %q:\n%s", w, out.String())
				}
			}
			checkLogin(t, s, sum)
			checkGuards(t, s, sum.Tickets)
		})
	}
}

func count(t *testing.T, q storage.Querier, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func distinct(t *testing.T, q storage.Querier, query string) map[string]bool {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out[v.String] = true
	}
	return out
}

func checkTickets(t *testing.T, q storage.Querier, want int) {
	n := count(t, q, `SELECT count(*) FROM tickets`)
	if n < want*95/100 || n > want*105/100 {
		t.Errorf("%d tickets, want about %d", n, want)
	}
	for _, c := range []struct {
		what  string
		query string
		all   []string
	}{
		{"type", `SELECT DISTINCT type FROM tickets`, ticket.Types},
		{"after-sale sub-kind", `SELECT DISTINCT subtype FROM tickets WHERE type = 'aftersale'`, ticket.Subtypes},
		{"status", `SELECT DISTINCT status FROM tickets`, ticket.Statuses},
		{"channel", `SELECT DISTINCT channel FROM tickets`, ticket.Channels},
		{"priority", `SELECT DISTINCT CASE priority WHEN 1 THEN 'low' WHEN 2 THEN 'normal' WHEN 3 THEN 'high' ELSE 'urgent' END FROM tickets`, ticket.Priorities},
	} {
		got := distinct(t, q, c.query)
		for _, v := range c.all {
			if !got[v] {
				t.Errorf("no ticket with %s %q", c.what, v)
			}
		}
	}
	rows, err := q.QueryContext(context.Background(), `SELECT subject FROM tickets`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	test := regexp.MustCompile(`(?i)\btest|测试|lorem`)
	han := 0
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if test.MatchString(s) {
			t.Errorf("subject %q looks like test data", s)
		}
		for _, r := range s {
			if unicode.Is(unicode.Han, r) {
				han++
				break
			}
		}
	}
	if han < n*90/100 {
		t.Errorf("%d of %d subjects are Chinese, want at least 90%%", han, n)
	}
	if en := n - han; en == 0 {
		t.Error("no English tickets")
	}
	// VIP customers' tickets are mostly high or urgent; complaints reach the complaints team.
	vip := count(t, q, `SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE c.tier = 'vip'`)
	vipHigh := count(t, q, `SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE c.tier = 'vip' AND t.priority >= 3`)
	if vip == 0 || vipHigh < vip*3/4 {
		t.Errorf("%d of %d VIP tickets are high or urgent", vipHigh, vip)
	}
	if count(t, q, `SELECT count(*) FROM tickets t JOIN teams m ON m.id = t.team_id WHERE t.type = 'complaint' AND m.name = '投诉处理组'`) == 0 {
		t.Error("no complaint reached 投诉处理组")
	}
	// Time spreads over the period, and nothing happened in the future.
	now := time.Now().UnixMilli()
	if c := count(t, q, `SELECT count(*) FROM tickets WHERE created_at < $1`, now-80*24*3600*1000); c == 0 {
		t.Error("no ticket is older than 80 days")
	}
	if c := count(t, q, `SELECT count(*) FROM events WHERE created_at > $1`, now+1000); c > 0 {
		t.Errorf("%d events in the future", c)
	}
	if c := count(t, q, `SELECT count(*) FROM tickets WHERE first_response_at IS NOT NULL`); c < n/2 {
		t.Errorf("only %d tickets have a first response", c)
	}
	if c := count(t, q, `SELECT count(*) FROM messages WHERE kind = 'note'`); c == 0 {
		t.Error("no internal notes")
	}
}

func checkPeople(t *testing.T, q storage.Querier, customers int) {
	if customers == 0 {
		customers = 300
	}
	if n := count(t, q, `SELECT count(*) FROM customers`); n != customers {
		t.Errorf("%d customers, want %d", n, customers)
	}
	tiers := map[string]int{}
	for _, tier := range customer.Tiers {
		tiers[tier] = count(t, q, `SELECT count(*) FROM customers WHERE tier = $1`, tier)
		if tiers[tier] == 0 {
			t.Errorf("no %s customer", tier)
		}
	}
	if !(tiers["vip"] < tiers["key"] && tiers["key"] < tiers["ordinary"]) {
		t.Errorf("tiers %v are not a pyramid", tiers)
	}
	if count(t, q, `SELECT count(*) FROM customers WHERE organization <> ''`) == 0 {
		t.Error("no company customers")
	}
	if len(distinct(t, q, `SELECT DISTINCT stage FROM customers`)) < 3 {
		t.Error("customers are all in one lifecycle stage")
	}
	if count(t, q, `SELECT count(*) FROM customer_tags`) == 0 {
		t.Error("no customer tags")
	}
	users := count(t, q, `SELECT count(*) FROM users`)
	if users < 18 || users > 25 {
		t.Errorf("%d users, want about 20", users)
	}
	roles := distinct(t, q, `SELECT DISTINCT role FROM users`)
	for _, r := range auth.Roles {
		if !roles[string(r)] {
			t.Errorf("no %s", r)
		}
	}
	teams := distinct(t, q, `SELECT name FROM teams`)
	for _, s := range append(sample.Teams(), sample.Departments()...) {
		if !teams[s.Name] {
			t.Errorf("no team or department %s", s.Name)
		}
	}
}

func checkHistory(t *testing.T, q storage.Querier) {
	for _, action := range []string{"transferred", "merged", "merged_from", "split", "linked", "reopened", "owner_set", "assigned"} {
		if count(t, q, `SELECT count(*) FROM events WHERE subject_kind = 'ticket' AND action = $1`, action) == 0 {
			t.Errorf("no ticket event %q", action)
		}
	}
	if count(t, q, `SELECT count(*) FROM events WHERE action = 'transferred' AND actor_kind = 'user' AND detail LIKE '%转%'`) == 0 {
		t.Error("no transfer by an agent with a Chinese reason")
	}
	if count(t, q, `SELECT count(*) FROM events WHERE action = 'updated' AND field = 'department'`) == 0 {
		t.Error("no hand-off to a department")
	}
	if count(t, q, `SELECT count(*) FROM messages m JOIN users u ON u.id = m.author_user_id WHERE u.role = 'department' AND m.kind = 'note'`) == 0 {
		t.Error("no department note")
	}
	if count(t, q, `SELECT count(*) FROM events WHERE action = 'status_changed' AND old_value = 'pending_department' AND new_value = 'open' AND actor_kind = 'user'`) == 0 {
		t.Error("no department handed a ticket back")
	}
	if count(t, q, `SELECT count(*) FROM tickets WHERE merged_into_id IS NOT NULL`) == 0 {
		t.Error("no merged ticket")
	}
	// First-contact ownership: an owner is set once and no transfer changes it.
	rows, err := q.QueryContext(context.Background(), `SELECT e.subject_id, e.action, COALESCE(e.new_value, ''), COALESCE(t.owner_id, 0)
		FROM events e JOIN tickets t ON t.id = e.subject_id
		WHERE e.subject_kind = 'ticket' AND e.action IN ('owner_set', 'transferred') ORDER BY e.subject_id, e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type state struct {
		owner       string
		sets        int
		transferred bool
	}
	seen := map[int64]*state{}
	final := map[int64]int64{}
	for rows.Next() {
		var id, owner int64
		var action, value string
		if err := rows.Scan(&id, &action, &value, &owner); err != nil {
			t.Fatal(err)
		}
		s := seen[id]
		if s == nil {
			s = &state{}
			seen[id] = s
		}
		final[id] = owner
		if action == "owner_set" {
			s.sets++
			s.owner = value
		} else if s.owner != "" {
			s.transferred = true
		}
	}
	transfers := 0
	for id, s := range seen {
		if s.sets > 1 {
			t.Errorf("ticket %d: owner set %d times", id, s.sets)
		}
		if s.transferred {
			transfers++
			if fmt.Sprint(final[id]) != s.owner {
				t.Errorf("ticket %d: owner %s before a transfer, %d after", id, s.owner, final[id])
			}
		}
	}
	if transfers == 0 {
		t.Error("no ticket was transferred after its owner was set")
	}
}

// checkLogin signs in as a demo agent and lists their tickets.
func checkLogin(t *testing.T, s *apitest.Server, sum *demo.Summary) {
	ctx := context.Background()
	var email string
	for _, l := range sum.Staff {
		if l.Role == auth.RoleAgent {
			email = l.Email
			break
		}
	}
	u, err := s.App.Users.CheckPassword(ctx, email, demo.Password)
	if err != nil {
		t.Fatalf("sign in as %s with the demo password: %v", email, err)
	}
	page, err := s.App.Tickets.List(ctx, u.Actor(), ticket.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) == 0 {
		t.Errorf("%s sees no tickets", email)
	}
}

// checkGuards: serve --demo does nothing the second time; kefu demo refuses without --force.
func checkGuards(t *testing.T, s *apitest.Server, tickets int) {
	ctx := context.Background()
	var out, errs bytes.Buffer
	if err := cli.DemoLoader(ctx, s.App, cli.Env{Stdout: &out, Stderr: &errs}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "skipped") || !strings.Contains(out.String(), "跳过") {
		t.Errorf("serve --demo on a loaded database said %q", out.String())
	}
	q := s.App.DB.Read()
	if n := count(t, q, `SELECT count(*) FROM tickets`); n != tickets {
		t.Errorf("%d tickets after a second serve --demo, want %d", n, tickets)
	}
	out.Reset()
	code := cli.Run(ctx, cli.Env{Stdout: &out, Stderr: &errs}, []string{"demo", "--data=" + s.App.Config.DataDir, "--db=" + s.App.Config.DB})
	if code != 1 || !strings.Contains(errs.String(), "--force") {
		t.Errorf("kefu demo on a loaded database: exit %d, stderr %q", code, errs.String())
	}
	if n := count(t, q, `SELECT count(*) FROM tickets`); n != tickets {
		t.Errorf("%d tickets after a refused kefu demo, want %d", n, tickets)
	}
}

// TestDeterministic: the same seed at the same moment tells the same story. A second load
// with Force (which reuses the staff and customers) repeats the first, ticket for ticket.
func TestDeterministic(t *testing.T) {
	now := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	s := apitest.New(t, storage.SQLite)
	ctx := context.Background()
	o := demo.Options{Tickets: 150, Customers: 40, Now: now}
	if _, err := demo.Load(ctx, s.App, o); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, s.App, o); err == nil {
		t.Fatal("a second load without Force went ahead")
	}
	o.Force = true
	if _, err := demo.Load(ctx, s.App, o); err != nil {
		t.Fatal(err)
	}
	rows, err := s.App.DB.Read().QueryContext(ctx, `SELECT t.number, t.subject, t.status, t.priority, t.created_at, t.updated_at,
		t.message_count, COALESCE(u.email, ''), COALESCE(tm.name, ''), c.name
		FROM tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN users u ON u.id = t.owner_id LEFT JOIN teams tm ON tm.id = t.team_id
		ORDER BY t.number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []string
	var first int64
	for rows.Next() {
		var number, prio, created, updated, msgs int64
		var subject, status, owner, team, name string
		if err := rows.Scan(&number, &subject, &status, &prio, &created, &updated, &msgs, &owner, &team, &name); err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = number
		}
		all = append(all, fmt.Sprint(number-first, subject, status, prio, created, updated, msgs, owner, team, name))
	}
	half := len(all) / 2
	if len(all) < 200 || len(all)%2 != 0 {
		t.Fatalf("%d tickets after two loads", len(all))
	}
	for i := range half {
		a, b := all[i], all[half+i]
		// The second copy's numbers start where the first ended.
		_, a, _ = strings.Cut(a, " ")
		_, b, _ = strings.Cut(b, " ")
		if a != b {
			t.Fatalf("ticket %d differs between loads:\n%s\n%s", i, a, b)
		}
	}
	if n := count(t, s.App.DB.Read(), `SELECT count(*) FROM customers`); n != 40 {
		t.Errorf("%d customers after a forced second load, want the same 40", n)
	}
	if n := count(t, s.App.DB.Read(), `SELECT count(*) FROM users`); n > 25 {
		t.Errorf("%d users after a forced second load: staff were not reused", n)
	}
}
