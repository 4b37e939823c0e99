package chat

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// StartInput is the pre-chat form with the first message.
type StartInput struct {
	CID   string
	Name  string
	Email string
	Phone string
	Topic string
	Body  string
	Team  string // the widget's data-kefu-team: a team name; "" for the default chat team
}

// MessageInput is a visitor's message; CID is the client's unique id for it.
type MessageInput struct {
	CID         string
	Body        string
	Attachments []ticket.AttachmentInput
}

// Ack says a visitor message is committed: its seq (the message id) and the chat's number.
type Ack struct {
	CID    string `json:"cid"`
	Seq    int64  `json:"seq"`
	Number int64  `json:"number"`
}

func checkCID(f apperr.Fields, cid string) {
	ok := cid != "" && len(cid) <= 64
	for _, r := range cid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			ok = false
		}
	}
	f.Check(ok, "cid", "invalid", nil)
}

func (s *Service) checkBody(f apperr.Fields, body string, attachments int) {
	f.Check(strings.TrimSpace(body) != "" || attachments > 0, "body", "required", nil)
	f.Check(utf8.RuneCountInString(body) <= s.limits.MessageChars, "body", "too_long", map[string]any{"max": s.limits.MessageChars})
}

// dedupKey is the stored dedup key of a visitor's client message id.
func dedupKey(v *Visitor, cid string) string {
	return "chat:" + strconv.FormatInt(v.ID, 10) + ":" + cid
}

