package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// clock is a settable test clock: backoff and session expiry are tested without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// node is the UI on a fresh database with a small help desk: two service teams, a
// department, an admin, an agent in each team, one customer and one ticket of team A.
type node struct {
	t       testing.TB
	UI      *UI
	URL     string
	DB      *storage.DB
	Clock   *clock
	TeamA   int64
	TeamB   int64
	Dept    int64
	Admin   *user.User
	AgentA  *user.User
	AgentB  *user.User
	Ticket  *ticket.Ticket
	Cust    int64
	Tickets *ticket.Service
}

const testPassword = "correct horse battery"

func newNode(t testing.TB, d storage.Dialect) *node {
	t.Helper()
	db := testutil.NewDB(t, d)
	clk := &clock{t: time.Now()}
	now := clk.Now
	var blobs blob.Store = blob.Files{Dir: filepath.Join(t.TempDir(), "attachments")}
	if d == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	users := user.NewService(db, now)
	customers := customer.NewService(db, now)
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs, Now: now})
	ui := New(Options{DB: db, Users: users, Customers: customers, Tickets: tickets, Tags: tag.NewService(db),
		CustomFields: customfield.NewService(db, now), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, PageSize: 2})
	srv := httptest.NewServer(ui)
	t.Cleanup(srv.Close)
	n := &node{t: t, UI: ui, URL: srv.URL, DB: db, Clock: clk, Tickets: tickets}
	ctx := context.Background()
	sys := auth.System()
	team := func(name, kind string) int64 {
		tm, err := users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		return tm.ID
	}
	n.TeamA, n.TeamB, n.Dept = team("售后一组", "team"), team("售后二组", "team"), team("技术部", "department")
	mk := func(email, name string, role auth.Role, teams ...int64) *user.User {
		u, err := users.Create(ctx, sys, user.CreateInput{Email: email, Name: name, Role: role, Password: testPassword, Teams: teams})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	n.Admin = mk("admin@example.com", "管理员", auth.RoleAdmin)
	n.AgentA = mk("a@example.com", "王小明", auth.RoleAgent, n.TeamA)
	n.AgentB = mk("b@example.com", "李娜", auth.RoleAgent, n.TeamB)
	n.Ticket = n.newTicket("耳机左声道没有声音", "张三", "zhang@example.com", n.TeamA)
	n.Cust = n.Ticket.Customer.ID
	return n
}

// newTicket opens a ticket from a customer in a team, as the customer's first mail.
func (n *node) newTicket(subject, name, email string, team int64) *ticket.Ticket {
	n.t.Helper()
	tk, err := n.Tickets.Create(context.Background(), auth.System(), ticket.CreateInput{
		Subject: subject, Type: "aftersale", Channel: "email", TeamID: team,
		Customer: ticket.CustomerRef{Name: name, Email: email},
		Message:  &ticket.MessageInput{Author: "customer", Body: "您好，" + subject + "，请帮忙处理。"},
	})
	if err != nil {
		n.t.Fatal(err)
	}
	return tk
}

// forEachEngine runs f on a fresh node per engine.
func forEachEngine(t *testing.T, f func(t *testing.T, n *node)) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, newNode(t, d))
		})
	}
}

// browser is an HTTP client with cookies that does not follow redirects, so tests see them.
type browser struct {
	t    testing.TB
	n    *node
	c    *http.Client
	csrf string // the session's token, read from the last page
}

// page is an answer with its body read.
type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (n *node) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: n.t, n: n, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := &page{Status: res.StatusCode, Body: string(body), Location: res.Header.Get("Location"), Header: res.Header}
	if m := csrfField.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p
}

// get fetches a page.
func (b *browser) get(path string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.n.URL+path, nil)
	return b.do(req)
}

// post sends a form with the session's CSRF token (unless the form has its own _csrf).
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("_csrf") {
		form.Set("_csrf", b.csrf)
	}
	return b.postRaw(path, form)
}

// postRaw sends a form as is.
func (b *browser) postRaw(path string, form url.Values) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.n.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in as a user and returns the browser.
func (n *node) signIn(u *user.User) *browser {
	n.t.Helper()
	b := n.browser()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		n.t.Fatalf("sign in as %s: %d %s", u.Email, p.Status, p.Body)
	}
	b.get("/") // reads the session's CSRF token
	return b
}

// must fails the test unless the page has the status and contains every string.
func (p *page) must(t testing.TB, status int, contains ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.Status, status, trim(p.Body))
	}
	for _, s := range contains {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page lacks %q; body:\n%s", s, trim(p.Body))
		}
	}
}

func trim(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// count reads a table's row count straight from the database.
func (n *node) count(table string) int64 {
	n.t.Helper()
	var c int64
	if err := n.DB.Read().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&c); err != nil {
		n.t.Fatal(err)
	}
	return c
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func engines() []storage.Dialect { return testutil.Engines() }
