package portal

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A customer signs in by a link that travels through the outbox and a real SMTP server;
// the link works once, for 15 minutes, and only for its customer.
func TestSignInByLink(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		zhang := e.customer("张伟", "zhang@example.cn")
		n := e.ticketFor(zhang, "订单 8812 没有发货", "下单三天了还没有发货。")

		b := e.browser()
		b.get("/portal/").must(t, http.StatusFound, "a guest's list")
		b.get("/portal/login").must(t, http.StatusOK, "sign-in page").has(t, "sign-in page", "登录客服中心", "发送登录链接")
		p := b.requestLink(" Zhang@Example.cn ").must(t, http.StatusSeeOther, "request link")
		if loc := p.header.Get("Location"); loc != "/portal/login?sent=1" {
			t.Fatalf("redirect to %q", loc)
		}
		b.get("/portal/login?sent=1").has(t, "after the request", "如果我们有这个邮箱的记录")

		// The link is an outbox row, from the mailbox, to the customer: nothing else holds it.
		var kind, to, state string
		e.db.Read().QueryRowContext(context.Background(), `SELECT kind, to_addr, state FROM mail_outbox`).Scan(&kind, &to, &state)
		if kind != "auto" || to != "zhang@example.cn" || state != "queued" {
			t.Fatalf("outbox row: %s %s %s", kind, to, state)
		}
		token := e.mailedToken("zhang@example.cn")
		mails := e.smtp.Sent()
		if len(mails) != 1 || mails[0].From != "support@example.com" || !bytes.Contains(mails[0].Data, []byte("Auto-Submitted: auto-replied")) {
			t.Fatalf("mails: %d, from %q", len(mails), mails[0].From)
		}
		if e.count(`SELECT count(*) FROM portal_links WHERE token_hash = $1`, token) != 0 {
			t.Fatal("the link's token is stored in clear")
		}

		// Opening the link changes nothing (mail scanners open links); the button signs in.
		b.get("/portal/link?t="+token).must(t, http.StatusOK, "link page")
		b.get("/portal/link?t="+token).must(t, http.StatusOK, "link page again")
		b.useLink(token).must(t, http.StatusSeeOther, "use link")
		list := b.get("/portal/").must(t, http.StatusOK, "my tickets")
		list.has(t, "my tickets", "订单 8812 没有发货", "/portal/tickets/"+itoa(int(n)), "邮件", "张伟")
		for _, ck := range b.c.Jar.Cookies(mustURL(e.srv.URL + "/portal/")) {
			if ck.Name == sessionCookie && e.count(`SELECT count(*) FROM portal_sessions WHERE token_hash = $1`, ck.Value) != 0 {
				t.Fatal("the session token is stored in clear")
			}
		}

		// Used once: a second use, even from another browser, is refused.
		other := e.browser()
		other.useLink(token).must(t, http.StatusGone, "a used link").has(t, "used link", "此登录链接无效、已过期或已使用")
		other.get("/portal/").must(t, http.StatusFound, "after a refused link")

		// Expired: a link older than 15 minutes is refused.
		other.requestLink("zhang@example.cn").must(t, http.StatusSeeOther, "second link")
		late := e.mailedToken("zhang@example.cn")
		if late == token {
			t.Fatal("the same token twice")
		}
		e.advance(16 * time.Minute)
		other.useLink(late).must(t, http.StatusGone, "an expired link")
		other.useLink("made-up-token").must(t, http.StatusGone, "a made-up token")

		// Sign out ends the session on the server, not only in this browser.
		cookies := b.c.Jar.Cookies(mustURL(e.srv.URL + "/portal/"))
		b.post("/portal/logout", "_csrf", b.csrf("/portal/")).must(t, http.StatusSeeOther, "sign out")
		thief := e.browser()
		thief.c.Jar.SetCookies(mustURL(e.srv.URL+"/portal/"), cookies)
		thief.get("/portal/").must(t, http.StatusFound, "a signed-out session")
	})
}

