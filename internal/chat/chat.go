// Package chat is live chat with website visitors: a chat is a ticket with channel chat, so
// it follows the ticket's rules, owner and events; this package adds what only a chat has.
// Visitors are known by a random token (only its SHA-256 is stored) and become customers
// once the pre-chat form names them. Every visitor message carries the client's id (cid),
// stored as the message's dedup key, so a message resent after a reconnect is stored once.
// Agents accept a chat (respecting their cap of concurrent chats), transfer it and close it.
// The package speaks no HTTP: internal/widget is the public edge, httpapi the agents' REST.
package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Chat states.
const (
	StateWaiting = "waiting" // nobody has accepted it yet
	StateActive  = "active"  // an agent accepted it
	StateClosed  = "closed"  // ended by the agent or the visitor
)

// Realtime topics and kinds this package speaks.
const (
	InboxTopic  = "inbox"    // new chats are announced here
	KindChatNew = "chat_new" // Data: {"number": 10001}
	KindTyping  = "typing"   // Data: {"from": "agent"|"visitor", "on": true}
	KindChat    = "chat"     // the chat's own state changed (ended by the visitor)
)

// TicketTopic is the realtime topic of a ticket's changes.
func TicketTopic(number int64) string { return "ticket:" + strconv.FormatInt(number, 10) }

// SettingDefaultTeam is the settings key of the team that takes chats when the widget
// names none (or names one that does not exist): a team id.
const SettingDefaultTeam = "chat.default_team"

// Limits bound what a visitor may send.
type Limits struct {
	MessageChars int // default 5,000
	NameChars    int // default 100
	TopicChars   int // default 100
}

func (l Limits) withDefaults() Limits {
	if l.MessageChars <= 0 {
		l.MessageChars = 5000
	}
	if l.NameChars <= 0 {
		l.NameChars = 100
	}
	if l.TopicChars <= 0 {
		l.TopicChars = 100
	}
	return l
}

// Options configure the service.
type Options struct {
	DB        *storage.DB
	Tickets   *ticket.Service
	Customers *customer.Service
	Ratings   *rating.Service
	Realtime  realtime.Broker // nil: nothing is announced (tests of the domain alone)
	Limits    Limits
	Now       func() time.Time
}

// Service runs chats.
type Service struct {
	db        *storage.DB
	tickets   *ticket.Service
	customers *customer.Service
	ratings   *rating.Service
	broker    realtime.Broker
	limits    Limits
	now       func() time.Time
}

// NewService makes the chat service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Ratings == nil {
		o.Ratings = rating.NewService(o.DB, o.Tickets, o.Now)
	}
	return &Service{db: o.DB, tickets: o.Tickets, customers: o.Customers, ratings: o.Ratings, broker: o.Realtime,
		limits: o.Limits.withDefaults(), now: o.Now}
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Broker returns the realtime broker the service announces on (nil when none).
func (s *Service) Broker() realtime.Broker { return s.broker }

func (s *Service) publish(e realtime.Event) {
	if s.broker != nil {
		if e.At.IsZero() {
			e.At = s.now()
		}
		s.broker.Publish(e)
	}
}

// Visitor is a widget user, known by their token.
type Visitor struct {
	ID         int64
	CustomerID int64 // 0 until the pre-chat form named them
	Name       string
}

// actor is the visitor acting as their customer.
func (v *Visitor) actor() auth.Actor {
	return auth.Actor{Kind: auth.ActorCustomer, ID: v.CustomerID, Name: v.Name}
}

// HashToken is what is stored of a visitor token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hello finds the visitor a token belongs to; an empty or unknown token makes a new visitor
// with a new token. The token returned is the one the widget must keep.
func (s *Service) Hello(ctx context.Context, token string) (*Visitor, string, error) {
	if token != "" && len(token) <= 128 {
		v, err := s.VisitorByToken(ctx, token)
		if err == nil {
			return v, token, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, "", err
		}
	}
	token = newToken()
	now := s.now().UnixMilli()
	v := &Visitor{}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		return tx.QueryRowContext(tx.Context(), `INSERT INTO chat_visitors (token_hash, created_at, last_seen_at) VALUES ($1, $2, $2) RETURNING id`,
			HashToken(token), now).Scan(&v.ID)
	})
	if err != nil {
		return nil, "", fmt.Errorf("new visitor: %w", err)
	}
	return v, token, nil
}

// VisitorByToken returns the visitor of a token (sql.ErrNoRows when unknown).
func (s *Service) VisitorByToken(ctx context.Context, token string) (*Visitor, error) {
	v := &Visitor{}
	var cust sql.NullInt64
	var name sql.NullString
	err := s.db.Read().QueryRowContext(ctx, `SELECT v.id, v.customer_id, c.name FROM chat_visitors v
		LEFT JOIN customers c ON c.id = v.customer_id WHERE v.token_hash = $1`, HashToken(token)).Scan(&v.ID, &cust, &name)
	if err != nil {
		return nil, err
	}
	v.CustomerID, v.Name = cust.Int64, name.String
	return v, nil
}

// Chat is a chat as the visitor and agents see its state.
type Chat struct {
	Number   int64  `json:"number"`
	TicketID int64  `json:"-"`
	Status   string `json:"status"` // the ticket's status
	State    string `json:"state"`  // waiting, active, closed
	Offline  bool   `json:"offline"`
	Agent    string `json:"agent"`            // the assignee's name, "" when nobody
	Rating   int    `json:"rating,omitempty"` // the visitor's score once rated
	TeamID   int64  `json:"-"`
}

// Current returns the visitor's latest chat, or nil when they never started one.
func (s *Service) Current(ctx context.Context, v *Visitor) (*Chat, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT ticket_id FROM chats WHERE visitor_id = $1 ORDER BY ticket_id DESC LIMIT 1`, v.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("current chat: %w", err)
	}
	return s.load(ctx, s.db.Read(), id)
}

// load reads a chat's state by ticket id.
func (s *Service) load(ctx context.Context, q storage.Querier, ticketID int64) (*Chat, error) {
	t, err := ticket.Load(ctx, q, ticketID)
	if err != nil {
		return nil, err
	}
	c := &Chat{Number: t.Number, TicketID: t.ID, Status: t.Status}
	var team sql.NullInt64
	var score sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT c.state, c.offline, c.team_id, r.score FROM chats c
		LEFT JOIN ratings r ON r.ticket_id = c.ticket_id WHERE c.ticket_id = $1`, ticketID).Scan(&c.State, &c.Offline, &team, &score)
	if err != nil {
		return nil, fmt.Errorf("chat of ticket %d: %w", t.Number, err)
	}
	c.TeamID, c.Rating = team.Int64, int(score.Int64)
	if t.Assignee != nil {
		c.Agent = t.Assignee.Name
	}
	return c, nil
}

// typingData is a typing hint's payload.
type typingData struct {
	From string `json:"from"`
	On   bool   `json:"on"`
	User int64  `json:"user,omitempty"`
	Name string `json:"name,omitempty"`
}

// TypingEvent decodes a typing hint: who types and whether they started or stopped.
func TypingEvent(e realtime.Event) (from string, on bool, ok bool) {
	var d typingData
	if e.Kind != KindTyping || json.Unmarshal(e.Data, &d) != nil {
		return "", false, false
	}
	return d.From, d.On, true
}

// Tickets returns the ticket service chats are stored through.
func (s *Service) Tickets() *ticket.Service { return s.tickets }
