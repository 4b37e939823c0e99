package mail

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
)

// The outbox finds agents' public replies on email tickets among the committed messages,
// above a watermark kept in settings. Rows are re-scanned from scanOverlap ids below the
// watermark, because on PostgreSQL a message with a lower id can commit just after one
// with a higher id; the outbox's unique source makes the re-scan harmless.
const (
	watermarkKey = "mail.outbox_watermark"
	scanOverlap  = 1000
)

// OutboxItem is one outgoing mail and its delivery state.
type OutboxItem struct {
	ID              int64      `json:"id"`
	Kind            string     `json:"kind"`
	TicketNumber    int64      `json:"ticket_number"`
	TicketMessageID *int64     `json:"message_id"`
	MailboxID       *int64     `json:"mailbox_id"`
	To              string     `json:"to"`
	Cc              []string   `json:"cc"`
	Subject         string     `json:"subject"`
	MessageID       string     `json:"message_id_header"`
	State           string     `json:"state"`
	Attempts        int        `json:"attempts"`
	NextAttemptAt   time.Time  `json:"next_attempt_at"`
	LastError       string     `json:"last_error"`
	SentAt          *time.Time `json:"sent_at"`
	CreatedAt       time.Time  `json:"created_at"`
}

func newMessageID(number int64, domain string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return fmt.Sprintf("kefu.%d.%s@%s", number, hex.EncodeToString(b), domain)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "kefu.invalid"
}

// QueueReplies queues every agent email reply not yet in the outbox and returns how many.
func (s *Service) QueueReplies(ctx context.Context) (int, error) {
	var wm int64
	var v string
	err := s.db.Read().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, watermarkKey).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	wm, _ = strconv.ParseInt(v, 10, 64)
	if errors.Is(err, sql.ErrNoRows) {
		// The first run on this database: replies written before the email channel existed
		// are history, not mail to send now.
		return 0, s.initWatermark(ctx)
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT m.id, m.ticket_id, m.body_text, COALESCE(u.name, ''), m.created_at FROM messages m
		LEFT JOIN users u ON u.id = m.author_user_id
		WHERE m.channel = 'email' AND m.kind = 'reply' AND m.author_kind = 'agent' AND m.id > $1
		AND NOT EXISTS (SELECT 1 FROM mail_outbox o WHERE o.ticket_message_id = m.id)
		ORDER BY m.id LIMIT 200`, max(0, wm-scanOverlap))
	if err != nil {
		return 0, fmt.Errorf("find replies to send: %w", err)
	}
	type reply struct {
		id, ticketID, at int64
		body, agent      string
	}
	var replies []reply
	for rows.Next() {
		var r reply
		if err := rows.Scan(&r.id, &r.ticketID, &r.body, &r.agent, &r.at); err != nil {
			rows.Close()
			return 0, err
		}
		replies = append(replies, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(replies) == 0 {
		return 0, nil
	}
	top := replies[len(replies)-1].id
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		for _, r := range replies {
			if err := s.queueReply(tx, r.id, r.ticketID, r.at, r.body, r.agent); err != nil {
				return err
			}
		}
		if top <= wm {
			return nil
		}
		_, err := tx.ExecContext(tx.Context(), `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, watermarkKey, strconv.FormatInt(top, 10))
		return err
	})
	if err != nil {
		return 0, err
	}
	signal(s.outbox)
	return len(replies), nil
}

// threadInfo is what a reply on a ticket needs from its mail history.
type threadInfo struct {
	number     int64
	subject    string
	customer   string // the customer's first email address
	mailboxID  int64
	inReplyTo  string
	references []string
	cc         []string
}

