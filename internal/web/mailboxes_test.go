package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// withMail gives the node's UI the email channel, as app does.
func (n *node) withMail(t *testing.T) *mail.Service {
	t.Helper()
	sealer, err := mail.NewSealer("web test secret key, 32 chars...")
	if err != nil {
		t.Fatal(err)
	}
	var blobs blob.Store = blob.Files{Dir: filepath.Join(t.TempDir(), "mail")}
	if n.DB.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: n.DB}
	}
	m := mail.NewService(mail.Options{DB: n.DB, Tickets: n.Tickets, Blobs: blobs, Sealer: sealer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: n.Clock.Now})
	n.UI.Mail = m
	return m
}

// startIMAPServer is go-imap's in-memory IMAP server on 127.0.0.1 with user "support",
// password "s3cret-口令" and an INBOX.
func startIMAPServer(t *testing.T) (host string, port int) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("support", "s3cret-口令")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
	})
	return serve(t, srv.Serve, func() { srv.Close() })
}

type smtpNoop struct{}

func (smtpNoop) Mail(string, *smtp.MailOptions) error { return nil }
func (smtpNoop) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (smtpNoop) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (smtpNoop) Reset()                               {}
func (smtpNoop) Logout() error                        { return nil }

// startSMTPServer is a go-smtp server on 127.0.0.1 without authentication.
func startSMTPServer(t *testing.T) (host string, port int) {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return smtpNoop{}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	return serve(t, srv.Serve, func() { srv.Close() })
}

