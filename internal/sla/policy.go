package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Customer tiers a condition may name (customers.tier).
var Tiers = []string{"vip", "key", "ordinary", "small"}

// Conditions select the tickets a policy applies to: every non-empty list must contain the
// ticket's value; empty lists match anything.
type Conditions struct {
	Priorities []string `json:"priorities"`
	Types      []string `json:"types"`
	Tiers      []string `json:"tiers"`
	Channels   []string `json:"channels"`
	TeamIDs    []int64  `json:"team_ids"`
}

// Subject is what conditions are matched against.
type Subject struct {
	Priority, Type, Tier, Channel string
	TeamID                        int64
}

// Match reports whether a ticket with these values falls under the conditions.
func (c Conditions) Match(s Subject) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(c.Priorities, s.Priority) && in(c.Types, s.Type) && in(c.Tiers, s.Tier) && in(c.Channels, s.Channel) &&
		(len(c.TeamIDs) == 0 || slices.Contains(c.TeamIDs, s.TeamID))
}

// Policy is a set of service-level targets in business minutes on a calendar.
type Policy struct {
	ID                   int64      `json:"id"`
	Name                 string     `json:"name"`
	Position             int        `json:"position"`
	Active               bool       `json:"active"`
	Conditions           Conditions `json:"conditions"`
	CalendarID           int64      `json:"calendar_id"`
	FirstResponseMinutes int        `json:"first_response_minutes"`
	NextResponseMinutes  int        `json:"next_response_minutes"`
	ResolutionMinutes    int        `json:"resolution_minutes"`
	// WarnPercent is the share of a target after which the ticket is warned (default 80).
	WarnPercent int `json:"warn_percent"`
	// PauseOnDepartment stops the clock while the ticket waits on a department.
	PauseOnDepartment bool      `json:"pause_on_department"`
	Version           int64     `json:"version"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// FirstResponse is the first-response target (0: none).
func (p *Policy) FirstResponse() time.Duration {
	return time.Duration(p.FirstResponseMinutes) * time.Minute
}

// Resolution is the resolution target (0: none).
func (p *Policy) Resolution() time.Duration {
	return time.Duration(p.ResolutionMinutes) * time.Minute
}

// PolicyInput creates or replaces a policy. Active defaults to true; Position to after
// the last policy.
type PolicyInput struct {
	Name                 string     `json:"name"`
	Position             *int       `json:"position"`
	Active               *bool      `json:"active"`
	Conditions           Conditions `json:"conditions"`
	CalendarID           int64      `json:"calendar_id"`
	FirstResponseMinutes int        `json:"first_response_minutes"`
	NextResponseMinutes  int        `json:"next_response_minutes"`
	ResolutionMinutes    int        `json:"resolution_minutes"`
	WarnPercent          int        `json:"warn_percent"`
	PauseOnDepartment    bool       `json:"pause_on_department"`
	Version              *int64     `json:"version"`
}

// maxTarget bounds a target (a year of business minutes), far beyond any real promise.
const maxTarget = 366 * 24 * 60

func mayEdit(a auth.Actor) error {
	if a.IsAdmin() || (a.Kind == auth.ActorUser && a.Role == auth.RoleSupervisor) {
		return nil
	}
	return apperr.Forbidden("")
}

func (in *PolicyInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.WarnPercent == 0 {
		in.WarnPercent = 80
	}
	f := apperr.Fields{}
	f.Check(in.Name != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "too_long", map[string]any{"max": 100})
	f.Check(in.CalendarID != 0, "calendar_id", "required", nil)
	for _, t := range []struct {
		field string
		v     int
	}{{"first_response_minutes", in.FirstResponseMinutes}, {"next_response_minutes", in.NextResponseMinutes}, {"resolution_minutes", in.ResolutionMinutes}} {
		f.Check(t.v >= 0 && t.v <= maxTarget, t.field, "out_of_range", map[string]any{"min": 0, "max": maxTarget})
	}
	f.Check(in.FirstResponseMinutes+in.NextResponseMinutes+in.ResolutionMinutes > 0, "first_response_minutes", "no_target", nil)
	f.Check(in.WarnPercent >= 1 && in.WarnPercent <= 99, "warn_percent", "out_of_range", map[string]any{"min": 1, "max": 99})
	list := func(field string, vs, allowed []string) {
		for _, v := range vs {
			if !slices.Contains(allowed, v) {
				f.Add(field, "one_of", map[string]any{"values": strings.Join(allowed, ", ")})
			}
		}
	}
	list("conditions.priorities", in.Conditions.Priorities, ticket.Priorities)
	list("conditions.types", in.Conditions.Types, ticket.Types)
	list("conditions.tiers", in.Conditions.Tiers, Tiers)
	list("conditions.channels", in.Conditions.Channels, ticket.Channels)
	return f.Err()
}

// checkRefs checks that the calendar and teams named exist.
func (in *PolicyInput) checkRefs(ctx context.Context, q storage.Querier) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM calendars WHERE id = $1`, in.CalendarID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid("calendar_id", "unknown_calendar", nil)
	}
	for _, id := range in.Conditions.TeamIDs {
		var kind string
		err := q.QueryRowContext(ctx, `SELECT kind FROM teams WHERE id = $1`, id).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "team") {
			return apperr.Invalid("conditions.team_ids", "unknown_team", nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

const selectPolicies = `SELECT id, name, position, active, conditions, calendar_id, first_response_mins, next_response_mins,
	resolution_mins, warn_percent, pause_on_department, version, created_at, updated_at FROM sla_policies`

func scanPolicy(row interface{ Scan(...any) error }) (*Policy, error) {
	var p Policy
	var cond string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Position, &p.Active, &cond, &p.CalendarID, &p.FirstResponseMinutes,
		&p.NextResponseMinutes, &p.ResolutionMinutes, &p.WarnPercent, &p.PauseOnDepartment, &p.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cond), &p.Conditions); err != nil {
		return nil, fmt.Errorf("policy %d conditions: %w", p.ID, err)
	}
	p.CreatedAt, p.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &p, nil
}

