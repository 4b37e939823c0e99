package ticket

import (
	"fmt"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
)

// Channels such as email must record their own rows (the mail a message came from, its
// state) in the same transaction as the ticket's message, so that a crash can never leave
// a message without its mail marked done or a mail marked done without its message. These
// entry points run inside a command the channel already holds. They trust the channel: it
// acts for the customer, so the staff permission checks of Create and AddMessage do not
// apply; the input checks do.

// CreateInTx opens a ticket with its first message inside tx and returns its number and
// the message's id. in.IdempotencyKey, when set, is stored as the message's dedup key as
// it is; a second create with the same key fails with a unique violation.
func (s *Service) CreateInTx(tx *storage.Tx, a auth.Actor, in CreateInput) (number, messageID int64, err error) {
	if in.Type == "" {
		in.Type = "consultation"
	}
	if in.Priority == "" {
		in.Priority = "normal"
	}
	f := apperr.Fields{}
	s.checkText(f, in.Subject)
	oneOf(f, "type", in.Type, Types)
	oneOf(f, "priority", in.Priority, Priorities)
	oneOf(f, "channel", in.Channel, Channels)
	f.Check(in.Customer.Email != "" || in.Customer.ID != 0, "customer", "required", nil)
	if in.Message == nil {
		f.Add("message", "required", nil)
		return 0, 0, f.Err()
	}
	tags, err := tag.Normalize("tags", in.Tags)
	if err != nil {
		return 0, 0, err
	}
	if in.Message.Channel == "" {
		in.Message.Channel = in.Channel
	}
	msg := s.prepareMessage(f, a, *in.Message, "message.")
	if err := f.Err(); err != nil {
		return 0, 0, err
	}
	msg.dedupKey = in.IdempotencyKey
	number, err = s.createTx(tx, a, in, tags, msg)
	if err != nil {
		return 0, 0, err
	}
	err = tx.QueryRowContext(tx.Context(), `SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id
		WHERE t.number = $1 ORDER BY m.id LIMIT 1`, number).Scan(&messageID)
	if err != nil {
		return 0, 0, fmt.Errorf("first message of ticket %d: %w", number, err)
	}
	return number, messageID, nil
}

// AddMessageInTx adds a message to ticket number inside tx, with the effects AddMessage
// has (a customer's reply reopens a resolved or closed ticket). in.DedupKey is stored as it
// is. A ticket merged into another takes the message on the ticket it was merged into.
func (s *Service) AddMessageInTx(tx *storage.Tx, a auth.Actor, number int64, in MessageInput) (messageID int64, err error) {
	f := apperr.Fields{}
	m := s.prepareMessage(f, a, in, "")
	if err := f.Err(); err != nil {
		return 0, err
	}
	m.dedupKey = in.DedupKey
	for range 8 { // follow merges, bounded: a chain of merges is short
		t, err := loadByNumber(tx.Context(), tx, number)
		if err != nil {
			return 0, err
		}
		if t.MergedInto != nil {
			number = *t.MergedInto
			continue
		}
		now := s.now()
		if messageID, err = s.addMessageTx(tx, a, t, m, now); err != nil {
			return 0, err
		}
		return messageID, s.changed(tx, ChangeMessage, t.ID, t, &MessageInfo{ID: messageID, Kind: m.kind, AuthorKind: m.author}, a, now)
	}
	return 0, apperr.Rule("ticket_merged", map[string]any{"number": number})
}
