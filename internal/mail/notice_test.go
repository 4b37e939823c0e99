package mail

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// A notice is queued in the caller's command (rolled back with it), leaves from the team's
// mailbox or else the first that can send, goes out through SMTP like any outbox mail, and
// is refused, not dropped, when no mailbox can send.
func TestNoticeThroughTheOutbox(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip, sp := startIMAP(t), startSMTP(t)
		n := newNode(t, db, t.TempDir())
		queue := func(nt Notice) error {
			return db.Write(ctx, func(tx *storage.Tx) error { return n.mail.QueueNotice(tx, nt) })
		}
		if ok, err := n.mail.CanSendNotices(ctx); ok || err != nil {
			t.Fatalf("no mailbox: can send %v, %v", ok, err)
		}
		if err := queue(Notice{Source: "t:1", To: "a@example.cn", Subject: "s", Body: "b"}); !errors.Is(err, ErrNoOutgoingMailbox) {
			t.Fatalf("no mailbox: %v", err)
		}
		// A mailbox without SMTP cannot send either.
		n.mailbox(t, "只收", "in@example.com", ip, nil, nil)
		if ok, _ := n.mail.CanSendNotices(ctx); ok {
			t.Fatal("a receive-only mailbox can send notices")
		}
		n.mailbox(t, "总机", "hello@example.com", ip, sp, func(in *MailboxInput) { in.FromName = ptr("示例公司") })
		team, err := user.NewService(db, nil).CreateTeam(ctx, auth.System(), user.TeamInput{Name: ptr("售后"), Kind: ptr("team")})
		if err != nil {
			t.Fatal(err)
		}
		n.mailbox(t, "售后", "aftersale@example.com", ip, sp, func(in *MailboxInput) { in.TeamID = &team.ID })
		if ok, err := n.mail.CanSendNotices(ctx); !ok || err != nil {
			t.Fatalf("can send %v, %v", ok, err)
		}

		// Rolled back with its command: nothing queued.
		boom := errors.New("boom")
		err = db.Write(ctx, func(tx *storage.Tx) error {
			if err := n.mail.QueueNotice(tx, Notice{Source: "t:2", To: "a@example.cn", Subject: "s", Body: "b"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count(t, db, `SELECT count(*) FROM mail_outbox`) != 0 {
			t.Fatalf("rolled back: %v, %d rows", err, count(t, db, `SELECT count(*) FROM mail_outbox`))
		}

		if err := queue(Notice{Source: "t:3", To: "a@example.cn", Subject: "登录链接", Body: "请打开链接"}); err != nil {
			t.Fatal(err)
		}
		if err := queue(Notice{Source: "t:3", To: "a@example.cn", Subject: "登录链接", Body: "again"}); err != nil {
			t.Fatal(err)
		}
		if err := queue(Notice{Source: "t:4", To: "b@example.cn", TeamID: team.ID, Subject: "登录链接", Body: "请打开链接"}); err != nil {
			t.Fatal(err)
		}
		if got := count(t, db, `SELECT count(*) FROM mail_outbox`); got != 2 {
			t.Fatalf("%d rows; the same source twice must queue once", got)
		}
		if _, err := n.mail.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		sent := sp.Sent()
		if len(sent) != 2 {
			t.Fatalf("%d sent", len(sent))
		}
		from := map[string]string{}
		for _, m := range sent {
			from[m.To[0]] = m.From
			if !bytes.Contains(m.Data, []byte("Auto-Submitted: auto-replied")) {
				t.Errorf("a notice without Auto-Submitted:\n%s", m.Data)
			}
		}
		if from["a@example.cn"] != "hello@example.com" || from["b@example.cn"] != "aftersale@example.com" {
			t.Fatalf("sent from %v", from)
		}
		if got := count(t, db, `SELECT count(*) FROM mail_outbox WHERE state = 'sent' AND ticket_id IS NULL`); got != 2 {
			t.Fatalf("%d sent rows", got)
		}
		items, err := n.mail.Outbox(ctx, auth.System(), 0, "sent", 10)
		if err != nil || len(items) != 2 || items[0].TicketNumber != 0 {
			t.Fatalf("the admins' outbox: %v %+v", err, items)
		}
	})
}
