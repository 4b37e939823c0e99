package chat

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// chatTicket loads a chat ticket the agent may work; anything else is not found.
func (s *Service) chatTicket(ctx context.Context, a auth.Actor, number int64) (*ticket.Ticket, error) {
	if !a.IsAdmin() && !a.ServesCustomers() {
		return nil, apperr.NotFound("chat")
	}
	t, err := s.tickets.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if t.Channel != "chat" {
		return nil, apperr.NotFound("chat")
	}
	return t, nil
}

// lockTicket holds the ticket's row until the command ends (PostgreSQL).
func lockTicket(tx *storage.Tx, id int64) error {
	if tx.Dialect() != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(tx.Context(), `SELECT id FROM tickets WHERE id = $1 FOR UPDATE`, id)
	return err
}

func chatState(tx *storage.Tx, ticketID int64) (string, error) {
	var state string
	err := tx.QueryRowContext(tx.Context(), `SELECT state FROM chats WHERE ticket_id = $1`, ticketID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.NotFound("chat")
	}
	return state, err
}

// Accept gives a waiting chat to the agent: assigned to them (the first agent to act
// becomes the ticket's owner, as always), within their cap of concurrent chats.
func (s *Service) Accept(ctx context.Context, a auth.Actor, number int64) error {
	t, err := s.chatTicket(ctx, a, number)
	if err != nil {
		return err
	}
	if a.Kind != auth.ActorUser {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := routing.LockAgent(tx, a.ID); err != nil {
			return err
		}
		if err := lockTicket(tx, t.ID); err != nil {
			return err
		}
		state, err := chatState(tx, t.ID)
		if err != nil {
			return err
		}
		cur, err := ticket.LoadTx(tx, t.ID)
		if err != nil {
			return err
		}
		if state == StateClosed || cur.Status == ticket.StatusResolved || cur.Status == ticket.StatusClosed {
			return apperr.Rule("chat_closed", nil)
		}
		mine := cur.Assignee != nil && cur.Assignee.ID == a.ID
		if cur.Assignee != nil && !mine {
			return apperr.Conflict("chat_taken", map[string]any{"agent": cur.Assignee.Name})
		}
		if !mine {
			open, limit, err := routing.OpenChats(tx.Context(), tx, a.ID)
			if err != nil {
				return err
			}
			if open >= limit {
				return apperr.Rule("chat_cap_reached", map[string]any{"max": limit})
			}
			p := ticket.Patch{AssigneeID: ticket.OptionalID{Set: true, Value: a.ID}}
			if cur.Status == ticket.StatusNew {
				st := ticket.StatusOpen
				p.Status = &st
			}
			if err := s.tickets.PatchTx(tx, a, t.ID, p); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(tx.Context(), `UPDATE chats SET state = $1, agent_id = $2, accepted_at = COALESCE(accepted_at, $3)
			WHERE ticket_id = $4`, StateActive, a.ID, s.now().UnixMilli(), t.ID)
		return err
	})
}

// Close ends a chat: the visitor is told, may rate it, and the ticket is resolved.
func (s *Service) Close(ctx context.Context, a auth.Actor, number int64) error {
	t, err := s.chatTicket(ctx, a, number)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := lockTicket(tx, t.ID); err != nil {
			return err
		}
		state, err := chatState(tx, t.ID)
		if err != nil {
			return err
		}
		cur, err := ticket.LoadTx(tx, t.ID)
		if err != nil {
			return err
		}
		if cur.MergedInto != nil {
			return apperr.Rule("ticket_merged", map[string]any{"number": *cur.MergedInto})
		}
		if state != StateClosed {
			if _, err := tx.ExecContext(tx.Context(), `UPDATE chats SET state = $1, closed_at = $2 WHERE ticket_id = $3`,
				StateClosed, s.now().UnixMilli(), t.ID); err != nil {
				return err
			}
		}
		if cur.Status != ticket.StatusResolved && cur.Status != ticket.StatusClosed {
			st := ticket.StatusResolved
			return s.tickets.PatchTx(tx, a, t.ID, ticket.Patch{Status: &st}) // the event and the hint
		}
		return nil
	})
}

// Typing tells the visitor that the agent types (or stopped): a hint, never stored.
func (s *Service) Typing(ctx context.Context, a auth.Actor, number int64, on bool) error {
	t, err := s.chatTicket(ctx, a, number)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(typingData{From: "agent", On: on, User: a.ID, Name: a.Name})
	s.publish(realtime.Event{Topic: TicketTopic(t.Number), Kind: KindTyping, ActorID: a.ID, Actor: a.Name, Data: data})
	return nil
}

// Summary is a chat in an agent's list.
type Summary struct {
	Ticket  *ticket.Ticket `json:"ticket"`
	State   string         `json:"chat_state"`
	Offline bool           `json:"offline"`
}

// Views of the chat list.
const (
	ViewWaiting = "waiting" // nobody accepted them yet
	ViewMine    = "mine"    // the agent's live chats
)

// List returns the chats of a view the agent may see, newest activity first.
func (s *Service) List(ctx context.Context, a auth.Actor, view string, limit int) ([]Summary, error) {
	f := ticket.Filter{Channel: "chat", Statuses: []string{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPendingCustomer}, Limit: limit}
	switch view {
	case ViewWaiting:
		f.AssigneeID = ticket.None
	case ViewMine:
		if a.Kind != auth.ActorUser {
			return []Summary{}, nil
		}
		f.AssigneeID = a.ID
	default:
		return nil, apperr.Invalid("view", "one_of", map[string]any{"values": ViewWaiting + ", " + ViewMine})
	}
	if !a.IsAdmin() && !a.ServesCustomers() {
		return nil, apperr.Forbidden("")
	}
	page, err := s.tickets.List(ctx, a, f)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(page.Items))
	for _, t := range page.Items {
		sm := Summary{Ticket: t}
		err := s.db.Read().QueryRowContext(ctx, `SELECT state, offline FROM chats WHERE ticket_id = $1`, t.ID).Scan(&sm.State, &sm.Offline)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a chat ticket made by hand, not through the widget
		}
		if err != nil {
			return nil, fmt.Errorf("chat state: %w", err)
		}
		if sm.State == StateClosed {
			continue
		}
		out = append(out, sm)
	}
	return out, nil
}
