package mail

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// The connection check talks to real servers: right settings pass, a wrong password fails
// at the login, a closed port at the connection, a missing folder at the folder; an agent
// may not run it.
func TestCheckConnection(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip, sp := startIMAP(t), startSMTP(t)
		n := newNode(t, db, t.TempDir())
		box := n.mailbox(t, "售后", "support@example.com", ip, sp, nil)
		check := func(in MailboxInput) *ConnectionCheck {
			t.Helper()
			if _, err := n.mail.UpdateMailbox(ctx, auth.System(), box.ID, in); err != nil {
				t.Fatal(err)
			}
			c, err := n.mail.CheckConnection(ctx, auth.System(), box.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := check(MailboxInput{}); !c.IMAP.OK || !c.SMTP.OK || !c.SMTP.Configured {
			t.Errorf("right settings: %+v", c)
		}
		if c := check(MailboxInput{IMAPPassword: ptr("wrong")}); c.IMAP.OK || c.IMAP.Stage != StageLogin || c.IMAP.Detail == "" {
			t.Errorf("wrong IMAP password: %+v", c.IMAP)
		}
		if c := check(MailboxInput{IMAPPassword: ptr("imap-pass"), IMAPFolder: ptr("工单")}); c.IMAP.OK || c.IMAP.Stage != StageFolder {
			t.Errorf("missing folder: %+v", c.IMAP)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if c := check(MailboxInput{IMAPFolder: ptr("INBOX"), SMTPPort: ptr(closed)}); !c.IMAP.OK || c.SMTP.OK || c.SMTP.Stage != StageConnect {
			t.Errorf("closed SMTP port: %+v", c)
		}
		if c := check(MailboxInput{SMTPPort: ptr(sp.Port), SMTPUser: ptr("support"), SMTPPassword: ptr("x")}); c.SMTP.OK || c.SMTP.Stage != StageLogin {
			t.Errorf("SMTP login refused (the server offers no AUTH): %+v", c.SMTP)
		}
		if c := check(MailboxInput{SMTPHost: ptr("")}); c.SMTP.Configured || c.SMTP.OK {
			t.Errorf("no SMTP server: %+v", c.SMTP)
		}
		agent := auth.Actor{Kind: auth.ActorUser, ID: 99, Role: auth.RoleAgent}
		if _, err := n.mail.CheckConnection(ctx, agent, box.ID); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("an agent checked a mailbox: %v", err)
		}
	})
}
