package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
)

// ackWindow is the least time between two automatic replies to one sender (RFC 3834's
// advice, which keeps two auto-responders from talking to each other for ever).
const ackWindow = time.Hour

// queueAck queues the mailbox's automatic acknowledgement of a new ticket, unless the mail
// was itself automatic (an auto-reply, a bounce, a list or bulk mail — answering those is
// how loops start), came from one of our own addresses, or the sender was acknowledged in
// the last hour.
func (s *Service) queueAck(tx *storage.Tx, box *Mailbox, ours []string, mailID, ticketID, number int64, m *parse.Message) error {
	to := strings.ToLower(m.From.Email)
	if reply := m.ReplyTo; len(reply) > 0 && reply[0].Email != "" {
		to = strings.ToLower(reply[0].Email)
	}
	if box.AutoReply == "" || m.Auto != "" || to == "" || isOurs(to, ours) {
		return nil
	}
	ctx := tx.Context()
	now := s.now()
	var recent int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND kind = 'auto' AND created_at > $2`,
		to, now.Add(-ackWindow).UnixMilli()).Scan(&recent); err != nil {
		return err
	}
	if recent > 0 {
		return nil
	}
	body := strings.ReplaceAll(box.AutoReply, "{number}", fmt.Sprint(number))
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (source, kind, mailbox_id, ticket_id, from_name, to_addr, subject, message_id,
		in_reply_to, refs, body_text, next_attempt_at, created_at, updated_at)
		VALUES ($1, 'auto', $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $10, $10) ON CONFLICT (source) DO NOTHING`,
		fmt.Sprintf("ack:%d", mailID), box.ID, ticketID, box.FromName, to, replySubject(m.Subject, number),
		newMessageID(number, domainOf(box.Address)), normalizeMessageID(m.MessageID), withSignature(body, box.Signature), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("queue acknowledgement: %w", err)
	}
	return nil
}