func serve(t *testing.T, run func(net.Listener) error, stop func()) (string, int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go run(ln)
	t.Cleanup(stop)
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

var mailboxID = func(loc string) int64 {
	loc = strings.TrimPrefix(loc, "/admin/mailboxes/")
	loc, _, _ = strings.Cut(loc, "?")
	id, _ := strconv.ParseInt(loc, 10, 64)
	return id
}

// An admin connects a mailbox in the workspace, sees a refused form with what was typed
// (never a password), tests the connection against real servers (success, a refused
// login in Chinese), keeps the stored password by leaving the field empty, and disables
// the mailbox. Agents reach none of it; forms without the CSRF token are refused.
func TestMailboxAdminPages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		n.withMail(t)
		imapHost, imapPort := startIMAPServer(t)
		smtpHost, smtpPort := startSMTPServer(t)

		agent := n.signIn(n.AgentA)
		agent.get("/admin/mailboxes").must(t, http.StatusForbidden)
		agent.get("/admin/mailboxes/new").must(t, http.StatusForbidden)
		agent.get("/admin/mail/inbound").must(t, http.StatusForbidden)
		agent.get("/admin/mail/outbox").must(t, http.StatusForbidden)
		agent.post("/admin/mailboxes", url.Values{"name": {"偷偷加的"}, "address": {"x@example.com"}, "imap_host": {"h"}, "imap_user": {"u"}}).must(t, http.StatusForbidden)
		agent.post("/admin/mail/outbox/1/retry", nil).must(t, http.StatusForbidden)
		agent.post("/admin/mail/inbound/1/reprocess", nil).must(t, http.StatusForbidden)
		agent.post("/admin/mailboxes/1/check", nil).must(t, http.StatusForbidden)

		admin := n.signIn(n.Admin)
		admin.get("/admin/mailboxes").must(t, http.StatusOK, "还没有连接邮箱", `href="/admin/mailboxes/new"`, `href="/admin/mail/inbound"`)
		admin.get("/admin/mailboxes/new").must(t, http.StatusOK, `id="mailbox-form"`, "收信（IMAP）", "发信（SMTP）")

		form := url.Values{
			"name": {"售后邮箱"}, "address": {"Support@Example.com"}, "team_id": {itoa(n.TeamA)},
			"imap_host": {imapHost}, "imap_port": {strconv.Itoa(imapPort)}, "imap_tls": {"none"}, "imap_user": {"support"},
			"imap_password": {"s3cret-口令"}, "imap_folder": {"INBOX"},
			"smtp_host": {smtpHost}, "smtp_port": {strconv.Itoa(smtpPort)}, "smtp_tls": {"none"},
			"from_name": {"示例客服中心"}, "signature": {"示例公司 客服部"}, "auto_reply": {"已收到，工单号 {number}。"},
		}
		admin.postRaw("/admin/mailboxes", form).must(t, http.StatusForbidden) // no CSRF token

		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("name", "")
		bad.Set("imap_port", "九九三")
		p := admin.post("/admin/mailboxes", bad)
		p.must(t, http.StatusUnprocessableEntity, `id="mailbox-error"`, `value="support"`, imapHost)
		if strings.Contains(p.Body, "s3cret-口令") {
			i := strings.Index(p.Body, "s3cret-口令")
			t.Fatalf("a refused form shows the password back: %s", p.Body[max(0, i-300):i+50])
		}
		if n.count("mailboxes") != 0 {
			t.Fatal("a refused form created a mailbox")
		}

		p = admin.post("/admin/mailboxes", form)
		p.must(t, http.StatusSeeOther)
		id := mailboxID(p.Location)
		if id == 0 {
			t.Fatalf("redirect to %q", p.Location)
		}
		page := admin.get(p.Location)
		page.must(t, http.StatusOK, "邮箱设置已保存", `value="support@example.com"`, `value="示例客服中心"`, "已保存（留空不修改）", `id="check-form"`)
		if strings.Contains(page.Body, "s3cret-口令") {
			t.Fatal("the mailbox page shows the password")
		}

		path := "/admin/mailboxes/" + itoa(id)
		admin.post(path+"/check", nil).must(t, http.StatusOK, `id="check-result"`, "IMAP：<b>连接成功</b>", "SMTP：<b>连接成功</b>")

		// A wrong password: the check says so in Chinese, with the server's words.
		wrong := url.Values{}
		for k, v := range form {
			wrong[k] = v
		}
		wrong.Set("imap_password", "wrong")
		admin.post(path, wrong).must(t, http.StatusSeeOther)
		admin.post(path+"/check", nil).must(t, http.StatusOK, "服务器拒绝登录：用户名或密码（授权码）不正确", "服务器返回")
		// In the user's language: the same check for an admin who reads English.
		admin.post("/settings/language", url.Values{"lang": {"en"}}).must(t, http.StatusSeeOther)
		p = admin.post(path+"/check", nil)
		p.must(t, http.StatusOK, "The server refused the login: wrong user name or password", "The server said")
		if strings.Contains(p.Body, "服务器拒绝登录") {
			t.Fatal("Chinese on the English page")
		}
		admin.post("/settings/language", url.Values{"lang": {"zh-CN"}}).must(t, http.StatusSeeOther)

		// Saving with the password field empty keeps the stored one.
		wrong.Set("imap_password", "s3cret-口令")
		admin.post(path, wrong).must(t, http.StatusSeeOther)
		kept := url.Values{}
		for k, v := range form {
			kept[k] = v
		}
		kept.Del("imap_password")
		kept.Set("signature", "新的签名")
		admin.post(path, kept).must(t, http.StatusSeeOther)
		admin.post(path+"/check", nil).must(t, http.StatusOK, "IMAP：<b>连接成功</b>")
		admin.get(path).must(t, http.StatusOK, "新的签名")

		admin.post(path+"/active", url.Values{"active": {"0"}}).must(t, http.StatusSeeOther)
		admin.get("/admin/mailboxes").must(t, http.StatusOK, `id="mailbox-`+itoa(id)+`" class="inactive"`, "已停用", "启用")
	})
}