// policies returns every policy in the order they are tried: this node's copy, read again
// when the table changes. The policies are shared; callers must not modify them.
func policies(ctx context.Context, q storage.Querier) ([]*Policy, error) {
	return policyCache.Get(ctx, q, readPolicies)
}

var policyCache = storage.NewCached[[]*Policy]("sla_policies")

func readPolicies(ctx context.Context, q storage.Querier) ([]*Policy, error) {
	rows, err := q.QueryContext(ctx, selectPolicies+` ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("list sla policies: %w", err)
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// choose returns the first active policy matching s, or nil.
func choose(ps []*Policy, s Subject) *Policy {
	for _, p := range ps {
		if p.Active && p.Conditions.Match(s) {
			return p
		}
	}
	return nil
}

// Policies lists the policies in the order they are tried.
func (s *Service) Policies(ctx context.Context, a auth.Actor) ([]*Policy, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	ps, err := policies(ctx, s.db.Read())
	if ps == nil {
		ps = []*Policy{}
	}
	return ps, err
}

// Policy returns one policy.
func (s *Service) Policy(ctx context.Context, a auth.Actor, id int64) (*Policy, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	return policy(ctx, s.db.Read(), id)
}

func policy(ctx context.Context, q storage.Querier, id int64) (*Policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, selectPolicies+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("sla_policy")
	}
	return p, err
}

// CreatePolicy adds a policy. Tickets opened from now on are timed by it; open tickets
// pick it up at their next change.
func (s *Service) CreatePolicy(ctx context.Context, a auth.Actor, in PolicyInput) (*Policy, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := in.checkRefs(ctx, tx); err != nil {
			return err
		}
		pos := 0
		if in.Position != nil {
			pos = *in.Position
		} else if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies`).Scan(&pos); err != nil {
			return err
		}
		cond, _ := json.Marshal(in.Conditions)
		now := s.now().UnixMilli()
		err := tx.QueryRowContext(ctx, `INSERT INTO sla_policies (name, position, active, conditions, calendar_id, first_response_mins,
				next_response_mins, resolution_mins, warn_percent, pause_on_department, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			in.Name, pos, in.Active == nil || *in.Active, string(cond), in.CalendarID, in.FirstResponseMinutes,
			in.NextResponseMinutes, in.ResolutionMinutes, in.WarnPercent, in.PauseOnDepartment, now).Scan(&id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return policy(ctx, s.db.Read(), id)
}

// UpdatePolicy replaces a policy's settings.
func (s *Service) UpdatePolicy(ctx context.Context, a auth.Actor, id int64, in PolicyInput) (*Policy, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := policy(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != cur.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": cur.Version})
		}
		if err := in.checkRefs(ctx, tx); err != nil {
			return err
		}
		pos := cur.Position
		if in.Position != nil {
			pos = *in.Position
		}
		active := cur.Active
		if in.Active != nil {
			active = *in.Active
		}
		cond, _ := json.Marshal(in.Conditions)
		_, err = tx.ExecContext(ctx, `UPDATE sla_policies SET name = $1, position = $2, active = $3, conditions = $4, calendar_id = $5,
				first_response_mins = $6, next_response_mins = $7, resolution_mins = $8, warn_percent = $9, pause_on_department = $10,
				updated_at = $11, version = version + 1 WHERE id = $12`,
			in.Name, pos, active, string(cond), in.CalendarID, in.FirstResponseMinutes, in.NextResponseMinutes,
			in.ResolutionMinutes, in.WarnPercent, in.PauseOnDepartment, s.now().UnixMilli(), id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return policy(ctx, s.db.Read(), id)
}

// DeletePolicy removes a policy no ticket is timed by; deactivate it otherwise.
func (s *Service) DeletePolicy(ctx context.Context, a auth.Actor, id int64) error {
	if err := mayEdit(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ticket_sla WHERE policy_id = $1`, id).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return apperr.Conflict("policy_in_use", map[string]any{"tickets": used})
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sla_policies WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("sla_policy")
		}
		return nil
	})
}
