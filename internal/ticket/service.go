package ticket

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/user"
)

// Limits bound what one request may store.
type Limits struct {
	SubjectChars       int // default 500
	BodyBytes          int // default 1 MiB
	AttachmentBytes    int // default 25 MiB
	AttachmentsPerItem int // default 20
}

func (l Limits) withDefaults() Limits {
	if l.SubjectChars <= 0 {
		l.SubjectChars = 500
	}
	if l.BodyBytes <= 0 {
		l.BodyBytes = 1 << 20
	}
	if l.AttachmentBytes <= 0 {
		l.AttachmentBytes = 25 << 20
	}
	if l.AttachmentsPerItem <= 0 {
		l.AttachmentsPerItem = 20
	}
	return l
}

// Options configure the service.
type Options struct {
	DB        *storage.DB
	Customers *customer.Service
	Blobs     blob.Store
	Limits    Limits
	Now       func() time.Time
}

// Service works tickets.
type Service struct {
	db        *storage.DB
	customers *customer.Service
	blobs     blob.Store
	limits    Limits
	now       func() time.Time
	hooks     []Hook
}

// NewService makes the ticket service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: o.DB, customers: o.Customers, blobs: o.Blobs, limits: o.Limits.withDefaults(), now: o.Now}
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// CustomerRef names the customer of a new ticket: an id, or an identity (created when new).
type CustomerRef struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Phone  string `json:"phone"`
	ChatID string `json:"chat_id"`
	Name   string `json:"name"`
}

// identity is the kind and value of the identity the reference gives (the email when it
// gives none: value is then empty).
func (c CustomerRef) identity() (kind, value string) {
	switch {
	case c.Phone != "":
		return customer.Phone, c.Phone
	case c.ChatID != "":
		return customer.Chat, c.ChatID
	}
	return customer.Email, c.Email
}

