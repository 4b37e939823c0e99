package mail

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// The server renumbers its folder (UIDVALIDITY changes): every mail comes again and none
// is doubled. A mail sent to two of our mailboxes is one message.
func TestSyncResyncAndTwoMailboxes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ip, ip2 := startIMAP(t), startIMAP(t)
		n := newNode(t, db, t.TempDir())
		n.mailbox(t, "售后", "support@example.com", ip, nil, nil)
		n.mailbox(t, "销售", "sales@example.com", ip2, nil, nil)
		var raws []string
		for i := range 10 {
			raws = append(raws, rawMailText("zhang@example.cn", "support@example.com, sales@example.com", fmt.Sprintf("咨询 %d", i),
				fmt.Sprintf("r%d@example.cn", i), "请问有货吗？"))
			ip.deliver(t, raws[i])
			ip2.deliver(t, "Delivered-To: sales@example.com\r\n"+raws[i])
		}
		n.run(t)
		eventually(t, "both mailboxes read", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE state IN ('processed', 'duplicate')`) == 20
		})
		ip.renumber(t, raws)
		ip.dropConnections() // the session sees the change on its next connection
		ip.deliver(t, rawMailText("li@example.cn", "support@example.com", "新问题", "new@example.cn", "发货了吗"))
		eventually(t, "the new mail after the renumbering", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE message_id = 'new@example.cn' AND state = 'processed'`) == 1
		})
		if got := count(t, db, `SELECT count(*) FROM messages`); got != 11 {
			t.Errorf("%d messages; want 11 (10 mails in two mailboxes, renumbered, and one new)", got)
		}
		if got := count(t, db, `SELECT count(*) FROM mail_messages WHERE state = 'duplicate'`); got != 10 {
			t.Errorf("%d duplicates recorded; want the 10 second copies", got)
		}
		var validity int64
		db.Read().QueryRowContext(context.Background(), `SELECT uidvalidity FROM mail_sync WHERE mailbox_id = 1`).Scan(&validity)
		if validity == 1 {
			t.Error("the new UIDVALIDITY was not recorded")
		}
	})
}

// Mail is deleted on the server only when the mailbox says so, and only once its message
// is committed.
func TestDeleteAfterImport(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ip := startIMAP(t)
		n := newNode(t, db, t.TempDir())
		n.mailbox(t, "售后", "support@example.com", ip, nil, func(in *MailboxInput) { in.DeleteAfterImport = ptr(true) })
		keep := newNode(t, testutil.NewDB(t, db.Dialect()), t.TempDir())
		ipKeep := startIMAP(t)
		keep.mailbox(t, "保留", "keep@example.com", ipKeep, nil, nil)
		for i := range 3 {
			raw := rawMailText("zhang@example.cn", "support@example.com", "退货", fmt.Sprintf("d%d@example.cn", i), "退货地址是哪里？")
			ip.deliver(t, raw)
			ipKeep.deliver(t, raw)
		}
		n.run(t)
		keep.run(t)
		eventually(t, "imported mail deleted on the server", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE server_deleted = $1`, true) == 3
		})
		inbox := func(p *imapPeer) uint32 {
			st, err := p.user.Status("INBOX", &imap.StatusOptions{NumMessages: true})
			if err != nil {
				t.Fatal(err)
			}
			return *st.NumMessages
		}
		if got := inbox(ip); got != 0 {
			t.Errorf("%d mails left on the server of the deleting mailbox", got)
		}
		eventually(t, "the other mailbox imported", func() bool {
			return count(t, keep.db, `SELECT count(*) FROM mail_messages WHERE state = 'processed'`) == 3
		})
		if got := inbox(ipKeep); got != 3 {
			t.Errorf("%d mails on the server of the keeping mailbox; want 3", got)
		}
	})
}

// Only one node syncs a mailbox at a time: the lease is refused to a second node until
// the first lets it go or it expires.
func TestSyncLease(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip := startIMAP(t)
		a := newNode(t, db, t.TempDir())
		m := a.mailbox(t, "售后", "support@example.com", ip, nil, nil)
		b := newNode(t, db, t.TempDir())
		if err := a.mail.acquireLease(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.mail.acquireLease(ctx, m.ID); err != nil {
			t.Errorf("the holder could not renew: %v", err)
		}
		if err := b.mail.acquireLease(ctx, m.ID); !errors.Is(err, errLeaseHeld) {
			t.Errorf("a second node got the lease: %v", err)
		}
		a.mail.releaseLease(m.ID)
		if err := b.mail.acquireLease(ctx, m.ID); err != nil {
			t.Errorf("the lease was not free after release: %v", err)
		}
		// b holds it now; a node that lost its lease cannot move the sync position.
		if _, err := a.mail.storeRaw(ctx, m, 0, []rawMail{{uid: 5, data: []byte("Subject: x\r\n\r\nx")}}); !errors.Is(err, errLeaseHeld) {
			t.Errorf("a node without the lease stored mail and moved the position: %v", err)
		}
		if got := count(t, db, `SELECT count(*) FROM mail_messages`); got != 0 {
			t.Errorf("%d mails stored by a node without the lease", got)
		}
	})
}
