package mail

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// The outbox is a state machine that survives a crash: temporary SMTP errors are retried
// with the same Message-ID, a mail left "sending" by a dead node is sent again, a reply
// that cannot be sent is failed with the reason and can be retried.
func TestOutboxRetriesAndReconciles(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip, sp := startIMAP(t), startSMTP(t)
		n := newNode(t, db, t.TempDir())
		n.mailbox(t, "售后", "support@example.com", ip, sp, nil)
		// The first run marks where the channel starts: older replies are history.
		if q, err := n.mail.QueueReplies(ctx); err != nil || q != 0 {
			t.Fatalf("first run queued %d, %v", q, err)
		}
		ip.deliver(t, rawMailText("zhang@example.cn", "support@example.com", "换货", "x1@example.cn", "尺码不对，想换大一号。"))
		if _, err := n.mail.CreateMailbox(ctx, auth.System(), MailboxInput{}); err == nil {
			t.Fatal("an empty mailbox was accepted")
		}
		// Sync and ingest by hand: no workers, so each step is seen.
		run := func() {
			t.Helper()
			m, err := n.mail.loadMailbox(ctx, db.Read(), 1)
			if err != nil {
				t.Fatal(err)
			}
			sctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- n.mail.syncSession(sctx, m) }()
			eventually(t, "mail stored", func() bool { return count(t, db, `SELECT count(*) FROM mail_messages`) > 0 })
			cancel()
			<-done
			if _, err := n.mail.IngestPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		run()
		users := user.NewService(db, nil)
		u, err := users.Create(ctx, auth.System(), user.CreateInput{Email: "agent@example.com", Name: "王芳", Role: auth.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.tickets.AddMessage(ctx, u.Actor(), 10001, ticket.MessageInput{Body: "可以换，请寄回。"}); err != nil {
			t.Fatal(err)
		}
		if q, err := n.mail.QueueReplies(ctx); err != nil || q != 1 {
			t.Fatalf("queued %d, %v; want 1", q, err)
		}
		if q, _ := n.mail.QueueReplies(ctx); q != 0 {
			t.Fatalf("queued the same reply again: %d", q)
		}
		var msgID string
		db.Read().QueryRowContext(ctx, `SELECT message_id FROM mail_outbox`).Scan(&msgID)

		sp.FailNext(1) // one temporary refusal
		if _, err := n.mail.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		var state, lastErr string
		var attempts int
		db.Read().QueryRowContext(ctx, `SELECT state, attempts, last_error FROM mail_outbox`).Scan(&state, &attempts, &lastErr)
		if state != "queued" || attempts != 1 || lastErr == "" || len(sp.Sent()) != 0 {
			t.Fatalf("after a 451: state %s attempts %d error %q sent %d", state, attempts, lastErr, len(sp.Sent()))
		}
		// Not due yet: the backoff holds it back until its time.
		db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET next_attempt_at = 0`)
			return err
		})
		if _, err := n.mail.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sp.Sent(); len(got) != 1 {
			t.Fatalf("%d mails sent after the retry; want 1", len(got))
		}
		// A node died while sending: the row stayed "sending". Reconciling queues it again
		// with the same Message-ID.
		db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET state = 'sending', updated_at = 0`)
			return err
		})
		if err := n.mail.ReconcileOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := n.mail.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		var again string
		db.Read().QueryRowContext(ctx, `SELECT message_id FROM mail_outbox WHERE state = 'sent'`).Scan(&again)
		if len(sp.Sent()) != 2 || again != msgID {
			t.Errorf("after reconciling: %d sent, Message-ID %q; want 2 with %q", len(sp.Sent()), again, msgID)
		}

		// A permanent refusal fails the mail at once; an admin can retry it.
		db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE mailboxes SET smtp_host = ''`)
			return err
		})
		if _, err := n.tickets.AddMessage(ctx, u.Actor(), 10001, ticket.MessageInput{Body: "已收到退回的商品。"}); err != nil {
			t.Fatal(err)
		}
		n.mail.QueueReplies(ctx)
		n.mail.SendDue(ctx)
		items, err := n.mail.Outbox(ctx, auth.System(), 0, "failed", 10)
		if err != nil || len(items) != 1 || items[0].LastError == "" {
			t.Fatalf("failed outbox: %+v, %v", items, err)
		}
		if mine, err := n.mail.Outbox(ctx, u.Actor(), 10001, "", 0); err != nil || len(mine) != 2 || mine[1].State != "sent" {
			t.Errorf("the ticket's mail as its agent sees it: %+v, %v", mine, err)
		}
		retried, err := n.mail.Retry(ctx, auth.System(), items[0].ID)
		if err != nil || retried.State != "queued" {
			t.Fatalf("retry: %+v, %v", retried, err)
		}
		if _, err := n.mail.Retry(ctx, auth.System(), items[0].ID); err == nil {
			t.Error("a queued mail was retried")
		}
	})
}
