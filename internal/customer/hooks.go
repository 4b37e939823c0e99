package customer

import (
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Change is what a customer hook is told: the record as the command found it and as it
// left it (read inside the same transaction), by whom and when.
type Change struct {
	Before *Customer
	After  *Customer
	Actor  auth.Actor
	At     time.Time
}

// Hook reacts to a change of a customer record inside the command's transaction (service
// levels re-choose the policy of the customer's tickets when the tier changes): what it
// writes commits or rolls back with the change, and an error it returns fails the command.
type Hook func(tx *storage.Tx, c Change) error

// OnChange registers a hook run after every update of a customer record, inside the write
// transaction. Register hooks while wiring the app, before the service handles requests.
func (s *Service) OnChange(h Hook) { s.hooks = append(s.hooks, h) }

// changed runs the hooks for an update of the customer with id.
func (s *Service) changed(tx *storage.Tx, before *Customer, a auth.Actor, at time.Time) error {
	if len(s.hooks) == 0 {
		return nil
	}
	after, err := s.load(tx.Context(), tx, before.ID)
	if err != nil {
		return err
	}
	c := Change{Before: before, After: after, Actor: a, At: at}
	for _, h := range s.hooks {
		if err := h(tx, c); err != nil {
			return err
		}
	}
	return nil
}
