package mail

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/storage"
)

// A notice is a mail Kefu writes by itself to one address, outside any ticket: the portal's
// one-time sign-in link is the first. It goes through the same outbox as replies, so it is
// committed with the command that made it, survives a crash, is retried with the same
// Message-ID and shows in the admins' outbox with its delivery state.
//
// A notice is stored with kind "auto": it carries Auto-Submitted, so that vacation
// responders do not answer it (an out-of-office reply to a sign-in link would otherwise
// come back as a new ticket).

// ErrNoOutgoingMailbox means no active mailbox has an SMTP server, so no notice can leave.
var ErrNoOutgoingMailbox = errors.New("mail: no active mailbox with an SMTP server")

// Notice is a system mail to one address.
type Notice struct {
	// Source names what the notice is for ("portal-link:42"); a second notice with the
	// same source is not queued.
	Source  string
	To      string
	TeamID  int64 // send from this team's mailbox when it has one, else from the first
	Subject string
	Body    string
}

// noticeMailbox picks the mailbox a notice leaves from: the team's active mailbox with an
// SMTP server, else the first active one with an SMTP server.
func noticeMailbox(ctx context.Context, q storage.Querier, teamID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM mailboxes WHERE active = $1 AND smtp_host <> ''
		ORDER BY CASE WHEN team_id = $2 THEN 0 ELSE 1 END, id LIMIT 1`, true, teamID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoOutgoingMailbox
	}
	if err != nil {
		return 0, fmt.Errorf("find a mailbox for a notice: %w", err)
	}
	return id, nil
}

// CanSendNotices reports whether a notice could leave now, that is whether some active
// mailbox has an SMTP server. Pages that offer to mail something ask first, so that they can
// say the mail is not set up instead of promising a mail that never comes.
func (s *Service) CanSendNotices(ctx context.Context) (bool, error) {
	_, err := noticeMailbox(ctx, s.db.Read(), 0)
	if errors.Is(err, ErrNoOutgoingMailbox) {
		return false, nil
	}
	return err == nil, err
}

// QueueNotice queues a notice inside the caller's command: it is sent only if the command
// commits, and the outbox worker is woken when it has. It returns ErrNoOutgoingMailbox when
// no mailbox can send it.
func (s *Service) QueueNotice(tx *storage.Tx, n Notice) error {
	ctx := tx.Context()
	n.To = strings.TrimSpace(n.To)
	if n.Source == "" || n.To == "" || n.Subject == "" {
		return errors.New("mail: a notice needs a source, an address and a subject")
	}
	boxID, err := noticeMailbox(ctx, tx, n.TeamID)
	if err != nil {
		return err
	}
	box, err := s.loadMailbox(ctx, tx, boxID)
	if err != nil {
		return fmt.Errorf("load the notice's mailbox: %w", err)
	}
	b := make([]byte, 10)
	rand.Read(b)
	msgID := fmt.Sprintf("kefu.notice.%s@%s", hex.EncodeToString(b), domainOf(box.Address))
	now := s.now().UnixMilli()
	_, err = tx.ExecContext(ctx, `INSERT INTO mail_outbox (source, kind, mailbox_id, from_name, to_addr, subject, message_id, body_text,
		next_attempt_at, created_at, updated_at)
		VALUES ($1, 'auto', $2, $3, $4, $5, $6, $7, $8, $8, $8) ON CONFLICT (source) DO NOTHING`,
		"notice:"+n.Source, box.ID, box.FromName, n.To, n.Subject, msgID, withSignature(n.Body, box.Signature), now)
	if err != nil {
		return fmt.Errorf("queue notice: %w", err)
	}
	tx.AfterCommit(func() { signal(s.outbox) })
	return nil
}
