package portal

import (
	"bytes"
	"context"
	"github.com/kefuhq/kefu/internal/testutil/smtptest"
	"io"
	"log/slog"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	kmail "github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/portal/account"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// env is a portal on a fresh database with the real domain services, a real SMTP server
// on 127.0.0.1 that keeps what it is given, and a clock the test can move.
type env struct {
	t         *testing.T
	db        *storage.DB
	srv       *httptest.Server
	portal    *Portal
	mail      *kmail.Service
	tickets   *ticket.Service
	customers *customer.Service
	users     *user.Service
	smtp      *smtptest.Server
	offset    atomic.Int64 // added to the real time, in ms
}

func (e *env) now() time.Time {
	return time.Now().Add(time.Duration(e.offset.Load()) * time.Millisecond)
}

// advance moves the clock of the sign-in links, sessions and limits.
func (e *env) advance(d time.Duration) { e.offset.Add(d.Milliseconds()) }

// forEachEngine runs f on a fresh environment per engine; withMail connects a mailbox
// with an SMTP server.
func forEachEngine(t *testing.T, withMail bool, f func(t *testing.T, e *env)) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		f(t, newEnv(t, db, withMail))
	})
}

func newEnv(t *testing.T, db *storage.DB, withMail bool) *env {
	t.Helper()
	e := &env{t: t, db: db}
	var blobs blob.Store = blob.Files{Dir: t.TempDir()}
	if db.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	e.customers = customer.NewService(db, e.now)
	e.users = user.NewService(db, e.now)
	e.tickets = ticket.NewService(ticket.Options{DB: db, Customers: e.customers, Blobs: blobs, Now: e.now})
	sealer, err := kmail.NewSealer("portal test secret key, 32 chars")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.mail = kmail.NewService(kmail.Options{DB: db, Tickets: e.tickets, Blobs: blobs, Sealer: sealer, Logger: logger, Now: e.now})
	if withMail {
		e.smtp = smtptest.Start(t)
		in := kmail.MailboxInput{
			Name: ptr("售后"), Address: ptr("support@example.com"), FromName: ptr("示例客服"),
			IMAPHost: ptr("127.0.0.1"), IMAPPort: ptr(1), IMAPTLS: ptr("none"), IMAPUser: ptr("support"),
			SMTPHost: ptr(e.smtp.Host), SMTPPort: ptr(e.smtp.Port), SMTPTLS: ptr("none"),
		}
		if _, err := e.mail.CreateMailbox(context.Background(), auth.System(), in); err != nil {
			t.Fatal(err)
		}
	}
	e.portal = New(Options{
		DB: db, Accounts: account.NewService(db, e.mail, e.now), Tickets: e.tickets, Ratings: rating.NewService(db, e.tickets, e.now),
		Logger: logger, Now: e.now, PublicURL: "http://portal.test",
		Limits: Limits{LinksPerIP: 50, LinksPerAddress: 3, PasswordsPerIP: 50},
	})
	e.srv = httptest.NewServer(e.portal)
	t.Cleanup(e.srv.Close)
	return e
}

func ptr[T any](v T) *T { return &v }

// customer creates a customer with an email address and returns its id.
func (e *env) customer(name, email string) int64 {
	e.t.Helper()
	c, err := e.customers.Create(context.Background(), auth.System(), customer.Input{Name: &name, Emails: []string{email}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// ticketFor opens a ticket for a customer (as an email integration would) and returns its number.
func (e *env) ticketFor(customerID int64, subject, body string) int64 {
	e.t.Helper()
	tk, err := e.tickets.Create(context.Background(), auth.System(), ticket.CreateInput{
		Subject: subject, Channel: "email", Customer: ticket.CustomerRef{ID: customerID},
		Message: &ticket.MessageInput{Body: body, Author: "customer"},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk.Number
}

// agent creates an admin agent and returns their actor.
func (e *env) agent(email, name string) auth.Actor {
	e.t.Helper()
	u, err := e.users.Create(context.Background(), auth.System(), user.CreateInput{Email: email, Name: name, Role: auth.RoleAdmin, Password: "password-" + email})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// browser is one browser: its own cookies, no automatic redirects (the test follows them).
type browser struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, lang: "zh-CN", c: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is an answer with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) *page {
	b.e.t.Helper()
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) *page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form; fields are name, value pairs.
func (b *browser) post(path string, fields ...string) *page {
	b.e.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload is a file of a multipart form.
type upload struct {
	name string
	data []byte
}

// postMultipart sends a form with files under "files".
func (b *browser) postMultipart(path string, files []upload, fields ...string) *page {
	b.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	for _, f := range files {
		fw, _ := w.CreateFormFile("files", f.name)
		fw.Write(f.data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the form token of a page.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	p := b.get(path)
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("no form token on %s (%d): %s", path, p.status, p.body)
	}
	return m[1]
}

// requestLink asks for a sign-in link for an address.
func (b *browser) requestLink(email string) *page {
	b.e.t.Helper()
	return b.post("/portal/login/link", "_csrf", b.csrf("/portal/login"), "email", email)
}

// signIn signs the browser in by a link mailed through the SMTP server.
func (b *browser) signIn(email string) {
	b.e.t.Helper()
	if p := b.requestLink(email); p.status != http.StatusSeeOther {
		b.e.t.Fatalf("request link: %d %s", p.status, p.body)
	}
	token := b.e.mailedToken(email)
	if p := b.useLink(token); p.status != http.StatusSeeOther || p.header.Get("Location") != "/portal/" {
		b.e.t.Fatalf("use link: %d %s", p.status, p.body)
	}
}

// useLink opens a sign-in link and presses its button.
func (b *browser) useLink(token string) *page {
	b.e.t.Helper()
	return b.post("/portal/link", "_csrf", b.csrf("/portal/link?t="+url.QueryEscape(token)), "t", token)
}

var linkRE = regexp.MustCompile(`http://portal\.test/portal/link\?t=([A-Za-z0-9_-]+)`)

// mailedToken sends the outbox through the SMTP server and returns the token of the newest
// sign-in link mailed to an address.
func (e *env) mailedToken(to string) string {
	e.t.Helper()
	if _, err := e.mail.SendDue(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	mails := e.smtp.Sent()
	for i := len(mails) - 1; i >= 0; i-- {
		m := mails[i]
		if len(m.To) != 1 || m.To[0] != to {
			continue
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			e.t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			e.t.Fatal(err)
		}
		if got := linkRE.FindStringSubmatch(string(body)); got != nil {
			return got[1]
		}
		e.t.Fatalf("mail to %s has no link:\n%s", to, body)
	}
	e.t.Fatalf("no mail to %s among %d", to, len(mails))
	return ""
}

// must fails the test unless the page has the status.
func (p *page) must(t testing.TB, status int, what string) *page {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
	return p
}

func (p *page) has(t testing.TB, what string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: the page lacks %q", what, s)
		}
	}
}

func (p *page) lacks(t testing.TB, what string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: the page shows %q", what, s)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
