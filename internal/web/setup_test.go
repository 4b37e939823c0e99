package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/user"
)

// withoutAdmin switches the node's admins off, as if the installation had none.
func (n *node) withoutAdmin() {
	n.t.Helper()
	err := n.DB.Write(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE users SET active = false WHERE role = 'admin'`)
		return err
	})
	if err != nil {
		n.t.Fatal(err)
	}
}

func setupForm(code string) url.Values {
	return url.Values{"name": {"林管理"}, "email": {"lin@example.com"}, "password": {"setup-password-1"}, "again": {"setup-password-1"},
		"locale": {"zh-CN"}, "time_zone": {"Asia/Shanghai"}, "code": {code}}
}

func TestSetupNeedsCodeOnPublicAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.browser()
		// With an admin, there is nothing to set up.
		b.get("/login").must(t, http.StatusOK, `action="/login"`)
		if p := b.get("/setup"); p.Status != http.StatusFound || p.Location != "/login" {
			t.Fatalf("setup with an admin: %d %s", p.Status, p.Location)
		}
		n.withoutAdmin()
		if p := b.get("/login"); p.Status != http.StatusFound || p.Location != "/setup" {
			t.Fatalf("login without an admin: %d %s, want the setup page", p.Status, p.Location)
		}
		// Not on loopback (SetupOpen false): the page asks for the code it printed.
		b.get("/setup").must(t, http.StatusOK, "首次设置", `name="code"`, "设置码")
		code := n.UI.setup.code
		if code == "" {
			t.Fatal("the setup page printed no code")
		}
		b.post("/setup", setupForm("")).must(t, http.StatusUnprocessableEntity, "设置码不能为空")
		b.post("/setup", setupForm("AAAAA-AAAAA")).must(t, http.StatusUnprocessableEntity, "设置码不正确", `value="lin@example.com"`)
		mismatch := setupForm(code)
		mismatch.Set("again", "something-else")
		b.post("/setup", mismatch).must(t, http.StatusUnprocessableEntity, "两次输入的密码不一致")
		if n.count("users") != 3 {
			t.Fatal("a refused setup created a user")
		}
		// Without the form's token the claim is refused.
		bad := setupForm(code)
		bad.Set("_csrf", "forged")
		b.post("/setup", bad).must(t, http.StatusForbidden)
		// A code expires after a day; the page then prints a new one.
		n.Clock.Add(user.SetupCodeLifetime + time.Minute)
		b.post("/setup", setupForm(code)).must(t, http.StatusUnprocessableEntity, "设置码不正确")
		b.get("/setup").must(t, http.StatusOK, `name="code"`)
		if n.UI.setup.code == code || n.UI.setup.code == "" {
			t.Fatal("no new code after the old one expired")
		}
		code = n.UI.setup.code
		// The code is forgiving about case and the dash.
		p := b.post("/setup", setupForm(strings.ToLower(strings.ReplaceAll(code, "-", ""))))
		if p.Status != http.StatusSeeOther || p.Location != "/admin/users" {
			t.Fatalf("setup: %d %s", p.Status, trim(p.Body))
		}
		b.get("/admin/users").must(t, http.StatusOK, "林管理", "lin@example.com")
		if ok, _ := n.UI.Users.SetupCodeValid(context.Background(), code); ok {
			t.Fatal("the setup code is still valid after the claim")
		}
		// The page is gone, and a second claim is refused.
		if p := n.browser().get("/setup"); p.Status != http.StatusFound {
			t.Fatalf("setup after the claim: %d", p.Status)
		}
		if _, err := n.UI.Users.ClaimSetup(context.Background(), user.SetupInput{Name: "x", Email: "x@example.com", Password: "password-123", Again: "password-123", Code: code}, true); !errors.Is(err, &apperr.Error{Kind: apperr.KindConflict, Code: "setup_done"}) {
			t.Fatalf("second claim: %v", err)
		}
		var events int64
		n.DB.Read().QueryRowContext(context.Background(), `SELECT count(*) FROM events WHERE subject_kind = 'user' AND action = 'created' AND detail LIKE '%setup%'`).Scan(&events)
		if events != 1 {
			t.Fatalf("%d setup events, want 1", events)
		}
	})
}

func TestSetupOnLoopback(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		n.withoutAdmin()
		n.UI.SetupOpen = true
		b := n.browser()
		p := b.get("/setup")
		p.must(t, http.StatusOK, "首次设置")
		if strings.Contains(p.Body, `name="code"`) || n.UI.setup.code != "" {
			t.Fatal("on loopback the setup page must not need a code")
		}
		// Behind a proxy on this machine, the world may be asking: the code is required.
		req, _ := http.NewRequest(http.MethodGet, n.URL+"/setup", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		b.do(req).must(t, http.StatusOK, `name="code"`)
		form := setupForm("")
		form.Set("locale", "en")
		form.Set("time_zone", "Europe/Berlin")
		if p := b.post("/setup", form); p.Status != http.StatusSeeOther {
			t.Fatalf("setup on loopback: %d %s", p.Status, trim(p.Body))
		}
		u, err := n.UI.Users.GetByEmail(context.Background(), "lin@example.com")
		if err != nil || u.Role != "admin" || u.Locale != "en" || u.TimeZone != "Europe/Berlin" {
			t.Fatalf("first admin: %+v %v", u, err)
		}
		b.get("/").must(t, http.StatusOK, "Inbox") // signed in, in the chosen language
	})
}

// TestSetupRace: two nodes on one database, two claimants at once: one admin, and the other
// claimant is told setup is done.
func TestSetupRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		other := New(n.UI.Options) // a second node: its own printed code, the same database
		ctx := context.Background()
		var c1 string
		for round := range 3 {
			n.withoutAdmin()
			var err error
			c1, err = n.UI.AnnounceSetupCode(ctx)
			if err != nil || c1 == "" {
				t.Fatalf("round %d, code 1: %q %v", round, c1, err)
			}
			c2, err := other.AnnounceSetupCode(ctx)
			if err != nil || c2 == "" || c2 == c1 {
				t.Fatalf("round %d, code 2: %q %v", round, c2, err)
			}
			if again, _ := n.UI.AnnounceSetupCode(ctx); again != "" {
				t.Fatal("a node printed a second code while its first was unused")
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, svc := range []*user.Service{n.UI.Users, other.Users} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					code := []string{c2, c1}[i] // each node accepts the other's code
					_, errs[i] = svc.ClaimSetup(ctx, user.SetupInput{Name: "管理员" + itoa(int64(i)), Email: "root" + itoa(int64(round*10+i)) + "@example.com",
						Password: "password-123", Again: "password-123", Code: code}, true)
				}()
			}
			close(start)
			wg.Wait()
			ok, done := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, &apperr.Error{Kind: apperr.KindConflict, Code: "setup_done"}):
					done++
				default:
					t.Fatalf("round %d, claim: %v", round, err)
				}
			}
			var admins int64
			n.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active`).Scan(&admins)
			if ok != 1 || done != 1 || admins != 1 {
				t.Fatalf("round %d: %d succeeded, %d refused, %d active admins; want 1, 1, 1 (%v)", round, ok, done, admins, errs)
			}
		}
		// The late claimant in a browser sees why.
		b := other.browserOn(t, n)
		b.get("/login")
		p := b.post("/setup", setupForm(c1))
		if p.Status != http.StatusConflict && p.Status != http.StatusFound {
			t.Fatalf("late claim: %d", p.Status)
		}
		if p.Status == http.StatusConflict && !strings.Contains(p.Body, "已有管理员") {
			t.Fatalf("late claim page lacks the reason: %s", trim(p.Body))
		}
	})
}

// browserOn is a browser talking to ui (a second node) on n's database.
func (ui *UI) browserOn(t *testing.T, n *node) *browser {
	srv := newTestServer(t, ui)
	m := *n
	m.URL = srv
	m.t = t
	return m.browser()
}

func newTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
