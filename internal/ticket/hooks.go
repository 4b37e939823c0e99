package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
)

// Kinds of change a hook hears about.
const (
	ChangeCreated     = "created"     // a new ticket (also the new half of a split)
	ChangeUpdated     = "updated"     // fields patched (status, priority, type, assignee …)
	ChangeMessage     = "message"     // a reply or note was added
	ChangeTransferred = "transferred" // handed to another team
	ChangeMerged      = "merged"      // closed into another ticket
)

// MessageInfo describes the message of a ChangeMessage.
type MessageInfo struct {
	ID         int64
	Kind       string // KindReply or KindNote
	AuthorKind string // "agent", "customer" or "system"
}

// Change is what a hook is told: which ticket changed, how, by whom and when. Before is the
// ticket as the command found it (nil for a new one); After is the ticket as the command
// left it, read inside the same transaction.
type Change struct {
	Kind    string
	Before  *Ticket
	After   *Ticket
	Message *MessageInfo
	Actor   auth.Actor
	At      time.Time
}

// Hook reacts to a ticket change inside the command's transaction: what it writes commits
// or rolls back with the change itself, and an error it returns fails the command.
type Hook func(tx *storage.Tx, c Change) error

// OnChange registers a hook run after every change to a ticket, inside the write
// transaction (service levels, routing, automation). Register hooks while wiring the app,
// before the service handles requests: the list is not guarded for concurrent changes.
func (s *Service) OnChange(h Hook) { s.hooks = append(s.hooks, h) }

// changed runs the hooks for a change of the ticket with id; After is loaded once for all.
func (s *Service) changed(tx *storage.Tx, kind string, id int64, before *Ticket, msg *MessageInfo, a auth.Actor, at time.Time) error {
	if len(s.hooks) == 0 {
		return nil
	}
	after, err := LoadTx(tx, id)
	if err != nil {
		return err
	}
	c := Change{Kind: kind, Before: before, After: after, Message: msg, Actor: a, At: at}
	for _, h := range s.hooks {
		if err := h(tx, c); err != nil {
			return err
		}
	}
	return nil
}

// LoadTx reads one ticket by id inside a command's transaction, seeing the command's own
// writes. It takes no lock; the command that changed the ticket already holds it.
func LoadTx(tx *storage.Tx, id int64) (*Ticket, error) { return Load(tx.Context(), tx, id) }

// Load reads one ticket by id, with no permission check, for other domains' rules (routing,
// automation) that see every ticket.
func Load(ctx context.Context, q storage.Querier, id int64) (*Ticket, error) {
	// One-row statements, which the SQLite writer keeps prepared (a list's IN query it cannot).
	t, err := scanTicket(q.QueryRowContext(ctx, selectTickets+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket id %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket %d: %w", id, err)
	}
	if t.Tags, err = tag.NamesOf(ctx, q, "ticket_tags", "ticket_id", t.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// RouteTx hands a ticket to a team and agent on behalf of automatic routing, inside the
// caller's transaction (a hook's): it records the move with the routing rule that chose it
// and tells the hooks. teamID 0 keeps the team; userID 0 leaves the ticket unassigned.
// The first-contact owner does not change.
func (s *Service) RouteTx(tx *storage.Tx, a auth.Actor, id, teamID, userID int64, rule string, at time.Time) error {
	before, err := LoadTx(tx, id)
	if err != nil {
		return err
	}
	if teamID == 0 {
		teamID = before.teamID()
	}
	if teamID == before.teamID() && userID == before.assigneeID() {
		return nil
	}
	detail := map[string]any{"rule": rule}
	var changes []event.Change
	if teamID != before.teamID() {
		changes = append(changes, event.Change{Action: "transferred", Field: "team", Old: event.OptInt(optional(before.teamID())),
			New: event.OptInt(optional(teamID)), Detail: detail})
	}
	if userID != before.assigneeID() {
		changes = append(changes, event.Change{Action: "assigned", Field: "assignee", Old: event.OptInt(optional(before.assigneeID())),
			New: event.OptInt(optional(userID)), Detail: detail})
	}
	if _, err := tx.ExecContext(tx.Context(), `UPDATE tickets SET team_id = $1, assignee_id = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
		nullID(teamID), nullID(userID), at.UnixMilli(), id); err != nil {
		return fmt.Errorf("route ticket #%d: %w", before.Number, err)
	}
	if err := event.Append(tx, a, event.Ticket, id, at, changes...); err != nil {
		return err
	}
	return s.changed(tx, ChangeUpdated, id, before, nil, a, at)
}

// PatchTx changes a ticket inside the caller's transaction on behalf of automation: the same
// checks and events as Update, and the hooks hear the change. The ticket is locked first.
func (s *Service) PatchTx(tx *storage.Tx, a auth.Actor, id int64, p Patch) error {
	t, err := lockedByID(tx, id)
	if err != nil {
		return err
	}
	if t.MergedInto != nil {
		return nil // a merged ticket no longer changes
	}
	var tags []string
	if p.Tags != nil {
		if tags, err = tag.Normalize("tags", p.Tags); err != nil {
			return err
		}
	}
	return s.applyPatch(tx, a, t, p, tags)
}

// MessageTx adds a message inside the caller's transaction on behalf of automation (an
// internal note, a templated reply) and tells the hooks. It returns the message id.
func (s *Service) MessageTx(tx *storage.Tx, a auth.Actor, id int64, in MessageInput) (int64, error) {
	f := apperr.Fields{}
	m := s.prepareMessage(f, a, in, "")
	if err := f.Err(); err != nil {
		return 0, err
	}
	t, err := lockedByID(tx, id)
	if err != nil {
		return 0, err
	}
	now := s.now()
	mid, err := s.addMessageTx(tx, a, t, m, now)
	if err != nil {
		return 0, err
	}
	return mid, s.changed(tx, ChangeMessage, id, t, &MessageInfo{ID: mid, Kind: m.kind, AuthorKind: m.author}, a, now)
}

// lockedByID loads a ticket by id, holding its row on PostgreSQL as commands do.
func lockedByID(tx *storage.Tx, id int64) (*Ticket, error) {
	t, err := LoadTx(tx, id)
	if err != nil {
		return nil, err
	}
	return loadByNumber(tx.Context(), tx, t.Number)
}
