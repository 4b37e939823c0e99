package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// Message kinds.
const (
	KindReply = "reply" // public: the customer sees it
	KindNote  = "note"  // internal: staff only
)

// Message is one entry of a ticket's conversation.
type Message struct {
	ID          int64        `json:"id"`
	Kind        string       `json:"kind"`
	AuthorKind  string       `json:"author_kind"`
	Author      *Ref         `json:"author"`
	Channel     string       `json:"channel"`
	Body        string       `json:"body"`
	BodyHTML    string       `json:"body_html"`
	Attachments []Attachment `json:"attachments"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Attachment describes a stored file; its contents are fetched separately.
type Attachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}

// AttachmentInput is a file sent with a message (base64 in JSON).
type AttachmentInput struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// MessageInput is a new message. Author is "agent" (default for staff) or "customer" (an
// integration relaying the customer's words); customers always write as themselves.
type MessageInput struct {
	Kind        string            `json:"kind"`
	Author      string            `json:"author"`
	Body        string            `json:"body"`
	BodyHTML    string            `json:"body_html"`
	Channel     string            `json:"channel"`
	Status      string            `json:"status"` // optional status to set with a reply
	Attachments []AttachmentInput `json:"attachments"`
	// DedupKey is a channel's idempotency key: a second message with it is not stored.
	DedupKey string `json:"-"`
}

type preparedMessage struct {
	kind, author, channel, status string
	text, html                    string
	attachments                   []AttachmentInput
	sums                          []string
	dedupKey                      string
}

var (
	htmlPolicy = bluemonday.UGCPolicy()
	textPolicy = bluemonday.StrictPolicy()
)

// Files we refuse to store: they run when opened.
var blockedExtensions = []string{".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".vbs", ".js", ".jse", ".ps1", ".jar", ".pif", ".cpl", ".hta", ".lnk"}

// prepareMessage checks and normalises a message; problems go into f under prefix.
func (s *Service) prepareMessage(f apperr.Fields, a auth.Actor, in MessageInput, prefix string) *preparedMessage {
	m := &preparedMessage{kind: in.Kind, author: in.Author, channel: in.Channel, status: in.Status, dedupKey: in.DedupKey}
	if m.kind == "" {
		m.kind = KindReply
	}
	switch {
	case a.Kind == auth.ActorCustomer:
		m.author = "customer"
	case a.Kind == auth.ActorSystem && m.author == "":
		m.author = "system"
	case m.author == "":
		m.author = "agent"
	}
	f.Check(m.kind == KindReply || m.kind == KindNote, prefix+"kind", "one_of", map[string]any{"values": "reply, note"})
	f.Check(slices.Contains([]string{"agent", "customer"}, m.author) || (m.author == "system" && a.Kind == auth.ActorSystem),
		prefix+"author", "one_of", map[string]any{"values": "agent, customer"})
	f.Check(!(m.kind == KindNote && m.author == "customer"), prefix+"kind", "note_by_customer", nil)
	f.Check(a.Kind != auth.ActorCustomer || m.kind == KindReply, prefix+"kind", "one_of", map[string]any{"values": "reply"})
	if m.channel != "" {
		oneOf(f, prefix+"channel", m.channel, Channels)
	}
	if m.status != "" {
		oneOf(f, prefix+"status", m.status, Statuses)
	}
	f.Check(len(in.Body) <= s.limits.BodyBytes, prefix+"body", "too_large", map[string]any{"max": humanBytes(s.limits.BodyBytes)})
	f.Check(len(in.BodyHTML) <= s.limits.BodyBytes, prefix+"body_html", "too_large", map[string]any{"max": humanBytes(s.limits.BodyBytes)})
	f.Check(utf8.ValidString(in.Body) && utf8.ValidString(in.BodyHTML), prefix+"body", "bad_encoding", nil)
	m.text = strings.TrimSpace(in.Body)
	if in.BodyHTML != "" {
		m.html = htmlPolicy.Sanitize(in.BodyHTML)
		if m.text == "" {
			m.text = strings.TrimSpace(html.UnescapeString(textPolicy.Sanitize(in.BodyHTML)))
		}
	}
	f.Check(m.text != "" || len(in.Attachments) > 0, prefix+"body", "required", nil)
	f.Check(len(in.Attachments) <= s.limits.AttachmentsPerItem, prefix+"attachments", "too_many", map[string]any{"max": s.limits.AttachmentsPerItem})
	for i, att := range in.Attachments {
		p := fmt.Sprintf("%sattachments[%d].", prefix, i)
		name := strings.TrimSpace(filepath.Base(strings.ReplaceAll(att.Filename, "\\", "/")))
		f.Check(name != "" && name != "." && name != "/", p+"filename", "required", nil)
		f.Check(utf8.RuneCountInString(name) <= 255, p+"filename", "too_long", map[string]any{"max": 255})
		f.Check(!slices.Contains(blockedExtensions, strings.ToLower(filepath.Ext(name))), p+"filename", "blocked_type", nil)
		f.Check(len(att.Data) > 0, p+"data", "required", nil)
		f.Check(len(att.Data) <= s.limits.AttachmentBytes, p+"data", "too_large", map[string]any{"max": humanBytes(s.limits.AttachmentBytes)})
		ct := att.ContentType
		if ct == "" {
			ct = mime.TypeByExtension(filepath.Ext(name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			f.Add(p+"content_type", "invalid", nil)
		}
		m.attachments = append(m.attachments, AttachmentInput{Filename: name, ContentType: ct, Data: att.Data})
		m.sums = append(m.sums, blob.Sum(att.Data))
	}
	return m
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func preview(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 140 {
		return text
	}
	r := []rune(text)
	return string(r[:140]) + "…"
}

// AddMessage adds a reply or note to a ticket. A customer's message reopens a resolved or
// closed ticket and ends a wait for the customer; an agent's first reply is the first
// response. The first agent to act becomes the owner.
func (s *Service) AddMessage(ctx context.Context, a auth.Actor, number int64, in MessageInput) (*Message, error) {
	f := apperr.Fields{}
	m := s.prepareMessage(f, a, in, "")
	if err := f.Err(); err != nil {
		return nil, err
	}
	if m.dedupKey != "" {
		m.dedupKey = fmt.Sprintf("message:%s:%d:%s", a.Kind, a.ID, m.dedupKey)
		if msg, err := s.messageByDedup(ctx, a, number, m.dedupKey); err == nil || !errors.Is(err, sql.ErrNoRows) {
			return msg, err
		}
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		t, err := visible(tx.Context(), tx, a, number)
		if err != nil {
			return err
		}
		if t.MergedInto != nil {
			return apperr.Rule("ticket_merged", map[string]any{"number": *t.MergedInto})
		}
		// Department staff write internal notes only; customers only public replies.
		if a.Kind == auth.ActorUser && !a.ServesCustomers() && !a.IsAdmin() && m.kind != KindNote {
			return apperr.Forbidden("department_notes_only")
		}
		if m.status != "" && !canWork(a, t) {
			return apperr.Forbidden("")
		}
		now := s.now()
		if id, err = s.addMessageTx(tx, a, t, m, now); err != nil {
			return err
		}
		return s.changed(tx, ChangeMessage, t.ID, t, &MessageInfo{ID: id, Kind: m.kind, AuthorKind: m.author}, a, now)
	})
	if m.dedupKey != "" && storage.IsUniqueViolation(err) {
		return s.messageByDedup(ctx, a, number, m.dedupKey)
	}
	if err != nil {
		return nil, err
	}
	return s.message(ctx, s.db.Read(), id)
}

func (s *Service) messageByDedup(ctx context.Context, a auth.Actor, number int64, key string) (*Message, error) {
	var id, n int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT m.id, t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.dedup_key = $1`, key).Scan(&id, &n)
	if err != nil {
		return nil, err
	}
	if n != number {
		return nil, apperr.Conflict("idempotency_key_reused", nil)
	}
	return s.message(ctx, s.db.Read(), id)
}

