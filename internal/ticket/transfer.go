package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/user"
)

// TransferInput hands a ticket to another team (and optionally one of its agents).
type TransferInput struct {
	TeamID     int64  `json:"team_id"`
	AssigneeID int64  `json:"assignee_id"`
	Reason     string `json:"reason"`
	Version    *int64 `json:"version"`
}

// Transfer moves a ticket to a team and agent with a reason. The first-contact owner does
// not change: whoever first took the request stays accountable for it (首问负责制). The trail
// records from, to and why.
func (s *Service) Transfer(ctx context.Context, a auth.Actor, number int64, in TransferInput) (*Ticket, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	f := apperr.Fields{}
	f.Check(in.TeamID != 0, "team_id", "required", nil)
	f.Check(in.Reason != "", "reason", "required", nil)
	f.Check(utf8.RuneCountInString(in.Reason) <= 500, "reason", "too_long", map[string]any{"max": 500})
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		t, err := workable(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != t.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": t.Version})
		}
		if err := checkTeam(ctx, tx, "team_id", in.TeamID, user.KindTeam); err != nil {
			return err
		}
		if in.AssigneeID != 0 {
			if err := checkAssignee(ctx, tx, "assignee_id", in.TeamID, in.AssigneeID); err != nil {
				return err
			}
		}
		if in.TeamID == t.teamID() && in.AssigneeID == t.assigneeID() {
			return apperr.Rule("transfer_no_change", nil)
		}
		now := s.now()
		detail := map[string]any{"reason": in.Reason}
		changes := []event.Change{{Action: "transferred", Field: "team", Old: event.OptInt(optional(t.teamID())), New: event.Int(in.TeamID), Detail: detail}}
		if in.AssigneeID != t.assigneeID() {
			changes = append(changes, event.Change{Action: "transferred", Field: "assignee",
				Old: event.OptInt(optional(t.assigneeID())), New: event.OptInt(optional(in.AssigneeID)), Detail: detail})
		}
		owner := t.ownerID()
		if owner == 0 && a.ServesCustomers() {
			owner = a.ID
			changes = append(changes, event.Change{Action: "owner_set", Field: "owner", New: event.Int(owner)})
		}
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET team_id = $1, assignee_id = $2, owner_id = $3, updated_at = $4, version = version + 1
			WHERE id = $5 AND version = $6`, in.TeamID, nullID(in.AssigneeID), nullID(owner), now.UnixMilli(), t.ID, t.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.Conflict("stale_version", nil)
		}
		if err := event.Append(tx, a, event.Ticket, t.ID, now, changes...); err != nil {
			return err
		}
		return s.changed(tx, ChangeTransferred, t.ID, t, nil, a, now)
	})
	if err != nil {
		return nil, err
	}
	// The actor may no longer see the ticket after handing it on; report it as the system sees it.
	if t, err := s.Get(ctx, a, number); err == nil {
		return t, nil
	}
	return s.Get(ctx, auth.System(), number)
}