// Someone asking for a link learns nothing about which addresses are customers: the same
// answer, the same limits; only a customer gets a mail.
func TestLinkRequestsDoNotEnumerate(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		e.customer("李娜", "li@example.cn")
		b := e.browser()
		known := b.requestLink("li@example.cn")
		unknown := b.requestLink("nobody@example.cn")
		malformed := b.requestLink("not an address")
		for _, p := range []*page{unknown, malformed} {
			if p.status != known.status || p.header.Get("Location") != known.header.Get("Location") || p.body != known.body {
				t.Fatalf("known: %d %q; other: %d %q", known.status, known.header.Get("Location"), p.status, p.header.Get("Location"))
			}
		}
		if n := e.count(`SELECT count(*) FROM mail_outbox`); n != 1 {
			t.Fatalf("%d mails queued, want 1 (only the customer's)", n)
		}
		// Three requests per address per window, known or not; the fourth waits, alike.
		for i := 0; i < 2; i++ {
			b.requestLink("li@example.cn").must(t, http.StatusSeeOther, "known again")
			b.requestLink("nobody@example.cn").must(t, http.StatusSeeOther, "unknown again")
		}
		k := b.requestLink("li@example.cn").must(t, http.StatusTooManyRequests, "known, fourth")
		u := b.requestLink("nobody@example.cn").must(t, http.StatusTooManyRequests, "unknown, fourth")
		k.has(t, "limited", "请求过于频繁")
		if strings.ReplaceAll(k.body, "li@example.cn", "X") != strings.ReplaceAll(u.body, "nobody@example.cn", "X") {
			t.Fatal("the limited answers differ")
		}
		if n := e.count(`SELECT count(*) FROM portal_links`); n != 3 {
			t.Fatalf("%d links, want 3", n)
		}
		// A new window lets the address ask again.
		e.advance(16 * time.Minute)
		b.requestLink("li@example.cn").must(t, http.StatusSeeOther, "after the window")
	})
}

// Links are limited per address and per IP, counted in the database for every node.
func TestLinkRequestsLimitedPerIP(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		e.portal.Limits.LinksPerIP = 4
		b := e.browser()
		for i := 0; i < 4; i++ {
			b.requestLink("someone"+itoa(i)+"@example.cn").must(t, http.StatusSeeOther, "within the limit")
		}
		b.requestLink("someone-else@example.cn").must(t, http.StatusTooManyRequests, "over the IP limit")
	})
}

// Without a mailbox that can send, the page says the portal's mail is not configured, and
// a request says so too, for every address alike: never a silent nothing.
func TestMailNotConfigured(t *testing.T) {
	forEachEngine(t, false, func(t *testing.T, e *env) {
		e.customer("王芳", "wang@example.cn")
		b := e.browser()
		login := b.get("/portal/login").must(t, http.StatusOK, "sign-in page")
		login.has(t, "sign-in page", "客服中心的邮件尚未配置", "用密码登录")
		login.lacks(t, "sign-in page", `id="link-form"`)
		token := b.csrf("/portal/login")
		known := b.post("/portal/login/link", "_csrf", token, "email", "wang@example.cn").must(t, http.StatusServiceUnavailable, "known")
		unknown := b.post("/portal/login/link", "_csrf", token, "email", "x@example.cn").must(t, http.StatusServiceUnavailable, "unknown")
		known.has(t, "known", "客服中心的邮件尚未配置")
		unknown.has(t, "unknown", "客服中心的邮件尚未配置")
		if n := e.count(`SELECT count(*) FROM portal_links`) + e.count(`SELECT count(*) FROM mail_outbox`); n != 0 {
			t.Fatalf("%d rows written", n)
		}
		en := e.browser()
		en.lang = "en"
		en.get("/portal/login").has(t, "English", "mail is not set up yet")
	})
}

// Guest forms need the double-submit token; signed-in forms the session's token.
func TestCSRFRefused(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		zhang := e.customer("张伟", "zhang@example.cn")
		n := e.ticketFor(zhang, "发票", "请开发票。")
		b := e.browser()
		b.get("/portal/login")
		b.post("/portal/login/link", "email", "zhang@example.cn").must(t, http.StatusForbidden, "link without token")
		b.post("/portal/login/link", "_csrf", "forged-token-forged-token-forged!", "email", "zhang@example.cn").must(t, http.StatusForbidden, "link with a forged token")
		b.post("/portal/login/password", "email", "zhang@example.cn", "password", "x").must(t, http.StatusForbidden, "password without token")
		if e.count(`SELECT count(*) FROM portal_links`) != 0 {
			t.Fatal("a link was made without a token")
		}
		b.signIn("zhang@example.cn")
		before := e.count(`SELECT count(*) FROM messages`)
		b.post("/portal/tickets/"+itoa(int(n))+"/replies", "body", "没有令牌").must(t, http.StatusForbidden, "reply without token")
		b.postMultipart("/portal/tickets/"+itoa(int(n))+"/replies", nil, "_csrf", "wrong", "body", "错误令牌").must(t, http.StatusForbidden, "multipart reply with a wrong token")
		b.post("/portal/tickets", "subject", "无令牌", "body", "x").must(t, http.StatusForbidden, "new request without token")
		b.post("/portal/account/password", "password", "a-new-password", "again", "a-new-password").must(t, http.StatusForbidden, "password without token")
		b.post("/portal/logout").must(t, http.StatusForbidden, "sign out without token")
		if after := e.count(`SELECT count(*) FROM messages`); after != before {
			t.Fatalf("messages %d → %d", before, after)
		}
		if e.count(`SELECT count(*) FROM portal_accounts`) != 0 {
			t.Fatal("a password was set without a token")
		}
	})
}

