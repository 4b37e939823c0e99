package mail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// sampleID is the Message-ID of our mail that the bounce samples return.
const sampleID = "kefu.10001.0a1b2c3d4e5f6a7b@kefu.example"

func bounceSample(t *testing.T, name, ourID string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("parse", "testdata", "bounce", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(raw), sampleID, ourID)
}

// Agents answer three customers; the answers bounce (Postfix, Exchange in Chinese, QQ
// Mail). Each bounce becomes an internal note on the ticket of the mail that bounced, the
// outbox row is failed with the reason, no acknowledgement goes to a mailer daemon, and no
// ticket is opened for them. A bounce of a mail we never sent is an ordinary automatic
// mail: a ticket, no acknowledgement.
func TestBouncesThreadToTheOriginalMail(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip, sp := startIMAP(t), startSMTP(t)
		n := newNode(t, db, t.TempDir())
		n.mailbox(t, "售后", "support@kefu.example", ip, sp, func(in *MailboxInput) {
			in.AutoReply = ptr("已收到，工单号 {number}。")
		})
		n.run(t)
		samples := []struct{ file, customer, reason string }{
			{"postfix.eml", "wangfang@example.cn", "User unknown in virtual mailbox table"},
			{"exchange-zh.eml", "li.na@contoso.partner.example", "RESOLVER.ADR.RecipientNotFound"},
			{"qqmail.eml", "zhaolei8866@qq.com", "收件人邮箱地址不存在或已被冻结"},
		}
		for i, s := range samples {
			ip.deliver(t, rawMailText(s.customer, "support@kefu.example", "退款问题", "q"+s.file+"@example.cn", "退款什么时候到？"))
			number := int64(10001 + i)
			eventually(t, "the customer's mail a ticket", func() bool {
				return count(t, db, `SELECT count(*) FROM tickets WHERE number = $1`, number) == 1
			})
		}
		users := user.NewService(db, nil)
		agent, err := users.Create(ctx, auth.System(), user.CreateInput{Email: "zhang.wei@kefu.example", Name: "张伟", Role: auth.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range samples {
			if _, err := n.tickets.AddMessage(ctx, agent.Actor(), int64(10001+i), ticket.MessageInput{Body: "您好，退款已办理。"}); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "the replies sent", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_outbox WHERE kind = 'reply' AND state = 'sent'`) == len(samples)
		})
		sentBefore := len(sp.Sent())
		for i, s := range samples {
			var ourID string
			if err := db.Read().QueryRowContext(ctx, `SELECT o.message_id FROM mail_outbox o JOIN tickets t ON t.id = o.ticket_id
				WHERE o.kind = 'reply' AND t.number = $1`, 10001+i).Scan(&ourID); err != nil {
				t.Fatal(err)
			}
			ip.deliver(t, bounceSample(t, s.file, ourID))
		}
		ip.deliver(t, bounceSample(t, "plain-daemon.eml", "never-sent-by-us@elsewhere.example"))
		eventually(t, "the bounces handled", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'processed' AND auto_kind IN ('dsn', 'mailer-daemon')`) == len(samples)+1
		})
		for i, s := range samples {
			var body, kind, author, state, lastErr string
			if err := db.Read().QueryRowContext(ctx, `SELECT m.body_text, m.kind, m.author_kind FROM messages m JOIN tickets t ON t.id = m.ticket_id
				WHERE t.number = $1 ORDER BY m.id DESC LIMIT 1`, 10001+i).Scan(&body, &kind, &author); err != nil {
				t.Fatal(err)
			}
			if kind != ticket.KindNote || author != "system" || !strings.HasPrefix(body, "退信：发往 "+s.customer+" 的邮件未能送达。原因：") || !strings.Contains(body, s.reason) {
				t.Errorf("%s: the ticket's last message is a %s by %s: %q; want the bounce as a system note", s.file, kind, author, body)
			}
			db.Read().QueryRowContext(ctx, `SELECT o.state, o.last_error FROM mail_outbox o JOIN tickets t ON t.id = o.ticket_id
				WHERE o.kind = 'reply' AND t.number = $1`, 10001+i).Scan(&state, &lastErr)
			if state != "failed" || !strings.HasPrefix(lastErr, "bounced: ") || !strings.Contains(lastErr, s.reason) {
				t.Errorf("%s: outbox %s %q; want failed with the reason", s.file, state, lastErr)
			}
		}
		if got := count(t, db, `SELECT count(*) FROM tickets`); got != len(samples)+1 {
			t.Errorf("%d tickets; want %d (the customers', and one for the bounce of a mail we never sent)", got, len(samples)+1)
		}
		if got := count(t, db, `SELECT count(*) FROM mail_outbox WHERE kind = 'auto'`); got != len(samples) {
			t.Errorf("%d acknowledgements; want %d, none to a mailer daemon", got, len(samples))
		}
		if got := len(sp.Sent()); got != sentBefore {
			t.Errorf("%d mails sent after the bounces; want none", got-sentBefore)
		}
	})
}