// CreateInput is a new ticket with its first message.
type CreateInput struct {
	Subject      string         `json:"subject"`
	Type         string         `json:"type"`
	Subtype      string         `json:"subtype"`
	Priority     string         `json:"priority"`
	Channel      string         `json:"channel"`
	Customer     CustomerRef    `json:"customer"`
	TeamID       int64          `json:"team_id"`
	AssigneeID   int64          `json:"assignee_id"`
	Tags         []string       `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
	Message      *MessageInput  `json:"message"`
	// IdempotencyKey makes a retried create return the ticket the first try made.
	IdempotencyKey string `json:"-"`
}

func (s *Service) checkText(f apperr.Fields, subject string) {
	subject = strings.TrimSpace(subject)
	f.Check(subject != "", "subject", "required", nil)
	f.Check(utf8.RuneCountInString(subject) <= s.limits.SubjectChars, "subject", "too_long", map[string]any{"max": s.limits.SubjectChars})
	f.Check(utf8.ValidString(subject), "subject", "bad_encoding", nil)
}

func oneOf(f apperr.Fields, field, v string, allowed []string) {
	f.Check(slices.Contains(allowed, v), field, "one_of", map[string]any{"values": strings.Join(allowed, ", ")})
}

func checkSubtype(f apperr.Fields, typ, subtype string) {
	if subtype == "" {
		return
	}
	if typ != "aftersale" {
		f.Add("subtype", "subtype_needs_aftersale", nil)
		return
	}
	oneOf(f, "subtype", subtype, Subtypes)
}

// Create opens a ticket for a customer, with its first message, in one command. A customer
// given by email or phone who is not known yet is created with it.
func (s *Service) Create(ctx context.Context, a auth.Actor, in CreateInput) (*Ticket, error) {
	if !a.IsAdmin() && !a.ServesCustomers() && a.Kind != auth.ActorCustomer {
		return nil, apperr.Forbidden("")
	}
	if in.Type == "" {
		in.Type = "consultation"
	}
	if in.Priority == "" {
		in.Priority = "normal"
	}
	if in.Channel == "" {
		in.Channel = "api"
	}
	if a.Kind == auth.ActorCustomer {
		in.Customer = CustomerRef{ID: a.ID}
		in.TeamID, in.AssigneeID, in.Tags, in.CustomFields = 0, 0, nil, nil
	}
	f := apperr.Fields{}
	s.checkText(f, in.Subject)
	oneOf(f, "type", in.Type, Types)
	checkSubtype(f, in.Type, in.Subtype)
	oneOf(f, "priority", in.Priority, Priorities)
	oneOf(f, "channel", in.Channel, Channels)
	c := in.Customer
	given := 0
	for _, v := range []string{c.Email, c.Phone, c.ChatID} {
		if v != "" {
			given++
		}
	}
	if c.ID != 0 {
		given++
	}
	f.Check(given > 0, "customer", "required", nil)
	f.Check(given <= 1, "customer", "one_identity", nil)
	if kind, value := c.identity(); given == 1 && value != "" {
		// Checked here, not only where the customer is found or made, so that one answer
		// names every field to mend.
		if _, ok := customer.Normalize(kind, value); !ok {
			f.Add("customer."+kind, "invalid_"+kind, nil)
		}
	}
	f.Check(utf8.RuneCountInString(c.Name) <= 200, "customer.name", "too_long", map[string]any{"max": 200})
	if in.Message == nil {
		f.Add("message", "required", nil)
	}
	tags, err := tag.Normalize("tags", in.Tags)
	if err != nil {
		return nil, err
	}
	var msg *preparedMessage
	if in.Message != nil {
		if in.Message.Author == "" {
			in.Message.Author = "customer"
		}
		if in.Message.Channel == "" {
			in.Message.Channel = in.Channel
		}
		msg = s.prepareMessage(f, a, *in.Message, "message.")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	dedup := ""
	if in.IdempotencyKey != "" {
		dedup = fmt.Sprintf("create:%s:%d:%s", a.Kind, a.ID, in.IdempotencyKey)
		msg.dedupKey = dedup
		if n, err := ticketOfMessage(ctx, s.db.Read(), dedup); err == nil {
			return s.Get(ctx, a, n)
		}
	}
	var number int64
	// The answer is read back as soon as the ticket is committed, while the disk syncs it;
	// it is shown only once Write has returned: once the ticket is durable.
	type answer struct {
		t   *Ticket
		err error
	}
	read := make(chan answer, 1)
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		if number, err = s.createTx(tx, a, in, tags, msg); err != nil {
			return err
		}
		n := number
		tx.OnVisible(func() {
			t, err := s.Get(ctx, a, n)
			read <- answer{t, err}
		})
		return nil
	})
	if dedup != "" && storage.IsUniqueViolation(err) {
		if n, err2 := ticketOfMessage(ctx, s.db.Read(), dedup); err2 == nil {
			return s.Get(ctx, a, n)
		}
	}
	if err != nil {
		return nil, err
	}
	got := <-read
	return got.t, got.err
}

func (s *Service) createTx(tx *storage.Tx, a auth.Actor, in CreateInput, tags []string, msg *preparedMessage) (int64, error) {
	ctx := tx.Context()
	now := s.now()
	customerID := in.Customer.ID
	if customerID != 0 {
		ok, err := customer.Exists(ctx, tx, customerID)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, apperr.Invalid("customer.id", "unknown", nil)
		}
	} else {
		kind, value := in.Customer.identity()
		var err error
		customerID, _, err = s.customers.FindOrCreateTx(tx, a, kind, value, in.Customer.Name)
		if err != nil {
			return 0, err
		}
	}
	teamID := in.TeamID
	if teamID == 0 && a.Kind == auth.ActorUser && len(a.Teams) == 1 {
		teamID = a.Teams[0]
	}
	if teamID != 0 {
		if err := checkTeam(ctx, tx, "team_id", teamID, user.KindTeam); err != nil {
			return 0, err
		}
	}
	if in.AssigneeID != 0 {
		if err := checkAssignee(ctx, tx, "assignee_id", teamID, in.AssigneeID); err != nil {
			return 0, err
		}
	}
	cf, _, err := customfield.Apply(ctx, tx, customfield.Ticket, nil, in.CustomFields, true)
	if err != nil {
		return 0, err
	}
	number, err := nextNumber(tx)
	if err != nil {
		return 0, err
	}
	// The agent who takes a request in person (logs a phone call, writes the first message
	// themselves) owns it. An integration relaying the customer's own words does not: the
	// first agent to act on the ticket will.
	var owner int64
	if a.ServesCustomers() && (in.Channel == "phone" || msg.author == "agent") {
		owner = a.ID
	}
	// The ticket is inserted as it stands after its first message (count, preview, status,
	// owner, timestamps), so the row and its twenty indexes are written once, not twice.
	t := &Ticket{Number: number, Subject: strings.TrimSpace(in.Subject), Status: StatusNew, Channel: in.Channel,
		Customer: Ref{ID: customerID}, CreatedAt: now}
	if owner != 0 {
		t.Owner = &Ref{ID: owner}
	}
	row := newRow("number", number, "subject", t.Subject, "type", in.Type, "subtype", in.Subtype, "status", StatusNew,
		"priority", priorityRank(in.Priority), "channel", in.Channel, "customer_id", customerID,
		"team_id", nullID(teamID), "assignee_id", nullID(in.AssigneeID), "owner_id", nullID(owner), "custom_fields", cf,
		"version", 1, "created_at", now.UnixMilli(), "updated_at", now.UnixMilli(), "message_count", 1)
	effects, err := messageEffects(a, t, msg, now, row.set)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO tickets (`+row.columns()+`) VALUES (`+row.placeholders()+`) RETURNING id`, row.vals...).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert ticket: %w", err)
	}
	t.ID = id
	changes := []event.Change{
		{Action: "created", Field: "status", New: event.Str(StatusNew), Detail: map[string]any{"number": number, "channel": in.Channel}},
	}
	if owner != 0 {
		changes = append(changes, event.Change{Action: "owner_set", Field: "owner", New: event.Int(owner)})
	}
	if len(tags) > 0 {
		if _, _, err := tag.Replace(tx, "ticket_tags", "ticket_id", id, tags, now); err != nil {
			return 0, err
		}
		changes = append(changes, event.Change{Action: "updated", Field: "tags", New: event.Str(strings.Join(tags, ","))})
	}
	msgID, err := s.insertMessage(tx, a, t, msg, now)
	if err != nil {
		return 0, err
	}
	changes = append(changes, messageAdded(msgID, msg))
	changes = append(changes, effects...)
	if err := event.Append(tx, a, event.Ticket, id, now, changes...); err != nil {
		return 0, err
	}
	return number, s.changed(tx, ChangeCreated, id, nil, nil, a, now)
}

