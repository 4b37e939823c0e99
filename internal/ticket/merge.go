package ticket

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
)

// Merge moves every message of ticket `number` into ticket `into` (the same customer's),
// closes it with a link to the one it went into, and records both sides.
func (s *Service) Merge(ctx context.Context, a auth.Actor, number, into int64) (*Ticket, error) {
	if into == 0 {
		return nil, apperr.Invalid("into", "required", nil)
	}
	if into == number {
		return nil, apperr.Invalid("into", "merge_self", nil)
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := lockTickets(ctx, tx, number, into); err != nil {
			return err
		}
		src, err := workable(ctx, tx, a, number)
		if err != nil {
			return err
		}
		dst, err := workable(ctx, tx, a, into)
		if errors.Is(err, apperr.ErrNotFound) {
			return apperr.Invalid("into", "unknown_ticket", nil)
		}
		if err != nil {
			return err
		}
		if src.Customer.ID != dst.Customer.ID {
			return apperr.Rule("merge_customer_mismatch", map[string]any{"from": number, "into": into})
		}
		now := s.now()
		ms := now.UnixMilli()
		// The moved messages keep their index rows: the duplicate's subject stays findable
		// through its first message and now leads to the ticket it was merged into.
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2`, dst.ID, src.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET status = 'closed', closed_at = $1, merged_into_id = $2, message_count = 0,
			updated_at = $1, version = version + 1 WHERE id = $3`, ms, dst.ID, src.ID); err != nil {
			return err
		}
		if err := refreshCounts(tx, dst.ID, ms); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_links (from_id, to_id, kind, created_at) VALUES ($1, $2, 'merged', $3) ON CONFLICT DO NOTHING`,
			src.ID, dst.ID, ms); err != nil {
			return err
		}
		if err := event.Append(tx, a, event.Ticket, src.ID, now,
			event.Change{Action: "merged", Field: "status", Old: event.Str(src.Status), New: event.Str(StatusClosed), Detail: map[string]any{"into": into, "messages": src.MessageCount}}); err != nil {
			return err
		}
		if err := event.Append(tx, a, event.Ticket, dst.ID, now,
			event.Change{Action: "merged_from", Detail: map[string]any{"from": number, "messages": src.MessageCount}}); err != nil {
			return err
		}
		if err := s.changed(tx, ChangeMerged, src.ID, src, nil, a, now); err != nil {
			return err
		}
		return s.changed(tx, ChangeUpdated, dst.ID, dst, nil, a, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, into)
}

// refreshCounts recomputes a ticket's message count, preview and last customer message
// after messages moved in or out.
func refreshCounts(tx *storage.Tx, id, now int64) error {
	ctx := tx.Context()
	var count int
	var lastCustomer, lastAgent sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), max(CASE WHEN author_kind = 'customer' THEN created_at END),
			max(CASE WHEN author_kind = 'agent' AND kind = 'reply' THEN created_at END) FROM messages WHERE ticket_id = $1`, id).
		Scan(&count, &lastCustomer, &lastAgent); err != nil {
		return err
	}
	var text string
	err := tx.QueryRowContext(ctx, `SELECT body_text FROM messages WHERE ticket_id = $1 AND kind = 'reply' ORDER BY id DESC LIMIT 1`, id).Scan(&text)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET message_count = $1, preview = $2, last_customer_message_at = $3,
		last_agent_message_at = $4, updated_at = $5, version = version + 1 WHERE id = $6`,
		count, preview(text), nullable(lastCustomer), nullable(lastAgent), now, id)
	return err
}

// SplitInput names the message that becomes a new ticket.
type SplitInput struct {
	MessageID int64  `json:"message_id"`
	Subject   string `json:"subject"`
}

// Split moves one message of a ticket into a new ticket of the same customer, linked to the
// original. The new ticket keeps the original's owner: it is the same customer's request.
func (s *Service) Split(ctx context.Context, a auth.Actor, number int64, in SplitInput) (*Ticket, error) {
	f := apperr.Fields{}
	f.Check(in.MessageID != 0, "message_id", "required", nil)
	if in.Subject != "" {
		s.checkText(f, in.Subject)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var newNumber int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		t, err := workable(ctx, tx, a, number)
		if err != nil {
			return err
		}
		var owner int64
		err = tx.QueryRowContext(ctx, `SELECT ticket_id FROM messages WHERE id = $1`, in.MessageID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != t.ID) {
			return apperr.Invalid("message_id", "unknown_message", nil)
		}
		if err != nil {
			return err
		}
		if t.MessageCount <= 1 {
			return apperr.Rule("split_last_message", nil)
		}
		subject := strings.TrimSpace(in.Subject)
		if subject == "" {
			subject = t.Subject
		}
		now := s.now()
		ms := now.UnixMilli()
		if newNumber, err = nextNumber(tx); err != nil {
			return err
		}
		var cf string
		if err := tx.QueryRowContext(ctx, `SELECT custom_fields FROM tickets WHERE id = $1`, t.ID).Scan(&cf); err != nil {
			return err
		}
		var newID int64
		err = tx.QueryRowContext(ctx, `INSERT INTO tickets (number, subject, type, subtype, status, priority, channel, customer_id,
				team_id, assignee_id, owner_id, custom_fields, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id`,
			newNumber, subject, t.Type, t.Subtype, priorityRank(t.Priority), t.Channel, t.Customer.ID,
			nullID(t.teamID()), nullID(t.assigneeID()), nullID(t.ownerID()), cf, ms).Scan(&newID)
		if err != nil {
			return err
		}
		oldFirst, err := firstMessage(tx, t.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET ticket_id = $1 WHERE id = $2`, newID, in.MessageID); err != nil {
			return err
		}
		newFirst, err := firstMessage(tx, t.ID)
		if err != nil {
			return err
		}
		if err := reindexMessages(tx, in.MessageID, oldFirst, newFirst); err != nil {
			return err
		}
		if err := refreshCounts(tx, newID, ms); err != nil {
			return err
		}
		if err := refreshCounts(tx, t.ID, ms); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_links (from_id, to_id, kind, created_at) VALUES ($1, $2, 'split', $3)`, t.ID, newID, ms); err != nil {
			return err
		}
		if err := event.Append(tx, a, event.Ticket, newID, now,
			event.Change{Action: "created", Field: "status", New: event.Str(StatusOpen), Detail: map[string]any{"number": newNumber, "split_from": number, "message_id": in.MessageID}}); err != nil {
			return err
		}
		if err := event.Append(tx, a, event.Ticket, t.ID, now,
			event.Change{Action: "split", Detail: map[string]any{"into": newNumber, "message_id": in.MessageID}}); err != nil {
			return err
		}
		return s.changed(tx, ChangeCreated, newID, nil, nil, a, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, newNumber)
}

// Link relates two tickets (kind "related"); Unlink removes the relation.
func (s *Service) Link(ctx context.Context, a auth.Actor, number, other int64, on bool) error {
	if other == number {
		return apperr.Invalid("number", "link_self", nil)
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := lockTickets(ctx, tx, number, other); err != nil {
			return err
		}
		t, err := workable(ctx, tx, a, number)
		if err != nil {
			return err
		}
		o, err := visible(ctx, tx, a, other)
		if errors.Is(err, apperr.ErrNotFound) {
			return apperr.Invalid("number", "unknown_ticket", nil)
		}
		if err != nil {
			return err
		}
		from, to := min(t.ID, o.ID), max(t.ID, o.ID)
		now := s.now()
		var res sql.Result
		action := "linked"
		if on {
			res, err = tx.ExecContext(ctx, `INSERT INTO ticket_links (from_id, to_id, kind, created_at) VALUES ($1, $2, 'related', $3) ON CONFLICT DO NOTHING`, from, to, now.UnixMilli())
		} else {
			action = "unlinked"
			res, err = tx.ExecContext(ctx, `DELETE FROM ticket_links WHERE from_id = $1 AND to_id = $2 AND kind = 'related'`, from, to)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := event.Append(tx, a, event.Ticket, t.ID, now, event.Change{Action: action, Field: "links", New: event.Int(other)}); err != nil {
			return err
		}
		return event.Append(tx, a, event.Ticket, o.ID, now, event.Change{Action: action, Field: "links", New: event.Int(number)})
	})
}

func nullable(v sql.NullInt64) any {
	if !v.Valid {
		return nil
	}
	return v.Int64
}