// The failed inbound queue shows the reason in the user's language and puts a mail back on
// request; the outbox shows a bounced reply and sends it again.
func TestMailQueuePages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		m := n.withMail(t)
		box, err := m.CreateMailbox(ctx, auth.System(), mail.MailboxInput{Name: ptrTo("售后"), Address: ptrTo("support@example.com"),
			IMAPHost: ptrTo("127.0.0.1"), IMAPUser: ptrTo("support")})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UnixMilli()
		exec := func(q string, args ...any) {
			t.Helper()
			if err := n.DB.Write(ctx, func(tx *storage.Tx) error { _, err := tx.ExecContext(tx.Context(), q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO mail_messages (mailbox_id, folder, uidvalidity, uid, raw_sha256, size, state, error, attempts, from_addr, received_at)
			VALUES ($1, 'INBOX', 1, 7, 'abc', 10, 'failed', 'cannot be parsed: not a mail: no header fields', 1, 'zhang@example.cn', $2)`, box.ID, now)
		exec(`INSERT INTO mail_outbox (source, kind, mailbox_id, ticket_id, to_addr, subject, message_id, body_text, state, attempts, last_error, next_attempt_at, created_at, updated_at)
			VALUES ('message:1', 'reply', $1, $2, 'nobody@example.cn', 'Re: 耳机 [#10001]', 'kefu.1.x@example.com', '您好', 'failed', 1,
			'bounced: nobody@example.cn: 550 5.1.1 user unknown', $3, $3, $3)`, box.ID, n.Ticket.ID, now)

		admin := n.signIn(n.Admin)
		p := admin.get("/admin/mail/inbound")
		p.must(t, http.StatusOK, "收件队列", "zhang@example.cn", "无法解析：not a mail: no header fields", "重新处理")
		var mailID int64
		n.DB.Read().QueryRowContext(ctx, `SELECT id FROM mail_messages`).Scan(&mailID)
		admin.post("/admin/mail/inbound/"+itoa(mailID)+"/reprocess", nil).must(t, http.StatusSeeOther)
		var state string
		n.DB.Read().QueryRowContext(ctx, `SELECT state FROM mail_messages WHERE id = $1`, mailID).Scan(&state)
		if state != "stored" {
			t.Fatalf("after reprocess the mail is %s; want stored", state)
		}
		admin.get("/admin/mail/inbound?state=failed&done=reprocess").must(t, http.StatusOK, "已放回队列", "没有邮件")
		// Twice is a conflict, told in Chinese, not a crash.
		admin.post("/admin/mail/inbound/"+itoa(mailID)+"/reprocess", nil).must(t, http.StatusUnprocessableEntity)

		admin.get("/admin/mail/outbox?state=failed").must(t, http.StatusOK, "发件箱", "nobody@example.cn", "退信：nobody@example.cn: 550 5.1.1 user unknown",
			`href="/tickets/`+itoa(n.Ticket.Number)+`"`, "重新发送")
		var outID int64
		n.DB.Read().QueryRowContext(ctx, `SELECT id FROM mail_outbox`).Scan(&outID)
		admin.post("/admin/mail/outbox/"+itoa(outID)+"/retry", nil).must(t, http.StatusSeeOther)
		n.DB.Read().QueryRowContext(ctx, `SELECT state FROM mail_outbox WHERE id = $1`, outID).Scan(&state)
		if state != "queued" {
			t.Fatalf("after retry the mail is %s; want queued", state)
		}
		admin.get("/admin/mail/outbox").must(t, http.StatusOK, "排队中")
	})
}

func ptrTo[T any](v T) *T { return &v }

// A customer's email shows the reply and keeps the quoted history collapsed: plain text
// split by parse.SplitQuoted, HTML at the quote the ingest marked.
func TestQuotedHistoryCollapsed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		text := "好的，收到了。\n\n在 2026年11月22日 18:02，客服中心 <support@example.com> 写道：\n> 您好，退款已原路退回。\n"
		if _, err := n.Tickets.AddMessage(ctx, auth.System(), n.Ticket.Number, ticket.MessageInput{Author: "customer", Channel: "email", Body: text}); err != nil {
			t.Fatal(err)
		}
		html := `<div>耳机已经换好了</div>` + mail.QuoteOpen + `<div>发件人: 客服中心</div><div>请寄回旧耳机</div></blockquote>`
		if _, err := n.Tickets.AddMessage(ctx, auth.System(), n.Ticket.Number, ticket.MessageInput{Author: "customer", Channel: "email", Body: "耳机已经换好了", BodyHTML: html}); err != nil {
			t.Fatal(err)
		}
		p := n.signIn(n.AgentA).get("/tickets/" + itoa(n.Ticket.Number))
		p.must(t, http.StatusOK, `<div class="msg-body">好的，收到了。</div>`,
			`<details class="msg-quote"><summary>显示引用的历史邮件</summary><div class="msg-body">在 2026年11月22日 18:02，客服中心 &lt;support@example.com&gt; 写道：`,
			`<div class="msg-body"><div>耳机已经换好了</div></div>`,
			`<summary>显示引用的历史邮件</summary><div class="msg-body"><blockquote cite="#kefu-quote"><div>发件人: 客服中心</div>`)
		if strings.Count(p.Body, `class="msg-quote"`) != 2 {
			t.Errorf("%d collapsed histories; want 2", strings.Count(p.Body, `class="msg-quote"`))
		}
	})
}
