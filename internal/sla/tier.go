package sla

import (
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
)

// OnCustomerChange is the customer hook: a change of tier re-chooses the policy of the
// customer's unresolved tickets in the change's transaction, so their due times move with
// it and each move leaves an event on the ticket.
func (s *Service) OnCustomerChange(tx *storage.Tx, c customer.Change) error {
	if c.Before == nil || c.After == nil || c.Before.Tier == c.After.Tier {
		return nil
	}
	return s.RefreshCustomerTx(tx, c.After.ID, c.At)
}