// row is a row to insert, built column by column; setting a column again replaces its value.
type row struct {
	cols []string
	vals []any
}

func newRow(pairs ...any) *row {
	r := &row{}
	for i := 0; i < len(pairs); i += 2 {
		r.set(pairs[i].(string), pairs[i+1])
	}
	return r
}

func (r *row) set(col string, v any) {
	if i := slices.Index(r.cols, col); i >= 0 {
		r.vals[i] = v
		return
	}
	r.cols = append(r.cols, col)
	r.vals = append(r.vals, v)
}

func (r *row) columns() string { return strings.Join(r.cols, ", ") }

func (r *row) placeholders() string {
	p := make([]string, len(r.cols))
	for i := range p {
		p[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(p, ", ")
}

func nextNumber(tx *storage.Tx) (int64, error) {
	var n int64
	var err error
	if tx.Dialect() == storage.Postgres {
		err = tx.QueryRowContext(tx.Context(), `SELECT nextval('ticket_number_seq')`).Scan(&n)
	} else {
		err = tx.QueryRowContext(tx.Context(), `UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value`).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("next ticket number: %w", err)
	}
	return n, nil
}

func checkTeam(ctx context.Context, q storage.Querier, field string, id int64, kind string) error {
	k, err := user.TeamKind(ctx, q, id)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && k != kind) {
		return apperr.Invalid(field, "unknown_"+kind, nil)
	}
	return err
}

// checkAssignee: an assignee must be an active staff member who serves customers and, when
// the ticket has a team, a member of it.
func checkAssignee(ctx context.Context, q storage.Querier, field string, teamID, userID int64) error {
	var role string
	var active bool
	err := q.QueryRowContext(ctx, `SELECT role, active FROM users WHERE id = $1`, userID).Scan(&role, &active)
	if err != nil || !active || role == string(auth.RoleDepartment) {
		return apperr.Invalid(field, "unknown_agent", nil)
	}
	if teamID == 0 {
		return nil
	}
	ok, err := user.IsMember(ctx, q, teamID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid(field, "not_in_team", nil)
	}
	return nil
}

func ticketOfMessage(ctx context.Context, q storage.Querier, dedup string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.dedup_key = $1`, dedup).Scan(&n)
	return n, err
}
