package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// The admin's view of the two queues: received mail (above all the failed ones, with the
// reason) and outgoing mail with its delivery state.

// InboundStates and OutboxStates are the states a list may be filtered by.
var (
	InboundStates = []string{"stored", "processed", "duplicate", "failed"}
	OutboxStates  = []string{"queued", "sending", "sent", "failed"}
)

// InboundMail is a received mail as the failed queue shows it.
type InboundMail struct {
	ID           int64      `json:"id"`
	MailboxID    int64      `json:"mailbox_id"`
	Folder       string     `json:"folder"`
	UID          int64      `json:"uid"`
	MessageID    string     `json:"message_id_header"`
	From         string     `json:"from"`
	Cc           []string   `json:"cc"`
	Size         int64      `json:"size"`
	SHA256       string     `json:"sha256"`
	State        string     `json:"state"`
	Error        string     `json:"error"`
	Attempts     int        `json:"attempts"`
	AutoKind     string     `json:"auto_kind"`
	TicketNumber *int64     `json:"ticket_number"`
	ReceivedAt   time.Time  `json:"received_at"`
	ProcessedAt  *time.Time `json:"processed_at"`
}

func checkList(f apperr.Fields, state string, states []string, limit int) {
	if state != "" {
		f.Check(slices.Contains(states, state), "state", "one_of", map[string]any{"values": fmt.Sprint(states)})
	}
	f.Check(limit >= 0 && limit <= 200, "limit", "out_of_range", map[string]any{"min": 1, "max": 200})
}

// Inbound lists received mail, newest first, optionally in one state (admins only).
func (s *Service) Inbound(ctx context.Context, a auth.Actor, state string, limit int) ([]InboundMail, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	f := apperr.Fields{}
	checkList(f, state, InboundStates, limit)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 50
	}
	where, args := "", []any{limit}
	if state != "" {
		where, args = "WHERE mm.state = $2", append(args, state)
	}
	return s.inbound(ctx, where+` ORDER BY mm.id DESC LIMIT $1`, args...)
}

func (s *Service) inbound(ctx context.Context, tail string, args ...any) ([]InboundMail, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT mm.id, mm.mailbox_id, mm.folder, mm.uid, mm.message_id, mm.from_addr, mm.cc, mm.size, mm.raw_sha256,
		mm.state, mm.error, mm.attempts, mm.auto_kind, t.number, mm.received_at, mm.processed_at
		FROM mail_messages mm LEFT JOIN tickets t ON t.id = mm.ticket_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	defer rows.Close()
	out := []InboundMail{}
	for rows.Next() {
		var m InboundMail
		var cc string
		var number, processed sql.NullInt64
		var received int64
		if err := rows.Scan(&m.ID, &m.MailboxID, &m.Folder, &m.UID, &m.MessageID, &m.From, &cc, &m.Size, &m.SHA256,
			&m.State, &m.Error, &m.Attempts, &m.AutoKind, &number, &received, &processed); err != nil {
			return nil, err
		}
		m.Cc = []string{}
		json.Unmarshal([]byte(cc), &m.Cc)
		if number.Valid {
			m.TicketNumber = &number.Int64
		}
		m.ReceivedAt = time.UnixMilli(received).UTC()
		if processed.Valid {
			t := time.UnixMilli(processed.Int64).UTC()
			m.ProcessedAt = &t
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// InboundMail returns one received mail (admins only).
func (s *Service) InboundMail(ctx context.Context, a auth.Actor, id int64) (*InboundMail, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	ms, err := s.inbound(ctx, `WHERE mm.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, apperr.NotFound("mail")
	}
	return &ms[0], nil
}

// Outbox lists outgoing mail, newest first, optionally in one state. Admins see all of it;
// with ticket set, anyone who can see that ticket sees its mail and whether it left.
func (s *Service) Outbox(ctx context.Context, a auth.Actor, ticketNumber int64, state string, limit int) ([]OutboxItem, error) {
	if ticketNumber != 0 {
		if a.Kind == auth.ActorCustomer {
			return nil, apperr.Forbidden("")
		}
		if _, err := s.tickets.Get(ctx, a, ticketNumber); err != nil {
			return nil, err
		}
	} else if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	f := apperr.Fields{}
	checkList(f, state, OutboxStates, limit)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 50
	}
	where, args := "WHERE 1 = 1", []any{limit}
	if state != "" {
		args = append(args, state)
		where += fmt.Sprintf(" AND o.state = $%d", len(args))
	}
	if ticketNumber != 0 {
		args = append(args, ticketNumber)
		where += fmt.Sprintf(" AND t.number = $%d", len(args))
	}
	return s.outboxItems(ctx, where+` ORDER BY o.id DESC LIMIT $1`, args...)
}

func (s *Service) outboxItems(ctx context.Context, tail string, args ...any) ([]OutboxItem, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT o.id, o.kind, COALESCE(t.number, 0), o.ticket_message_id, o.mailbox_id, o.to_addr, o.cc, o.subject,
		o.message_id, o.state, o.attempts, o.next_attempt_at, o.last_error, o.sent_at, o.created_at
		FROM mail_outbox o LEFT JOIN tickets t ON t.id = o.ticket_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	out := []OutboxItem{}
	for rows.Next() {
		var o OutboxItem
		var msg, box, sent sql.NullInt64
		var cc string
		var next, created int64
		if err := rows.Scan(&o.ID, &o.Kind, &o.TicketNumber, &msg, &box, &o.To, &cc, &o.Subject, &o.MessageID, &o.State, &o.Attempts,
			&next, &o.LastError, &sent, &created); err != nil {
			return nil, err
		}
		if msg.Valid {
			o.TicketMessageID = &msg.Int64
		}
		if box.Valid {
			o.MailboxID = &box.Int64
		}
		o.Cc = []string{}
		json.Unmarshal([]byte(cc), &o.Cc)
		o.NextAttemptAt, o.CreatedAt = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC()
		if sent.Valid {
			t := time.UnixMilli(sent.Int64).UTC()
			o.SentAt = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Retry queues a failed outgoing mail again, at once (admins only). It keeps its
// Message-ID, so a receiver that did get an earlier try drops the repeat.
func (s *Service) Retry(ctx context.Context, a auth.Actor, id int64) (*OutboxItem, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	var n int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = $1, updated_at = $1
			WHERE id = $2 AND state = 'failed'`, s.now().UnixMilli(), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return nil, err
	}
	items, err := s.outboxItems(ctx, `WHERE o.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, apperr.NotFound("outgoing_mail")
	}
	if n == 0 {
		return nil, apperr.Conflict("mail_not_failed", nil)
	}
	signal(s.outbox)
	return &items[0], nil
}
