package mail

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// One mailbox, a real IMAP and SMTP server, and the life of a conversation: new mail makes
// a ticket and a customer, replies thread by header, subject token and plus-address, the
// same mail twice is one message, automatic mail gets no acknowledgement, unparseable mail
// waits in the failed queue, and an agent's reply goes out threaded.
func TestIngestThreadsAndReplies(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip, sp := startIMAP(t), startSMTP(t)
		n := newNode(t, db, t.TempDir())
		box := n.mailbox(t, "售后", "support@example.com", ip, sp, func(in *MailboxInput) {
			in.AutoReply = ptr("您好，我们已收到您的邮件，工单号 {number}。")
			in.FromName = ptr("示例客服中心")
			in.Signature = ptr("示例公司 客服部")
		})
		const first = 10001
		mails := []struct{ name, raw string }{
			{"new", rawMailText(`"张三" <zhang@example.cn>`, "support@example.com", "退款进度查询", "a1@mail.example.cn", "我的订单退款到哪一步了？",
				"Cc: Wang Wu <wang@example.cn>, support@example.com")},
			{"reply by header", rawMailText("zhang@example.cn", "support@example.com", "Re: 退款进度查询", "a2@mail.example.cn", "补充：订单号 123",
				"In-Reply-To: <a1@mail.example.cn>", "References: <a1@mail.example.cn>")},
			{"subject token", rawMailText("li@example.cn", "support@example.com", "回复：发票 [#10001]", "a3@mail.example.cn", "发票抬头改一下")},
			{"plus address", rawMailText("zhang@example.cn", "support+10001@example.com", "another thing", "a4@mail.example.cn", "plus addressed")},
			{"auto reply", rawMailText("bot@example.net", "support@example.com", "Out of office", "a5@example.net", "I am away",
				"Auto-Submitted: auto-replied")},
			{"not a mail", "this is not a mail at all, no header here"},
			{"same mail again", "Received: from relay2 by mx2\r\n" + rawMailText(`"张三" <zhang@example.cn>`, "support@example.com", "退款进度查询", "a1@mail.example.cn", "我的订单退款到哪一步了？",
				"Cc: Wang Wu <wang@example.cn>, support@example.com")},
			{"second request", rawMailText("zhang@example.cn", "support@example.com", "再问一下", "a6@mail.example.cn", "还有一个问题")},
		}
		// The first mail becomes ticket 10001 before the others arrive: a customer learns a
		// ticket's number (for the subject token and the plus-address) only after it exists,
		// and PostgreSQL ingests one batch in parallel lanes, numbering its new tickets in
		// the order they commit.
		ip.deliver(t, mails[0].raw)
		n.run(t)
		eventually(t, "the first mail handled", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'processed'`) == 1
		})
		for _, m := range mails[1:] {
			ip.deliver(t, m.raw)
		}
		eventually(t, "every mail handled", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE state <> 'stored'`) == len(mails)
		})
		wantStates := map[string]int{"processed": 6, "duplicate": 1, "failed": 1}
		for state, want := range wantStates {
			if got := count(t, db, `SELECT count(*) FROM mail_messages WHERE state = $1`, state); got != want {
				t.Errorf("%d mails %s; want %d", got, state, want)
			}
		}
		if got := count(t, db, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.number = $1`, first); got != 4 {
			t.Errorf("ticket %d has %d messages; want 4 (new, header reply, token, plus)", first, got)
		}
		if got := count(t, db, `SELECT count(*) FROM tickets WHERE channel = 'email'`); got != 3 {
			t.Errorf("%d email tickets; want 3 (refund, out of office, second request)", got)
		}
		var subject, cc string
		db.Read().QueryRowContext(ctx, `SELECT subject FROM tickets WHERE number = $1`, first).Scan(&subject)
		db.Read().QueryRowContext(ctx, `SELECT cc FROM mail_messages WHERE message_id = 'a1@mail.example.cn' AND state = 'processed'`).Scan(&cc)
		if subject != "退款进度查询" || cc != `["wang@example.cn"]` {
			t.Errorf("subject %q, cc %s", subject, cc)
		}
		var failure string
		var failedID int64
		db.Read().QueryRowContext(ctx, `SELECT id, error FROM mail_messages WHERE state = 'failed'`).Scan(&failedID, &failure)
		if !strings.Contains(failure, "not a mail") {
			t.Errorf("failed mail's reason: %q", failure)
		}
		// Acknowledged: zhang once (not again for the second request within the hour), the
		// robot never.
		eventually(t, "the acknowledgement sent", func() bool { return len(sp.Sent()) == 1 })
		ack := string(sp.Sent()[0].Data)
		for _, want := range []string{"Auto-Submitted: auto-replied", "In-Reply-To: <a1@mail.example.cn>", "zhang@example.cn"} {
			if !strings.Contains(ack, want) {
				t.Errorf("acknowledgement lacks %q:\n%s", want, ack)
			}
		}
		if got := count(t, db, `SELECT count(*) FROM mail_outbox WHERE kind = 'auto'`); got != 1 {
			t.Errorf("%d acknowledgements queued; want 1", got)
		}

		// An agent answers: the reply leaves by SMTP, threaded, from the mailbox.
		users := user.NewService(db, nil)
		u, err := users.Create(ctx, auth.System(), user.CreateInput{Email: "li.na@example.com", Name: "李娜", Role: auth.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.tickets.AddMessage(ctx, u.Actor(), first, ticket.MessageInput{Body: "您好，退款已原路退回。"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the agent's reply sent", func() bool { return len(sp.Sent()) == 2 })
		out := sp.Sent()[1]
		reply, err := parse.Parse(out.Data)
		if err != nil {
			t.Fatal(err)
		}
		if reply.Subject != "Re: 退款进度查询 [#10001]" || reply.From.Name != "李娜 | 示例客服中心" || !strings.HasSuffix(reply.Text, "-- \n示例公司 客服部") ||
			!slices.Equal(reply.InReplyTo, []string{"a4@mail.example.cn"}) || !slices.Contains(reply.References, "a1@mail.example.cn") ||
			!strings.HasPrefix(reply.MessageID, "kefu.10001.") || reply.Auto != "" {
			t.Errorf("the agent's reply as a mail client reads it: %+v", reply)
		}
		if strings.Contains(string(out.Data), "Auto-Submitted") {
			t.Error("an agent's reply is marked automatic")
		}
		if out.From != box.Address || len(out.To) != 2 || out.To[0] != "zhang@example.cn" {
			t.Errorf("envelope from %s to %v; want support@example.com to zhang and the CC", out.From, out.To)
		}
		// The server has the mail a moment before the outbox records it as sent.
		eventually(t, "the reply recorded as sent", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_outbox WHERE kind = 'reply' AND state = 'sent'`) == 1
		})
		var ourID string
		db.Read().QueryRowContext(ctx, `SELECT message_id FROM mail_outbox WHERE kind = 'reply'`).Scan(&ourID)
		// Our own reply comes back into the mailbox (a Bcc to ourselves): not a new message.
		ip.deliver(t, string(out.Data))
		eventually(t, "our echo recognised", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE message_id = $1 AND state = 'duplicate'`, reply.MessageID) == 1
		})
		// The customer answers our mail with a new subject: it threads by our Message-ID and
		// reopens the ticket after it was resolved.
		if _, err := n.tickets.Update(ctx, u.Actor(), first, ticket.Patch{Status: ptr(ticket.StatusResolved)}); err != nil {
			t.Fatal(err)
		}
		ip.deliver(t, rawMailText("zhang@example.cn", "support@example.com", "收到，谢谢", "a7@mail.example.cn", "好的",
			"In-Reply-To: <"+ourID+">"))
		eventually(t, "the answer threaded", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE message_id = 'a7@mail.example.cn' AND state = 'processed'`) == 1
		})
		var status string
		db.Read().QueryRowContext(ctx, `SELECT status FROM tickets WHERE number = $1`, first).Scan(&status)
		if got := count(t, db, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.number = $1`, first); got != 6 || status != ticket.StatusOpen {
			t.Errorf("after the answer: %d messages, status %s; want 6, open", got, status)
		}

		// A reply to a ticket that was merged lands on the ticket it was merged into.
		if _, err := n.tickets.Merge(ctx, u.Actor(), 10003, first); err != nil {
			t.Fatal(err)
		}
		ip.deliver(t, rawMailText("zhang@example.cn", "support@example.com", "Re: 再问一下", "a8@mail.example.cn", "还在吗",
			"In-Reply-To: <a6@mail.example.cn>"))
		eventually(t, "the reply to the merged ticket", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE message_id = 'a8@mail.example.cn' AND state = 'processed'`) == 1
		})
		var onTicket int64
		db.Read().QueryRowContext(ctx, `SELECT t.number FROM mail_messages mm JOIN messages m ON m.id = mm.ticket_message_id
			JOIN tickets t ON t.id = m.ticket_id WHERE mm.message_id = 'a8@mail.example.cn'`).Scan(&onTicket)
		if onTicket != first {
			t.Errorf("the reply to merged ticket 10003 is on %d; want %d", onTicket, first)
		}

		// The failed mail goes back in the queue on request, and fails again for the same reason.
		if err := n.mail.Reprocess(ctx, auth.System(), failedID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the failed mail tried again", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE id = $1 AND state = 'failed' AND attempts = 2`, failedID) == 1
		})
	})
}