func loadThread(ctx context.Context, q storage.Querier, ticketID int64) (*threadInfo, error) {
	ti := &threadInfo{}
	var customerID int64
	var team sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT number, subject, customer_id, team_id FROM tickets WHERE id = $1`, ticketID).
		Scan(&ti.number, &ti.subject, &customerID, &team); err != nil {
		return nil, err
	}
	err := q.QueryRowContext(ctx, `SELECT value FROM customer_identities WHERE customer_id = $1 AND kind = 'email' ORDER BY id LIMIT 1`, customerID).Scan(&ti.customer)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	// The conversation's Message-IDs in order: what we received and what we sent.
	rows, err := q.QueryContext(ctx, `SELECT message_id, mailbox_id, cc, received_at, 1 FROM mail_messages WHERE ticket_id = $1 AND state = 'processed' AND message_id <> ''
		UNION ALL SELECT message_id, COALESCE(mailbox_id, 0), '[]', created_at, 0 FROM mail_outbox WHERE ticket_id = $1
		ORDER BY 4`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, cc string
		var box, at int64
		var inbound int
		if err := rows.Scan(&id, &box, &cc, &at, &inbound); err != nil {
			return nil, err
		}
		ti.references = append(ti.references, id)
		// We answer the customer's latest mail; our own earlier mails are only references.
		if inbound == 1 || ti.inReplyTo == "" {
			ti.inReplyTo = id
		}
		if box != 0 {
			ti.mailboxID = box
		}
		if cc != "[]" {
			ti.cc = nil
			json.Unmarshal([]byte(cc), &ti.cc)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ti.references) > 20 { // keep the header bounded: the first and the latest
		ti.references = append(ti.references[:1], ti.references[len(ti.references)-19:]...)
	}
	if ti.mailboxID == 0 {
		// A ticket that never saw mail (opened by phone, say): its team's mailbox, or the first.
		err := q.QueryRowContext(ctx, `SELECT id FROM mailboxes WHERE active = $1 AND smtp_host <> '' ORDER BY CASE WHEN team_id = $2 THEN 0 ELSE 1 END, id LIMIT 1`,
			true, team).Scan(&ti.mailboxID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return ti, nil
}

// replySubject is "Re: subject [#number]", without a second token when the subject has one.
func replySubject(subject string, number int64) string {
	s := parse.StripReplyPrefixes(subject)
	if n, ok := parse.TicketNumber(s); ok && n == number {
		return "Re: " + s
	}
	return fmt.Sprintf("Re: %s [#%d]", s, number)
}

func withSignature(body, signature string) string {
	if signature == "" {
		return body
	}
	return body + "\n\n-- \n" + signature
}

// queueReply adds the outbox row of an agent's reply. A reply with no mailbox to leave
// from, or written before its mailbox was connected, is not mail: nothing is queued. A
// reply that should leave but cannot (the customer has no address) is queued as failed so
// that the agent sees why.
func (s *Service) queueReply(tx *storage.Tx, messageID, ticketID, at int64, body, agent string) error {
	ctx := tx.Context()
	ti, err := loadThread(ctx, tx, ticketID)
	if err != nil || ti.mailboxID == 0 {
		return err
	}
	box, err := s.loadMailbox(ctx, tx, ti.mailboxID)
	if err != nil || at < box.CreatedAt.UnixMilli() {
		return err
	}
	state, lastErr := "queued", ""
	if ti.customer == "" {
		state, lastErr = "failed", "the customer has no email address"
	}
	sig, domain, boxID, fromName := box.Signature, domainOf(box.Address), box.ID, agent
	if box.FromName != "" && agent != "" {
		fromName = agent + " | " + box.FromName
	} else if box.FromName != "" {
		fromName = box.FromName
	}
	cc, _ := json.Marshal(nonNil(ti.cc))
	now := s.now().UnixMilli()
	_, err = tx.ExecContext(ctx, `INSERT INTO mail_outbox (source, kind, mailbox_id, ticket_id, ticket_message_id, from_name, to_addr, cc, subject,
		message_id, in_reply_to, refs, body_text, state, last_error, next_attempt_at, created_at, updated_at)
		VALUES ($1, 'reply', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $15) ON CONFLICT (source) DO NOTHING`,
		fmt.Sprintf("message:%d", messageID), boxID, ticketID, messageID, fromName, ti.customer, string(cc), replySubject(ti.subject, ti.number),
		newMessageID(ti.number, domain), ti.inReplyTo, strings.Join(ti.references, " "), withSignature(body, sig), state, lastErr, now)
	if err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Service) initWatermark(ctx context.Context) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var top int64
		if err := tx.QueryRowContext(tx.Context(), `SELECT COALESCE(max(id), 0) FROM messages`).Scan(&top); err != nil {
			return err
		}
		_, err := tx.ExecContext(tx.Context(), `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			watermarkKey, strconv.FormatInt(top, 10))
		return err
	})
}
