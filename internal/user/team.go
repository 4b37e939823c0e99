package user

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
)

// Team kinds: service teams work tickets; departments receive work handed to them.
const (
	KindTeam       = "team"
	KindDepartment = "department"
)

// Team is a service team or a responsible department.
type Team struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Members     []int64   `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TeamInput creates or changes a team; nil fields stay as they are on update.
type TeamInput struct {
	Name        *string `json:"name"`
	Kind        *string `json:"kind"`
	Description *string `json:"description"`
}

func validateTeam(in TeamInput, creating bool) error {
	f := apperr.Fields{}
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		f.Check(name != "", "name", "required", nil)
		f.Check(utf8.RuneCountInString(name) <= 100, "name", "too_long", map[string]any{"max": 100})
	}
	if in.Kind != nil || creating {
		f.Check(in.Kind != nil && (*in.Kind == KindTeam || *in.Kind == KindDepartment), "kind", "one_of", map[string]any{"values": "team, department"})
	}
	if in.Description != nil {
		f.Check(utf8.RuneCountInString(*in.Description) <= 1000, "description", "too_long", map[string]any{"max": 1000})
	}
	return f.Err()
}

// CreateTeam adds a team or department (admins only).
func (s *Service) CreateTeam(ctx context.Context, actor auth.Actor, in TeamInput) (*Team, error) {
	if !actor.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	if err := validateTeam(in, true); err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, kind, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
			strings.TrimSpace(*in.Name), *in.Kind, desc, now.UnixMilli()).Scan(&id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		if err != nil {
			return fmt.Errorf("insert team: %w", err)
		}
		return event.Append(tx, actor, event.Team, id, now, event.Change{Action: "created", Field: "name", New: event.Str(strings.TrimSpace(*in.Name))})
	})
	if err != nil {
		return nil, err
	}
	return s.GetTeam(ctx, id)
}

// UpdateTeam renames or describes a team (admins only). A team's kind cannot change once
// tickets may point at it.
func (s *Service) UpdateTeam(ctx context.Context, actor auth.Actor, id int64, in TeamInput) (*Team, error) {
	if !actor.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	if in.Kind != nil {
		return nil, apperr.Invalid("kind", "immutable", nil)
	}
	if err := validateTeam(in, false); err != nil {
		return nil, err
	}
	cur, err := s.GetTeam(ctx, id)
	if err != nil {
		return nil, err
	}
	name, desc := cur.Name, cur.Description
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		desc = *in.Description
	}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		_, err := tx.ExecContext(ctx, `UPDATE teams SET name = $1, description = $2, updated_at = $3 WHERE id = $4`, name, desc, now.UnixMilli(), id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		if err != nil {
			return err
		}
		var ch []event.Change
		if name != cur.Name {
			ch = append(ch, event.Change{Action: "updated", Field: "name", Old: event.Str(cur.Name), New: event.Str(name)})
		}
		if desc != cur.Description {
			ch = append(ch, event.Change{Action: "updated", Field: "description", Old: event.Str(cur.Description), New: event.Str(desc)})
		}
		return event.Append(tx, actor, event.Team, id, now, ch...)
	})
	if err != nil {
		return nil, err
	}
	return s.GetTeam(ctx, id)
}

// SetMember adds (in=true) or removes a user from a team or department (admins only).
func (s *Service) SetMember(ctx context.Context, actor auth.Actor, teamID, userID int64, in bool) error {
	if !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	if _, err := s.GetTeam(ctx, teamID); err != nil {
		return err
	}
	if _, err := s.Get(ctx, userID); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var res sql.Result
		var err error
		action := "member_added"
		if in {
			res, err = tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, teamID, userID)
		} else {
			action = "member_removed"
			res, err = tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return event.Append(tx, actor, event.Team, teamID, s.now(), event.Change{Action: action, Field: "members", New: event.Int(userID)})
	})
}

func addMember(tx *storage.Tx, teamID, userID int64) error {
	_, err := tx.ExecContext(tx.Context(), `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, teamID, userID)
	if err != nil {
		return apperr.Invalid("teams", "unknown", map[string]any{"id": teamID})
	}
	return nil
}

// GetTeam loads a team with its members.
func (s *Service) GetTeam(ctx context.Context, id int64) (*Team, error) {
	teams, err := s.listTeams(ctx, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, apperr.NotFound("team")
	}
	return teams[0], nil
}

// ListTeams returns every team and department by kind and name.
func (s *Service) ListTeams(ctx context.Context) ([]*Team, error) { return s.listTeams(ctx, "") }

func (s *Service) listTeams(ctx context.Context, where string, args ...any) ([]*Team, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, name, kind, description, created_at, updated_at FROM teams `+where+` ORDER BY kind DESC, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	var out []*Team
	byID := map[int64]*Team{}
	for rows.Next() {
		t := &Team{Members: []int64{}}
		var c, u int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Kind, &t.Description, &c, &u); err != nil {
			rows.Close()
			return nil, err
		}
		t.CreatedAt, t.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
		out = append(out, t)
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mrows, err := s.db.Read().QueryContext(ctx, `SELECT team_id, user_id FROM team_members ORDER BY user_id`)
	if err != nil {
		return nil, err
	}
	defer mrows.Close()
	for mrows.Next() {
		var tid, uid int64
		if err := mrows.Scan(&tid, &uid); err != nil {
			return nil, err
		}
		if t := byID[tid]; t != nil {
			t.Members = append(t.Members, uid)
		}
	}
	return out, mrows.Err()
}

// TeamKind returns the kind of a team inside a command, or not-found.
func TeamKind(ctx context.Context, tx storage.Querier, id int64) (string, error) {
	var kind string
	err := tx.QueryRowContext(ctx, `SELECT kind FROM teams WHERE id = $1`, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.NotFound("team")
	}
	return kind, err
}

// IsMember reports whether user belongs to team, inside a command.
func IsMember(ctx context.Context, tx storage.Querier, teamID, userID int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND m.user_id = $2 AND u.active`, teamID, userID).Scan(&n)
	return n > 0, err
}
