package mail

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// bounceMark is ingestOne's mark: it records the mail's outcome and returns its ticket id.
type bounceMark func(state string, ticketID, number, messageID int64) (int64, error)

// ingestBounce handles a delivery status notification (RFC 3464) or a mailer daemon's
// notice about a mail we sent: it becomes an internal note on the ticket of that mail
// ("退信：… 原因：…"), never a customer's message, and the outbox row is failed with the
// reason, so the agent sees the reply did not arrive. The mail is found by the Message-ID
// in the returned message or headers, else by In-Reply-To and References. It reports false
// when the notification names no mail of ours; the caller then handles it as any automatic
// mail (a ticket of its own, never an automatic reply). Done, it returns the note's id and
// its ticket's.
func (s *Service) ingestBounce(tx *storage.Tx, m *parse.Message, key string, mark bounceMark) (done bool, messageID, ticketID int64, err error) {
	b := parse.ParseBounce(m)
	if b == nil {
		return false, 0, 0, nil
	}
	ctx := tx.Context()
	ids := []string{b.OriginalMessageID}
	ids = append(ids, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	var outID, number int64
	var to string
	for _, id := range ids {
		id = normalizeMessageID(id)
		if id == "" {
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT o.id, o.ticket_id, t.number, o.to_addr FROM mail_outbox o JOIN tickets t ON t.id = o.ticket_id
			WHERE o.message_id = $1`, id).Scan(&outID, &ticketID, &number, &to)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, 0, 0, err
		}
	}
	if outID == 0 {
		return false, 0, 0, nil
	}
	failed := b.Failed()
	reason := b.Reason()
	if reason == "" {
		reason = truncateRunes(strings.TrimSpace(m.Subject), 300)
	}
	delayed := false
	for _, r := range b.Recipients {
		delayed = delayed || r.Action == "delayed" || strings.HasPrefix(r.Status, "4")
	}
	var body string
	switch {
	case failed:
		body = fmt.Sprintf("退信：发往 %s 的邮件未能送达。原因：%s\nBounced: the mail to %s was not delivered. Reason: %s", to, reason, to, reason)
	case delayed:
		body = fmt.Sprintf("投递延迟：发往 %s 的邮件尚未送达，服务器仍在重试。详情：%s\nDelayed: the mail to %s has not arrived yet; the server keeps trying. Details: %s", to, reason, to, reason)
	default: // a success report (NOTIFY=SUCCESS at a receiving server)
		body = fmt.Sprintf("送达通知：发往 %s 的邮件已送达。\nDelivered: the mail to %s arrived.", to, to)
	}
	messageID, err = s.tickets.AddMessageInTx(tx, auth.System(), number, ticket.MessageInput{
		Kind: ticket.KindNote, Author: "system", Channel: "email", DedupKey: key,
		Body: truncate(body, s.tickets.Limits().BodyBytes),
	})
	if err != nil {
		return false, 0, 0, err
	}
	if failed {
		if _, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET state = 'failed', last_error = $1, updated_at = $2 WHERE id = $3`,
			truncate("bounced: "+reason, 1000), s.now().UnixMilli(), outID); err != nil {
			return false, 0, 0, err
		}
	}
	if _, err := mark("processed", ticketID, 0, messageID); err != nil {
		return false, 0, 0, err
	}
	return true, messageID, ticketID, nil
}