// byDedup returns the ack of a message already stored under a visitor's cid.
func (s *Service) byDedup(ctx context.Context, q storage.Querier, v *Visitor, cid string) (*Ack, error) {
	a := &Ack{CID: cid}
	err := q.QueryRowContext(ctx, `SELECT m.id, t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.dedup_key = $1`,
		dedupKey(v, cid)).Scan(&a.Seq, &a.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, err
}

// subject makes a chat ticket's subject from the topic and the first message.
func subject(topic, body string) string {
	line := strings.TrimSpace(body)
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	if r := []rune(line); len(r) > 60 {
		line = string(r[:60]) + "…"
	}
	if line == "" {
		line = "在线咨询"
	}
	if topic != "" {
		return "[" + topic + "] " + line
	}
	return line
}

// Start opens a chat: the visitor becomes the customer the form names (found or created by
// email or phone), and a ticket with channel chat is created with the first message. When
// nobody can take the chat (outside business hours, no agent online with room) the ticket is
// still created, marked offline: a message left for later. A start repeated with the same
// cid returns the first one's ack.
func (s *Service) Start(ctx context.Context, v *Visitor, in StartInput) (*Ack, *Chat, error) {
	in.Name, in.Email, in.Phone, in.Topic = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone), strings.TrimSpace(in.Topic)
	f := apperr.Fields{}
	checkCID(f, in.CID)
	f.Check(in.Name != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(in.Name) <= s.limits.NameChars, "name", "too_long", map[string]any{"max": s.limits.NameChars})
	f.Check(utf8.RuneCountInString(in.Topic) <= s.limits.TopicChars, "topic", "too_long", map[string]any{"max": s.limits.TopicChars})
	f.Check(in.Email != "" || in.Phone != "", "email", "email_or_phone", nil)
	if in.Email != "" {
		_, ok := customer.NormalizeEmail(in.Email)
		f.Check(ok, "email", "invalid_email", nil)
	}
	if in.Phone != "" {
		_, ok := customer.NormalizePhone(in.Phone)
		f.Check(ok, "phone", "invalid_phone", nil)
	}
	s.checkBody(f, in.Body, 0)
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	if ack, err := s.byDedup(ctx, s.db.Read(), v, in.CID); err != nil || ack != nil {
		if err != nil {
			return nil, nil, err
		}
		c, err := s.chatOf(ctx, v, ack.Number)
		return ack, c, err
	}
	teamID, err := s.TeamFor(ctx, in.Team)
	if err != nil {
		return nil, nil, err
	}
	online, err := s.Online(ctx, teamID)
	if err != nil {
		return nil, nil, err
	}
	ack := &Ack{CID: in.CID}
	var ticketID int64
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		if a, err := s.byDedup(tx.Context(), tx, v, in.CID); err != nil || a != nil {
			if a != nil {
				ack = a
			}
			return err
		}
		kind, value := customer.Email, in.Email
		if value == "" {
			kind, value = customer.Phone, in.Phone
		}
		custID, _, err := s.customers.FindOrCreateTx(tx, auth.System(), kind, value, in.Name)
		if err != nil {
			return err
		}
		if in.Email != "" && in.Phone != "" {
			// The phone is noted on the customer when nobody else has it.
			phone := mustNorm(customer.Phone, in.Phone)
			res, err := tx.ExecContext(tx.Context(), `INSERT INTO customer_identities (customer_id, kind, value, created_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING`, custID, customer.Phone, phone, s.now().UnixMilli())
			if err != nil {
				return fmt.Errorf("note phone: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if err := event.Append(tx, auth.System(), event.Customer, custID, s.now(), event.Change{Action: "identity_added",
					Field: "phones", New: event.Str(phone), Detail: map[string]any{"channel": "chat"}}); err != nil {
					return err
				}
			}
		}
		v.CustomerID, v.Name = custID, in.Name
		now := s.now()
		number, msgID, err := s.tickets.CreateInTx(tx, v.actor(), ticket.CreateInput{
			Subject: subject(in.Topic, in.Body), Channel: "chat", Customer: ticket.CustomerRef{ID: custID}, TeamID: teamID,
			Message: &ticket.MessageInput{Body: in.Body, Channel: "chat"}, IdempotencyKey: dedupKey(v, in.CID),
		})
		if err != nil {
			return err
		}
		ack.Seq, ack.Number = msgID, number
		if err := tx.QueryRowContext(tx.Context(), `SELECT id FROM tickets WHERE number = $1`, number).Scan(&ticketID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(tx.Context(), `UPDATE chat_visitors SET customer_id = $1, last_seen_at = $2 WHERE id = $3`,
			custID, now.UnixMilli(), v.ID); err != nil {
			return fmt.Errorf("visitor's customer: %w", err)
		}
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO chats (ticket_id, visitor_id, team_id, state, offline, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, ticketID, v.ID, nullID(teamID), StateWaiting, !online, now.UnixMilli()); err != nil {
			return fmt.Errorf("insert chat: %w", err)
		}
		// Routing (a ticket hook) may already have given the chat to an agent.
		var assignee sql.NullInt64
		if err := tx.QueryRowContext(tx.Context(), `SELECT assignee_id FROM tickets WHERE id = $1`, ticketID).Scan(&assignee); err != nil {
			return err
		}
		if assignee.Valid {
			if _, err := tx.ExecContext(tx.Context(), `UPDATE chats SET state = $1, agent_id = $2, accepted_at = $3 WHERE ticket_id = $4`,
				StateActive, assignee.Int64, now.UnixMilli(), ticketID); err != nil {
				return err
			}
		}
		data, _ := json.Marshal(map[string]any{"number": number, "offline": !online})
		tx.AfterCommit(func() {
			s.publish(realtime.Event{Topic: InboxTopic, Kind: KindChatNew, Actor: in.Name, At: now, Data: data})
		})
		return nil
	})
	if storage.IsUniqueViolation(err) { // the same cid raced in from another connection
		if a, err2 := s.byDedup(ctx, s.db.Read(), v, in.CID); err2 == nil && a != nil {
			ack, err = a, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if v.CustomerID == 0 || ticketID == 0 { // an earlier start with this cid
		if nv, err := s.visitorByID(ctx, v.ID); err == nil {
			*v = *nv
		}
	}
	c, err := s.chatOf(ctx, v, ack.Number)
	return ack, c, err
}

func mustNorm(kind, value string) string {
	n, _ := customer.Normalize(kind, value)
	return n
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (s *Service) visitorByID(ctx context.Context, id int64) (*Visitor, error) {
	v := &Visitor{ID: id}
	var cust sql.NullInt64
	var name sql.NullString
	err := s.db.Read().QueryRowContext(ctx, `SELECT v.customer_id, c.name FROM chat_visitors v
		LEFT JOIN customers c ON c.id = v.customer_id WHERE v.id = $1`, id).Scan(&cust, &name)
	v.CustomerID, v.Name = cust.Int64, name.String
	return v, err
}

// chatOf returns the visitor's chat with the number; not found when it is not theirs.
func (s *Service) chatOf(ctx context.Context, v *Visitor, number int64) (*Chat, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT c.ticket_id FROM chats c JOIN tickets t ON t.id = c.ticket_id
		WHERE t.number = $1 AND c.visitor_id = $2`, number, v.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("chat")
	}
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.Read(), id)
}

// Send stores a visitor's message on their current chat. A cid already stored returns the
// first ack; nothing is stored twice.
func (s *Service) Send(ctx context.Context, v *Visitor, in MessageInput) (*Ack, error) {
	f := apperr.Fields{}
	checkCID(f, in.CID)
	s.checkBody(f, in.Body, len(in.Attachments))
	if err := f.Err(); err != nil {
		return nil, err
	}
	if ack, err := s.byDedup(ctx, s.db.Read(), v, in.CID); err != nil || ack != nil {
		return ack, err
	}
	c, err := s.Current(ctx, v)
	if err != nil {
		return nil, err
	}
	if c == nil || v.CustomerID == 0 {
		return nil, apperr.NotFound("chat")
	}
	if c.State == StateClosed {
		return nil, apperr.Rule("chat_closed", nil)
	}
	ack := &Ack{CID: in.CID, Number: c.Number}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		if a, err := s.byDedup(tx.Context(), tx, v, in.CID); err != nil || a != nil {
			if a != nil {
				ack = a
			}
			return err
		}
		id, err := s.tickets.AddMessageInTx(tx, v.actor(), c.Number, ticket.MessageInput{Body: in.Body, Channel: "chat",
			Attachments: in.Attachments, DedupKey: dedupKey(v, in.CID)})
		ack.Seq = id
		if err == nil {
			_, err = tx.ExecContext(tx.Context(), `UPDATE chat_visitors SET last_seen_at = $1 WHERE id = $2`, s.now().UnixMilli(), v.ID)
		}
		return err
	})
	if storage.IsUniqueViolation(err) {
		if a, err2 := s.byDedup(ctx, s.db.Read(), v, in.CID); err2 == nil && a != nil {
			return a, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return ack, nil
}

// Attachment is a file on a message as the visitor sees it.
type Attachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
	Type string `json:"type"`
}

// Message is a public message of a chat as the visitor sees it; Seq is its id.
type Message struct {
	Seq         int64        `json:"seq"`
	From        string       `json:"from"` // agent, visitor, system
	Author      string       `json:"author"`
	Body        string       `json:"body"`
	At          time.Time    `json:"at"`
	CID         string       `json:"cid,omitempty"`
	Attachments []Attachment `json:"attachments"`
	Number      int64        `json:"number"`
}

// Messages returns the public messages of the visitor's chats with seq > after, oldest
// first, at most limit. Internal notes never leave.
func (s *Service) Messages(ctx context.Context, v *Visitor, after int64, limit int) ([]Message, error) {
	return s.messages(ctx, v, after, limit, "ASC")
}

// Recent returns the newest public messages of the visitor's chats, at most limit, oldest
// first: the history a page that starts afresh shows.
func (s *Service) Recent(ctx context.Context, v *Visitor, limit int) ([]Message, error) {
	out, err := s.messages(ctx, v, 0, limit, "DESC")
	slices.Reverse(out)
	return out, err
}

func (s *Service) messages(ctx context.Context, v *Visitor, after int64, limit int, order string) ([]Message, error) {
	prefix := "chat:" + strconv.FormatInt(v.ID, 10) + ":"
	rows, err := s.db.Read().QueryContext(ctx, `SELECT m.id, m.author_kind, COALESCE(u.name, cu.name, ''), m.body_text,
			COALESCE(m.dedup_key, ''), m.created_at, t.number
		FROM chats c JOIN tickets t ON t.id = c.ticket_id JOIN messages m ON m.ticket_id = c.ticket_id
		LEFT JOIN users u ON u.id = m.author_user_id LEFT JOIN customers cu ON cu.id = m.author_customer_id
		WHERE c.visitor_id = $1 AND m.kind = 'reply' AND m.id > $2 ORDER BY m.id `+order+` LIMIT $3`, v.ID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("chat messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	idx := map[int64]int{}
	for rows.Next() {
		var m Message
		var kind, dedup string
		var at int64
		if err := rows.Scan(&m.Seq, &kind, &m.Author, &m.Body, &dedup, &at, &m.Number); err != nil {
			return nil, err
		}
		m.At = time.UnixMilli(at).UTC()
		m.Attachments = []Attachment{}
		switch kind {
		case "customer":
			m.From = "visitor"
			m.CID = strings.TrimPrefix(dedup, prefix)
			if m.CID == dedup {
				m.CID = ""
			}
		case "agent":
			m.From = "agent"
		default:
			m.From = "system"
		}
		idx[m.Seq] = len(out)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(out))
	for _, m := range out {
		ids = append(ids, m.Seq)
	}
	list, args := storage.InList(ids)
	arows, err := s.db.Read().QueryContext(ctx, `SELECT id, message_id, filename, size, content_type FROM attachments
		WHERE message_id IN (`+list+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("chat attachments: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a Attachment
		var mid int64
		if err := arows.Scan(&a.ID, &mid, &a.Name, &a.Size, &a.Type); err != nil {
			return nil, err
		}
		if i, ok := idx[mid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, arows.Err()
}

// File returns an attachment of a public message on one of the visitor's chats; any other
// attachment is not found.
func (s *Service) File(ctx context.Context, v *Visitor, id int64) (*ticket.Attachment, []byte, error) {
	var n int
	err := s.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id
		JOIN chats c ON c.ticket_id = m.ticket_id WHERE a.id = $1 AND m.kind = 'reply' AND c.visitor_id = $2`, id, v.ID).Scan(&n)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return nil, nil, apperr.NotFound("attachment")
	}
	return s.tickets.AttachmentFile(ctx, auth.System(), id)
}

// Rate records the visitor's rating of their current chat (once it has ended).
func (s *Service) Rate(ctx context.Context, v *Visitor, in rating.Input) (*rating.Rating, error) {
	c, err := s.Current(ctx, v)
	if err != nil {
		return nil, err
	}
	if c == nil || v.CustomerID == 0 {
		return nil, apperr.NotFound("chat")
	}
	r, err := s.ratings.Rate(ctx, v.actor(), c.Number, in)
	if err == nil {
		s.publish(realtime.Event{Topic: TicketTopic(c.Number), Kind: "rated", Actor: v.Name})
	}
	return r, err
}

// End closes the visitor's current chat from the widget. The ticket stays as it is for the
// agent to resolve; the chat ends and may be rated.
func (s *Service) End(ctx context.Context, v *Visitor) (*Chat, error) {
	c, err := s.Current(ctx, v)
	if err != nil {
		return nil, err
	}
	if c == nil || v.CustomerID == 0 {
		return nil, apperr.NotFound("chat")
	}
	if c.State == StateClosed {
		return c, nil
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(tx.Context(), `UPDATE chats SET state = $1, closed_at = $2 WHERE ticket_id = $3 AND state <> $1`,
			StateClosed, now.UnixMilli(), c.TicketID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return event.Append(tx, v.actor(), event.Ticket, c.TicketID, now, event.Change{Action: "chat_ended", Field: "chat",
			Old: event.Str(c.State), New: event.Str(StateClosed)})
	})
	if err != nil {
		return nil, err
	}
	s.publish(realtime.Event{Topic: TicketTopic(c.Number), Kind: KindChat, Actor: v.Name, At: now})
	return s.load(ctx, s.db.Read(), c.TicketID)
}

// VisitorTyping tells the agents' pages that the visitor types (a hint, never stored).
func (s *Service) VisitorTyping(ctx context.Context, v *Visitor, on bool) error {
	c, err := s.Current(ctx, v)
	if err != nil || c == nil || c.State == StateClosed {
		return err
	}
	data, _ := json.Marshal(typingData{From: "visitor", On: on, Name: v.Name})
	s.publish(realtime.Event{Topic: TicketTopic(c.Number), Kind: KindTyping, Actor: v.Name, Data: data})
	return nil
}

// State returns the chat's state by number, for a connection that follows it.
func (s *Service) State(ctx context.Context, ticketID int64) (*Chat, error) {
	return s.load(ctx, s.db.Read(), ticketID)
}
