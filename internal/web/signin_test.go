package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/web/session"
)

func TestSignIn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.browser()
		// A guest is sent to the sign-in page, and back afterwards.
		p := b.get("/tickets/10001")
		if p.Status != http.StatusFound || p.Location != "/login?next=%2Ftickets%2F10001" {
			t.Fatalf("guest: %d %q", p.Status, p.Location)
		}
		b.get("/login").must(t, http.StatusOK, `name="email"`, "登录")

		// The form's own token is required.
		b.postRaw("/login", url.Values{"email": {n.AgentA.Email}, "password": {testPassword}}).must(t, http.StatusForbidden, "表单已过期")

		b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {"wrong password"}}).
			must(t, http.StatusUnauthorized, "邮箱或密码不正确", `value="a@example.com"`)
		b.post("/login", url.Values{"email": {""}, "password": {""}}).must(t, http.StatusUnprocessableEntity, "请输入邮箱和密码")

		p = b.post("/login", url.Values{"email": {"A@Example.com "}, "password": {testPassword}, "next": {"/tickets/10001"}})
		if p.Status != http.StatusSeeOther || p.Location != "/tickets/10001" {
			t.Fatalf("sign in: %d %q %s", p.Status, p.Location, trim(p.Body))
		}
		ck := p.Header.Values("Set-Cookie")
		var sessionCk string
		for _, c := range ck {
			if strings.HasPrefix(c, sessionCookie+"=") {
				sessionCk = c
			}
		}
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sessionCk, want) {
				t.Errorf("session cookie %q lacks %s", sessionCk, want)
			}
		}
		if strings.Contains(sessionCk, "Secure") {
			t.Errorf("session cookie over plain HTTP is Secure: %q", sessionCk)
		}
		// Only the token's hash is stored.
		token := strings.TrimPrefix(strings.SplitN(sessionCk, ";", 2)[0], sessionCookie+"=")
		var stored int
		n.DB.Read().QueryRowContext(context.Background(), `SELECT count(*) FROM web_sessions WHERE token_hash = $1`, token).Scan(&stored)
		if stored != 0 || n.count("web_sessions") != 1 {
			t.Fatalf("sessions: %d rows, %d with the raw token", n.count("web_sessions"), stored)
		}
		b.get("/tickets/10001").must(t, http.StatusOK, "耳机左声道没有声音")
		// Redirect targets stay on this site.
		if got := localPath("//evil.example/x"); got != "/" {
			t.Errorf("localPath = %q", got)
		}

		// Signing out ends the session on the server, not only in this browser.
		b.post("/logout", nil)
		if n.count("web_sessions") != 0 {
			t.Fatal("session left after sign-out")
		}
		if p := b.get("/"); p.Status != http.StatusFound {
			t.Fatalf("after sign-out: %d", p.Status)
		}
	})
}

func TestSignInBackoff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.browser()
		b.get("/login")
		for i := 1; i < session.FreeFailures; i++ {
			b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {"nope"}}).must(t, http.StatusUnauthorized, "邮箱或密码不正确")
		}
		b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {"nope"}}).must(t, http.StatusUnauthorized, "30 秒后再试")
		// Locked: even the right password waits, and says how long.
		b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {testPassword}}).must(t, http.StatusTooManyRequests, "秒后再试")
		// Another login is not affected.
		if p := b.post("/login", url.Values{"email": {n.AgentB.Email}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
			t.Fatalf("other user: %d", p.Status)
		}
		b = n.browser()
		b.get("/login")
		n.Clock.Add(session.FirstLock)
		// One more failure doubles the wait.
		b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {"nope"}}).must(t, http.StatusUnauthorized, "60 秒后再试")
		n.Clock.Add(2 * session.FirstLock)
		if p := b.post("/login", url.Values{"email": {n.AgentA.Email}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
			t.Fatalf("after the wait: %d %s", p.Status, trim(p.Body))
		}
		if n.count("login_failures") != 0 {
			t.Fatal("a success must clear the failures")
		}
	})
}

func TestSessionExpires(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.signIn(n.AgentA)
		b.get("/").must(t, http.StatusOK)
		n.Clock.Add(session.Lifetime)
		if p := b.get("/"); p.Status != http.StatusFound {
			t.Fatalf("expired session: %d", p.Status)
		}
	})
}

func TestSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.signIn(n.AgentA)
		other := n.signIn(n.AgentA)
		b.get("/settings").must(t, http.StatusOK, "修改密码", "Asia/Shanghai")
		b.post("/settings/password", url.Values{"current": {"wrong"}, "password": {"new password 1"}, "again": {"new password 1"}}).
			must(t, http.StatusUnprocessableEntity, "当前密码不正确")
		b.post("/settings/password", url.Values{"current": {testPassword}, "password": {"short"}, "again": {"short"}}).
			must(t, http.StatusUnprocessableEntity, "8")
		b.post("/settings/password", url.Values{"current": {testPassword}, "password": {"new password 1"}, "again": {"new password 2"}}).
			must(t, http.StatusUnprocessableEntity, "两次输入的新密码不一致")
		p := b.post("/settings/password", url.Values{"current": {testPassword}, "password": {"new password 1"}, "again": {"new password 1"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", p.Status, trim(p.Body))
		}
		if _, err := n.UI.Users.CheckPassword(context.Background(), n.AgentA.Email, "new password 1"); err != nil {
			t.Fatal("new password does not work:", err)
		}
		// This browser stays signed in; the other one must sign in again.
		b.get(p.Location).must(t, http.StatusOK, "已保存")
		if p := other.get("/"); p.Status != http.StatusFound {
			t.Fatalf("other session after password change: %d", p.Status)
		}

		// The language is remembered on the user.
		p = b.post("/settings/language", url.Values{"lang": {"en"}, "_back": {"/"}})
		if p.Status != http.StatusSeeOther || p.Location != "/" {
			t.Fatalf("language: %d %q", p.Status, p.Location)
		}
		page := b.get("/")
		page.must(t, http.StatusOK, "My tickets", "Sign out", `lang="en"`)
		if strings.Contains(page.Body, "我的工单") {
			t.Fatal("Chinese left on an English page")
		}
		b.post("/settings/language", url.Values{"time_zone": {"Mars/Olympus"}}).must(t, http.StatusUnprocessableEntity)
	})
}

func TestCSRF(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		b := n.signIn(n.AgentA)
		before := n.count("messages")
		form := url.Values{"kind": {"reply"}, "body": {"您好"}}
		b.postRaw("/tickets/10001/messages", form).must(t, http.StatusForbidden, "表单已过期")
		form.Set("_csrf", "forged")
		b.postRaw("/tickets/10001/messages", form).must(t, http.StatusForbidden)
		// Another session's token is no good either.
		other := n.signIn(n.AgentA)
		form.Set("_csrf", other.csrf)
		b.postRaw("/tickets/10001/messages", form).must(t, http.StatusForbidden)
		if n.count("messages") != before {
			t.Fatal("a rejected form wrote a message")
		}
		// htmx sends the token as a header.
		req, _ := http.NewRequest(http.MethodPost, n.URL+"/tickets/10001/messages", strings.NewReader("kind=reply&body=hi"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
		if p := b.do(req); p.Status != http.StatusSeeOther {
			t.Fatalf("with header: %d %s", p.Status, trim(p.Body))
		}
		if n.count("messages") != before+1 {
			t.Fatal("message not stored")
		}
	})
}