// The optional password: set it (with translated field errors), sign in with it, back off
// after wrong ones.
func TestPassword(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		zhang := e.customer("张伟", "zhang@example.cn")
		b := e.browser()
		b.signIn("zhang@example.cn")
		token := b.csrf("/portal/account")
		b.post("/portal/account/password", "_csrf", token, "password", "short", "again", "short").
			must(t, http.StatusUnprocessableEntity, "short password").has(t, "short password", "密码至少 8 个字符")
		b.post("/portal/account/password", "_csrf", token, "password", "long enough", "again", "different").
			must(t, http.StatusUnprocessableEntity, "mismatch").has(t, "mismatch", "两次输入的密码不一致")
		if e.count(`SELECT count(*) FROM portal_accounts`) != 0 {
			t.Fatal("a bad password was stored")
		}
		b.post("/portal/account/password", "_csrf", token, "password", "我的密码 long enough", "again", "我的密码 long enough").must(t, http.StatusSeeOther, "set password")
		if e.count(`SELECT count(*) FROM events WHERE subject_kind = 'customer' AND subject_id = $1 AND action = 'portal_password_set'`, zhang) != 1 {
			t.Fatal("no event on the customer")
		}
		var hash string
		e.db.Read().QueryRowContext(context.Background(), `SELECT password_hash FROM portal_accounts`).Scan(&hash)
		if !strings.HasPrefix(hash, "$argon2id$") {
			t.Fatalf("stored %q", hash)
		}

		g := e.browser()
		tok := g.csrf("/portal/login")
		g.post("/portal/login/password", "_csrf", tok, "email", "zhang@example.cn", "password", "wrong one").must(t, http.StatusUnauthorized, "wrong password").
			has(t, "wrong password", "邮箱或密码不正确")
		g.post("/portal/login/password", "_csrf", tok, "email", "nobody@example.cn", "password", "wrong one").must(t, http.StatusUnauthorized, "unknown address")
		g.post("/portal/login/password", "_csrf", tok, "email", "ZHANG@example.cn", "password", "我的密码 long enough").must(t, http.StatusSeeOther, "right password")
		g.get("/portal/").must(t, http.StatusOK, "signed in by password")

		// Five wrong passwords in a row cost nothing more; then the address waits.
		h := e.browser()
		tok = h.csrf("/portal/login")
		for i := 0; i < 4; i++ {
			h.post("/portal/login/password", "_csrf", tok, "email", "zhang@example.cn", "password", "guess").must(t, http.StatusUnauthorized, "guess")
		}
		h.post("/portal/login/password", "_csrf", tok, "email", "zhang@example.cn", "password", "guess").must(t, http.StatusUnauthorized, "fifth guess").
			has(t, "fifth guess", "尝试次数过多")
		h.post("/portal/login/password", "_csrf", tok, "email", "zhang@example.cn", "password", "我的密码 long enough").
			must(t, http.StatusTooManyRequests, "right password while locked")
		e.advance(time.Minute)
		h.post("/portal/login/password", "_csrf", tok, "email", "zhang@example.cn", "password", "我的密码 long enough").must(t, http.StatusSeeOther, "after the lock")
	})
}

// The language is remembered: a cookie for guests, the customer's setting once signed in.
func TestLanguageRemembered(t *testing.T) {
	forEachEngine(t, true, func(t *testing.T, e *env) {
		e.customer("Anna", "anna@example.com")
		b := e.browser()
		b.get("/portal/login").has(t, "default", "登录客服中心")
		b.post("/portal/language", "lang", "en", "_back", "/portal/login").must(t, http.StatusSeeOther, "switch")
		b.get("/portal/login").has(t, "after switching", "Sign in to the help center")
		b.signIn("anna@example.com")
		b.post("/portal/language", "_csrf", b.csrf("/portal/"), "lang", "en", "_back", "//evil.example/").must(t, http.StatusSeeOther, "switch signed in")
		// Another browser, Chinese by its header, shows English once she signs in there.
		c := e.browser()
		c.signIn("anna@example.com")
		c.get("/portal/").has(t, "remembered", "My requests")
		if p := c.post("/portal/language", "_csrf", c.csrf("/portal/"), "lang", "zh-CN", "_back", "//evil.example/"); p.header.Get("Location") != "/portal/" {
			t.Fatalf("redirected to %q", p.header.Get("Location"))
		}
	})
}