// addMessageTx stores a prepared message on t and applies its effects on the ticket.
func (s *Service) addMessageTx(tx *storage.Tx, a auth.Actor, t *Ticket, m *preparedMessage, now time.Time) (int64, error) {
	id, err := s.insertMessage(tx, a, t, m, now)
	if err != nil {
		return 0, err
	}
	sets := []string{"message_count = message_count + 1", "updated_at = $1", "version = version + 1"}
	args := []any{now.UnixMilli()}
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	effects, err := messageEffects(a, t, m, now, set)
	if err != nil {
		return 0, err
	}
	args = append(args, t.ID)
	if _, err := tx.ExecContext(tx.Context(), `UPDATE tickets SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
		return 0, fmt.Errorf("update ticket after message: %w", err)
	}
	changes := append([]event.Change{messageAdded(id, m)}, effects...)
	return id, event.Append(tx, a, event.Ticket, t.ID, now, changes...)
}

// messageAdded is the event of a new message.
func messageAdded(id int64, m *preparedMessage) event.Change {
	return event.Change{Action: "message_added", Detail: map[string]any{"message_id": id, "kind": m.kind, "author_kind": m.author}}
}

// insertMessage stores message m of ticket t with its search entry and attachments; the
// ticket row is the caller's to update (addMessageTx) or to insert (a new ticket).
func (s *Service) insertMessage(tx *storage.Tx, a auth.Actor, t *Ticket, m *preparedMessage, now time.Time) (int64, error) {
	ctx := tx.Context()
	channel := m.channel
	if channel == "" {
		channel = t.Channel
		if channel == "" {
			channel = "api"
		}
	}
	var authorUser, authorCustomer any
	switch m.author {
	case "agent":
		authorUser = nullID(a.ID)
	case "customer":
		authorCustomer = t.Customer.ID
	}
	var dedup any
	if m.dedupKey != "" {
		dedup = m.dedupKey
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, kind, author_kind, author_user_id, author_customer_id, channel, body_text, body_html, dedup_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		t.ID, m.kind, m.author, authorUser, authorCustomer, channel, m.text, m.html, dedup, now.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	indexed := m.text
	if t.MessageCount == 0 {
		indexed = t.Subject + "\n" + m.text // the first message carries the subject into the index
	}
	if err := search.Add(tx, search.Messages, id, indexed); err != nil {
		return 0, err
	}
	for i, att := range m.attachments {
		if err := s.blobs.Put(tx, m.sums[i], att.Data); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (message_id, filename, content_type, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, att.Filename, att.ContentType, len(att.Data), m.sums[i], now.UnixMilli()); err != nil {
			return 0, fmt.Errorf("insert attachment: %w", err)
		}
	}
	return id, nil
}

// messageEffects works out what a new message m does to its ticket t as it stands before the
// message: the columns to set (through set) besides the message count and update time, and
// the events besides message_added.
func messageEffects(a auth.Actor, t *Ticket, m *preparedMessage, now time.Time, set func(string, any)) ([]event.Change, error) {
	var changes []event.Change
	status := t.Status
	if m.kind == KindReply {
		set("preview", preview(m.text))
		switch m.author {
		case "customer":
			set("last_customer_message_at", now.UnixMilli())
			if status == StatusPendingCustomer || status == StatusResolved || status == StatusClosed {
				status = StatusOpen
			}
		case "agent":
			set("last_agent_message_at", now.UnixMilli())
			if t.FirstResponseAt == nil && t.MessageCount > 0 {
				set("first_response_at", now.UnixMilli())
			}
			if status == StatusNew {
				status = StatusOpen
			}
		}
	}
	if m.status != "" {
		status = m.status
	}
	statusChanges, err := statusEffects(t, status, now, set)
	if err != nil {
		return nil, err
	}
	changes = append(changes, statusChanges...)
	if t.Owner == nil && a.ServesCustomers() && m.author == "agent" {
		set("owner_id", a.ID)
		changes = append(changes, event.Change{Action: "owner_set", Field: "owner", New: event.Int(a.ID)})
	}
	return changes, nil
}

// statusEffects applies a status change's side effects (timestamps) through set and returns
// its events. Closed tickets only move to open (a reopen).
func statusEffects(t *Ticket, status string, now time.Time, set func(string, any)) ([]event.Change, error) {
	if status == t.Status {
		return nil, nil
	}
	if status == StatusPendingDepartment && t.Department == nil {
		return nil, apperr.Invalid("status", "needs_department", nil)
	}
	set("status", status)
	action := "status_changed"
	switch status {
	case StatusResolved:
		set("resolved_at", now.UnixMilli())
	case StatusClosed:
		set("closed_at", now.UnixMilli())
		if t.ResolvedAt == nil && t.Status != StatusResolved {
			set("resolved_at", now.UnixMilli())
		}
	}
	if t.Status == StatusResolved || t.Status == StatusClosed {
		if status != StatusResolved && status != StatusClosed {
			action = "reopened"
			set("resolved_at", nil)
			set("closed_at", nil)
		}
	}
	return []event.Change{{Action: action, Field: "status", Old: event.Str(t.Status), New: event.Str(status)}}, nil
}

// Messages returns up to limit messages of a ticket before message id `before` (0: the
// newest), oldest first. Customers never see internal notes.
func (s *Service) Messages(ctx context.Context, a auth.Actor, number, before int64, limit int) ([]Message, error) {
	t, err := visible(ctx, s.db.Read(), a, number)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	if before <= 0 {
		before = 1<<62 - 1
	}
	notes := ""
	if a.Kind == auth.ActorCustomer {
		notes = " AND m.kind = 'reply'"
	}
	rows, err := s.db.Read().QueryContext(ctx, selectMessages+` WHERE m.ticket_id = $1 AND m.id < $2`+notes+` ORDER BY m.id DESC LIMIT $3`, t.ID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	msgs, err := scanMessages(rows)
	if err != nil {
		return nil, err
	}
	slices.Reverse(msgs)
	return msgs, s.attachAttachments(ctx, msgs)
}

const selectMessages = `SELECT m.id, m.kind, m.author_kind, COALESCE(m.author_user_id, m.author_customer_id), COALESCE(u.name, c.name, ''),
	m.channel, m.body_text, m.body_html, m.created_at
FROM messages m
LEFT JOIN users u ON u.id = m.author_user_id
LEFT JOIN customers c ON c.id = m.author_customer_id`

func scanMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var authorID sql.NullInt64
		var authorName string
		var created int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.AuthorKind, &authorID, &authorName, &m.Channel, &m.Body, &m.BodyHTML, &created); err != nil {
			return nil, err
		}
		if authorID.Valid {
			m.Author = &Ref{ID: authorID.Int64, Name: authorName}
		}
		m.CreatedAt = time.UnixMilli(created).UTC()
		m.Attachments = []Attachment{}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Service) message(ctx context.Context, q storage.Querier, id int64) (*Message, error) {
	rows, err := q.QueryContext(ctx, selectMessages+` WHERE m.id = $1`, id)
	if err != nil {
		return nil, err
	}
	msgs, err := scanMessages(rows)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, apperr.NotFound("message")
	}
	return &msgs[0], s.attachAttachments(ctx, msgs)
}

func (s *Service) attachAttachments(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(msgs))
	for i, m := range msgs {
		idx[m.ID] = i
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, message_id, filename, content_type, size, sha256 FROM attachments
		WHERE message_id BETWEEN $1 AND $2 ORDER BY id`, msgs[0].ID, msgs[len(msgs)-1].ID)
	if err != nil {
		return fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at Attachment
		var mid int64
		if err := rows.Scan(&at.ID, &mid, &at.Filename, &at.ContentType, &at.Size, &at.SHA256); err != nil {
			return err
		}
		if i, ok := idx[mid]; ok {
			msgs[i].Attachments = append(msgs[i].Attachments, at)
		}
	}
	return rows.Err()
}

// AttachmentFile returns an attachment and its contents if the actor may see the message it
// belongs to.
func (s *Service) AttachmentFile(ctx context.Context, a auth.Actor, id int64) (*Attachment, []byte, error) {
	var at Attachment
	var number int64
	var kind string
	err := s.db.Read().QueryRowContext(ctx, `SELECT a.id, a.filename, a.content_type, a.size, a.sha256, t.number, m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id WHERE a.id = $1`, id).
		Scan(&at.ID, &at.Filename, &at.ContentType, &at.Size, &at.SHA256, &number, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.NotFound("attachment")
	}
	if err != nil {
		return nil, nil, err
	}
	if _, err := visible(ctx, s.db.Read(), a, number); err != nil || (kind == KindNote && a.Kind == auth.ActorCustomer) {
		return nil, nil, apperr.NotFound("attachment")
	}
	data, err := s.blobs.Get(ctx, at.SHA256)
	return &at, data, err
}
