package user

import (
	"context"
	"fmt"
	"slices"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
)

// TeamUsage is what still points at a team or department.
type TeamUsage struct {
	Tickets   int // tickets of the team, or handed to the department (any status)
	Mailboxes int // mailboxes whose mail lands in the team
	Members   int
}

// InUse reports whether deleting the team would orphan work.
func (u TeamUsage) InUse() bool { return u.Tickets > 0 || u.Mailboxes > 0 }

// teamUsage counts what uses a team inside a command. Ticket counts stop at 1,000.
func teamUsage(ctx context.Context, q storage.Querier, id int64) (TeamUsage, error) {
	var u TeamUsage
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM tickets WHERE team_id = $1 LIMIT 1000) a) +
		(SELECT count(*) FROM (SELECT 1 FROM tickets WHERE department_id = $1 LIMIT 1000) b),
		(SELECT count(*) FROM mailboxes WHERE team_id = $1),
		(SELECT count(*) FROM team_members WHERE team_id = $1)`, id).Scan(&u.Tickets, &u.Mailboxes, &u.Members)
	if err != nil {
		return u, fmt.Errorf("team %d usage: %w", id, err)
	}
	u.Tickets = min(u.Tickets, 1000)
	return u, nil
}

// TeamUsage tells what uses a team, for the administration page.
func (s *Service) TeamUsage(ctx context.Context, id int64) (TeamUsage, error) {
	return teamUsage(ctx, s.db.Read(), id)
}

// DeleteTeam removes a team or department that no ticket and no mailbox uses (admins only);
// its memberships go with it, and the deletion is recorded on the team with its members.
// A team in use is refused with "team_in_use", saying what uses it: its tickets must be
// transferred first, so that no ticket loses its queue.
func (s *Service) DeleteTeam(ctx context.Context, actor auth.Actor, id int64) error {
	if !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM teams WHERE id = $1`, id).Scan(&name); err != nil {
			return apperr.NotFound("team")
		}
		use, err := teamUsage(ctx, tx, id)
		if err != nil {
			return err
		}
		if use.InUse() {
			more := ""
			if use.Tickets >= 1000 {
				more = "+"
			}
			return apperr.Conflict("team_in_use", map[string]any{"name": name, "tickets": fmt.Sprint(use.Tickets) + more, "mailboxes": use.Mailboxes})
		}
		var members []int64
		rows, err := tx.QueryContext(ctx, `SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid int64
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return err
			}
			members = append(members, uid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete team %d: %w", id, err)
		}
		return event.Append(tx, actor, event.Team, id, s.now(), event.Change{Action: "deleted", Field: "name", Old: event.Str(name),
			Detail: map[string]any{"members": members}})
	})
}

// SetTeams makes a user's teams and departments exactly teamIDs (admins only), in one
// command; each membership added or removed is recorded on its team.
func (s *Service) SetTeams(ctx context.Context, actor auth.Actor, userID int64, teamIDs []int64) error {
	if !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	cur, err := s.Get(ctx, userID)
	if err != nil {
		return err
	}
	have := append(append([]int64{}, cur.Teams...), cur.Departments...)
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		for _, t := range teamIDs {
			if slices.Contains(have, t) {
				continue
			}
			if _, err := TeamKind(ctx, tx, t); err != nil {
				return apperr.Invalid("teams", "unknown", map[string]any{"id": t})
			}
			if err := addMember(tx, t, userID); err != nil {
				return err
			}
			if err := event.Append(tx, actor, event.Team, t, now, event.Change{Action: "member_added", Field: "members", New: event.Int(userID)}); err != nil {
				return err
			}
		}
		for _, t := range have {
			if slices.Contains(teamIDs, t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, t, userID); err != nil {
				return err
			}
			if err := event.Append(tx, actor, event.Team, t, now, event.Change{Action: "member_removed", Field: "members", New: event.Int(userID)}); err != nil {
				return err
			}
		}
		return nil
	})
}
