// Package rating keeps customers' ratings of their tickets (满意度评价): a score from 1 to 5
// with an optional comment, one per ticket, given once a chat is closed or a ticket resolved
// or closed, and changeable by the same customer. Every rating and change is an event on the
// ticket. Staff read the ratings of the tickets they may see.
package rating

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// CommentChars bounds a rating's comment.
const CommentChars = 2000

// Rating is a customer's rating of a ticket.
type Rating struct {
	TicketNumber int64     `json:"ticket_number"`
	Score        int       `json:"score"`
	Comment      string    `json:"comment"`
	CustomerID   int64     `json:"customer_id"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Input is a rating as given.
type Input struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// Service rates tickets.
type Service struct {
	db      *storage.DB
	tickets *ticket.Service
	now     func() time.Time
}

// NewService makes the rating service; it reads tickets through tickets.
func NewService(db *storage.DB, tickets *ticket.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, tickets: tickets, now: now}
}

// Ratable reports whether a ticket may be rated now: it is resolved or closed, or it is a
// chat that was closed. q reads inside the caller's command or from the pool.
func Ratable(ctx context.Context, q storage.Querier, t *ticket.Ticket) (bool, error) {
	if t.Status == ticket.StatusResolved || t.Status == ticket.StatusClosed {
		return true, nil
	}
	if t.Channel != "chat" {
		return false, nil
	}
	var state string
	err := q.QueryRowContext(ctx, `SELECT state FROM chats WHERE ticket_id = $1`, t.ID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("chat state of ticket %d: %w", t.Number, err)
	}
	return state == "closed", nil
}

// Rate records the customer's rating of their ticket, or changes it. Only the ticket's
// customer may rate; to anyone else the ticket does not exist.
func (s *Service) Rate(ctx context.Context, a auth.Actor, number int64, in Input) (*Rating, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	f := apperr.Fields{}
	f.Check(in.Score >= 1 && in.Score <= 5, "score", "out_of_range", map[string]any{"min": 1, "max": 5})
	f.Check(utf8.RuneCountInString(in.Comment) <= CommentChars, "comment", "too_long", map[string]any{"max": CommentChars})
	f.Check(utf8.ValidString(in.Comment), "comment", "bad_encoding", nil)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if a.Kind != auth.ActorCustomer {
		return nil, apperr.NotFound("ticket")
	}
	t, err := s.tickets.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	var out *Rating
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		ctx := tx.Context()
		if tx.Dialect() == storage.Postgres {
			// Two first ratings at once must not both insert: hold the ticket's row.
			if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE id = $1 FOR UPDATE`, t.ID); err != nil {
				return fmt.Errorf("lock ticket: %w", err)
			}
		}
		cur, err := ticket.LoadTx(tx, t.ID)
		if err != nil {
			return err
		}
		if cur.Customer.ID != a.ID {
			return apperr.NotFound("ticket")
		}
		ok, err := Ratable(ctx, tx, cur)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("score", "rating_too_early", nil)
		}
		now := s.now()
		old, err := load(ctx, tx, cur.ID)
		if err != nil {
			return err
		}
		if old == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO ratings (ticket_id, customer_id, score, comment, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)`, cur.ID, a.ID, in.Score, in.Comment, now.UnixMilli())
			if err != nil {
				return fmt.Errorf("insert rating: %w", err)
			}
			out = &Rating{TicketNumber: cur.Number, Score: in.Score, Comment: in.Comment, CustomerID: a.ID,
				CreatedAt: time.UnixMilli(now.UnixMilli()).UTC(), UpdatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
			return event.Append(tx, a, event.Ticket, cur.ID, now, event.Change{Action: "rated", Field: "rating",
				New: event.Int(int64(in.Score)), Detail: map[string]any{"comment": in.Comment}})
		}
		before := *old
		out = old
		out.TicketNumber = cur.Number
		if old.Score == in.Score && old.Comment == in.Comment {
			return nil // the same rating again changes nothing
		}
		_, err = tx.ExecContext(ctx, `UPDATE ratings SET score = $1, comment = $2, updated_at = $3 WHERE ticket_id = $4`,
			in.Score, in.Comment, now.UnixMilli(), cur.ID)
		if err != nil {
			return fmt.Errorf("update rating: %w", err)
		}
		out.Score, out.Comment, out.UpdatedAt = in.Score, in.Comment, time.UnixMilli(now.UnixMilli()).UTC()
		return event.Append(tx, a, event.Ticket, cur.ID, now, event.Change{Action: "rated", Field: "rating",
			Old: event.Int(int64(before.Score)), New: event.Int(int64(in.Score)),
			Detail: map[string]any{"comment_before": before.Comment, "comment": in.Comment}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns the rating of a ticket the actor may see; nil when it is not rated.
func (s *Service) Get(ctx context.Context, a auth.Actor, number int64) (*Rating, error) {
	t, err := s.tickets.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	r, err := load(ctx, s.db.Read(), t.ID)
	if err != nil || r == nil {
		return nil, err
	}
	r.TicketNumber = t.Number
	return r, nil
}

func load(ctx context.Context, q storage.Querier, ticketID int64) (*Rating, error) {
	r := &Rating{}
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT score, comment, customer_id, created_at, updated_at FROM ratings WHERE ticket_id = $1`,
		ticketID).Scan(&r.Score, &r.Comment, &r.CustomerID, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load rating: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return r, nil
}
