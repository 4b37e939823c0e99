package mail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func TestMailboxAdminAndSecrets(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := newNode(t, db, t.TempDir())
		ok := MailboxInput{Name: ptr("售后邮箱"), Address: ptr(" Support@Example.COM "), IMAPHost: ptr("imap.example.com"),
			IMAPUser: ptr("support"), IMAPPassword: ptr("imap-secret"), SMTPHost: ptr("smtp.example.com"), SMTPPassword: ptr("smtp-secret")}
		m, err := n.mail.CreateMailbox(ctx, auth.System(), ok)
		if err != nil {
			t.Fatal(err)
		}
		if m.Address != "support@example.com" || m.IMAPPort != 993 || m.IMAPTLS != "tls" || m.SMTPPort != 587 || m.IMAPFolder != "INBOX" {
			t.Errorf("defaults: %+v", m)
		}
		if !m.IMAPPasswordSet || !m.SMTPPasswordSet || m.DeleteAfterImport || !m.Active {
			t.Errorf("flags: imap set %v smtp set %v delete %v active %v", m.IMAPPasswordSet, m.SMTPPasswordSet, m.DeleteAfterImport, m.Active)
		}
		var stored string
		db.Read().QueryRowContext(ctx, `SELECT imap_password || smtp_password FROM mailboxes WHERE id = $1`, m.ID).Scan(&stored)
		if strings.Contains(stored, "secret") || stored == "" {
			t.Errorf("passwords stored readable: %q", stored)
		}
		// Clearing a password; other fields stay.
		m2, err := n.mail.UpdateMailbox(ctx, auth.System(), m.ID, MailboxInput{SMTPPassword: ptr(""), Signature: ptr("客服中心\n")})
		if err != nil {
			t.Fatal(err)
		}
		if m2.SMTPPasswordSet || !m2.IMAPPasswordSet || m2.Signature != "客服中心" {
			t.Errorf("after update: %+v", m2)
		}

		agent := auth.Actor{Kind: auth.ActorUser, ID: 1, Role: auth.RoleAgent}
		if _, err := n.mail.Mailboxes(ctx, agent); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("agent listed mailboxes: %v", err)
		}
		bad := []struct {
			name  string
			mod   func(*MailboxInput)
			field string
			code  string
		}{
			{"no name", func(in *MailboxInput) { in.Name = ptr(" ") }, "name", "required"},
			{"bad address", func(in *MailboxInput) { in.Address = ptr("support") }, "address", "invalid_email"},
			{"bad tls", func(in *MailboxInput) { in.IMAPTLS = ptr("ssl") }, "imap_tls", "one_of"},
			{"bad port", func(in *MailboxInput) { in.IMAPPort = ptr(70000) }, "imap_port", "out_of_range"},
			{"no host", func(in *MailboxInput) { in.IMAPHost = ptr("") }, "imap_host", "required"},
			{"header injection", func(in *MailboxInput) { in.FromName = ptr("客服\r\nBcc: x@y.z") }, "from_name", "bad_characters"},
			{"unknown team", func(in *MailboxInput) { in.TeamID = ptr(int64(999)) }, "team_id", "unknown_team"},
		}
		for _, tc := range bad {
			in := ok
			in.Name, in.Address = ptr("其他 "+tc.name), ptr("other@example.com")
			tc.mod(&in)
			_, err := n.mail.CreateMailbox(ctx, auth.System(), in)
			e, isApp := apperr.As(err)
			if !isApp || e.Fields[tc.field].Code != tc.code {
				t.Errorf("%s: got %v; want %s on %s", tc.name, err, tc.code, tc.field)
			}
		}
		if _, err := n.mail.CreateMailbox(ctx, auth.System(), ok); !errors.Is(err, &apperr.Error{Kind: apperr.KindConflict, Code: "mailbox_taken"}) {
			t.Errorf("second mailbox with the same name and address: %v", err)
		}
		if got := count(t, db, `SELECT count(*) FROM mailboxes`); got != 1 {
			t.Errorf("%d mailboxes after refused inputs; want 1", got)
		}
	})
}
