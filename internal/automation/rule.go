// Package automation runs rules on tickets: when something happens to a ticket (created,
// a customer reply, a status change, an SLA warning or breach) or when a ticket has been
// idle long enough, rules whose conditions match set fields, assign, tag and write notes or
// replies. Rules act inside the transaction of the change that triggered them and leave an
// execution log per ticket. A rule never fires on a change it caused itself, and chains of
// rules triggering rules stop after a few links.
package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Events a rule listens to.
const (
	OnCreated         = "created"
	OnCustomerReplied = "customer_replied"
	OnAgentReplied    = "agent_replied"
	OnStatusChanged   = "status_changed"
	OnPriorityChanged = "priority_changed"
	OnSLAWarning      = "sla_warning"
	OnSLABreached     = "sla_breached"
	OnTimed           = "timed" // the ticket has not changed for AfterMinutes
)

// Events lists the events.
var Events = []string{OnCreated, OnCustomerReplied, OnAgentReplied, OnStatusChanged, OnPriorityChanged, OnSLAWarning, OnSLABreached, OnTimed}

// Action kinds.
const (
	SetStatus   = "set_status"
	SetPriority = "set_priority"
	Assign      = "assign"
	AddTags     = "add_tags"
	Note        = "note"    // an internal note
	Reply       = "reply"   // a public reply from a template: {number}, {subject}, {customer}
	Webhook     = "webhook" // POST the ticket's number, the rule and the event to a URL, as a job
	Notify      = "notify"  // an in-app notification to users, a team and/or the assignee: {number}, {subject}, {customer}
)

// ActionKinds lists the action kinds.
var ActionKinds = []string{SetStatus, SetPriority, Assign, AddTags, Note, Reply, Webhook, Notify}

// Conditions must all hold for a rule to act; empty lists match anything.
type Conditions struct {
	Statuses   []string `json:"statuses"`
	Priorities []string `json:"priorities"`
	Types      []string `json:"types"`
	Channels   []string `json:"channels"`
	Tiers      []string `json:"tiers"`
	TeamIDs    []int64  `json:"team_ids"`
	TagsAny    []string `json:"tags_any"`  // at least one of these tags
	TagsNone   []string `json:"tags_none"` // none of these tags
}

// Action is one thing a rule does.
type Action struct {
	Type   string   `json:"type"`
	Value  string   `json:"value,omitempty"`   // set_status, set_priority
	UserID int64    `json:"user_id,omitempty"` // assign
	Tags   []string `json:"tags,omitempty"`    // add_tags
	Body   string   `json:"body,omitempty"`    // note, reply, notify
	URL    string   `json:"url,omitempty"`     // webhook
	// notify: to these users, every active member of a team, and/or the ticket's assignee.
	UserIDs    []int64 `json:"user_ids,omitempty"`
	TeamID     int64   `json:"team_id,omitempty"`
	ToAssignee bool    `json:"to_assignee,omitempty"`
}

// Rule is an automation rule.
type Rule struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Position     int        `json:"position"`
	Active       bool       `json:"active"`
	Event        string     `json:"event"`
	AfterMinutes int        `json:"after_minutes"`
	Conditions   Conditions `json:"conditions"`
	Actions      []Action   `json:"actions"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// RuleInput creates or replaces a rule.
type RuleInput struct {
	Name         string     `json:"name"`
	Position     *int       `json:"position"`
	Active       *bool      `json:"active"`
	Event        string     `json:"event"`
	AfterMinutes int        `json:"after_minutes"`
	Conditions   Conditions `json:"conditions"`
	Actions      []Action   `json:"actions"`
	Version      *int64     `json:"version"`
}

// Subject is the ticket and customer a rule looks at.
type Subject struct {
	Ticket *ticket.Ticket
	Tier   string
}

// Match reports whether every condition holds.
func (c Conditions) Match(s Subject) bool {
	t := s.Ticket
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if !in(c.Statuses, t.Status) || !in(c.Priorities, t.Priority) || !in(c.Types, t.Type) || !in(c.Channels, t.Channel) || !in(c.Tiers, s.Tier) {
		return false
	}
	if len(c.TeamIDs) > 0 && (t.Team == nil || !slices.Contains(c.TeamIDs, t.Team.ID)) {
		return false
	}
	if len(c.TagsAny) > 0 && !slices.ContainsFunc(c.TagsAny, func(tg string) bool { return slices.Contains(t.Tags, tg) }) {
		return false
	}
	return !slices.ContainsFunc(c.TagsNone, func(tg string) bool { return slices.Contains(t.Tags, tg) })
}

func mayEdit(a auth.Actor) error {
	if a.IsAdmin() || (a.Kind == auth.ActorUser && a.Role == auth.RoleSupervisor) {
		return nil
	}
	return apperr.Forbidden("")
}

func (in *RuleInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	f := apperr.Fields{}
	f.Check(in.Name != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "too_long", map[string]any{"max": 100})
	f.Check(slices.Contains(Events, in.Event), "event", "one_of", map[string]any{"values": strings.Join(Events, ", ")})
	if in.Event == OnTimed {
		f.Check(in.AfterMinutes >= 1 && in.AfterMinutes <= 366*24*60, "after_minutes", "out_of_range", map[string]any{"min": 1, "max": 366 * 24 * 60})
	} else {
		f.Check(in.AfterMinutes == 0, "after_minutes", "only_timed", nil)
	}
	f.Check(len(in.Actions) > 0, "actions", "required", nil)
	f.Check(len(in.Actions) <= 20, "actions", "too_many", map[string]any{"max": 20})
	list := func(field string, vs, allowed []string) {
		for _, v := range vs {
			if !slices.Contains(allowed, v) {
				f.Add(field, "one_of", map[string]any{"values": strings.Join(allowed, ", ")})
			}
		}
	}
	list("conditions.statuses", in.Conditions.Statuses, ticket.Statuses)
	list("conditions.priorities", in.Conditions.Priorities, ticket.Priorities)
	list("conditions.types", in.Conditions.Types, ticket.Types)
	list("conditions.channels", in.Conditions.Channels, ticket.Channels)
	list("conditions.tiers", in.Conditions.Tiers, []string{"vip", "key", "ordinary", "small"})
	for i, a := range in.Actions {
		p := fmt.Sprintf("actions[%d].", i)
		switch a.Type {
		case SetStatus:
			f.Check(slices.Contains(ticket.Statuses, a.Value), p+"value", "one_of", map[string]any{"values": strings.Join(ticket.Statuses, ", ")})
		case SetPriority:
			f.Check(slices.Contains(ticket.Priorities, a.Value), p+"value", "one_of", map[string]any{"values": strings.Join(ticket.Priorities, ", ")})
		case Assign:
			f.Check(a.UserID > 0, p+"user_id", "required", nil)
		case AddTags:
			f.Check(len(a.Tags) > 0, p+"tags", "required", nil)
		case Webhook:
			u, err := url.Parse(a.URL)
			f.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(a.URL) <= 2000, p+"url", "bad_url", nil)
		case Note, Reply:
			f.Check(strings.TrimSpace(a.Body) != "", p+"body", "required", nil)
			f.Check(len(a.Body) <= 64<<10, p+"body", "too_large", map[string]any{"max": "64 KiB"})
		case Notify:
			f.Check(strings.TrimSpace(a.Body) != "", p+"body", "required", nil)
			f.Check(utf8.RuneCountInString(a.Body) <= notify.MaxBody, p+"body", "too_long", map[string]any{"max": notify.MaxBody})
			f.Check(len(a.UserIDs) > 0 || a.TeamID > 0 || a.ToAssignee, p+"user_ids", "no_recipient", nil)
			f.Check(len(a.UserIDs) <= 50, p+"user_ids", "too_many", map[string]any{"max": 50})
			f.Check(!slices.ContainsFunc(a.UserIDs, func(id int64) bool { return id <= 0 }), p+"user_ids", "invalid", nil)
			f.Check(a.TeamID >= 0, p+"team_id", "invalid", nil)
		default:
			f.Add(p+"type", "one_of", map[string]any{"values": strings.Join(ActionKinds, ", ")})
		}
	}
	return f.Err()
}

const selectRules = `SELECT id, name, position, active, on_event, after_mins, conditions, actions, version, created_at, updated_at FROM automation_rules`

func scanRule(row interface{ Scan(...any) error }) (*Rule, error) {
	var r Rule
	var cond, acts string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Name, &r.Position, &r.Active, &r.Event, &r.AfterMinutes, &cond, &acts, &r.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cond), &r.Conditions); err != nil {
		return nil, fmt.Errorf("rule %d conditions: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(acts), &r.Actions); err != nil {
		return nil, fmt.Errorf("rule %d actions: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

// rules returns the rules in the order they run, those that keep(rule) when keep is given:
// this node's copy, read again when the table changes. The rules are shared; callers must
// not modify them.
func rules(ctx context.Context, q storage.Querier, keep func(*Rule) bool) ([]*Rule, error) {
	all, err := ruleCache.Get(ctx, q, readRules)
	if err != nil || keep == nil {
		return all, err
	}
	out := []*Rule{}
	for _, r := range all {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

var ruleCache = storage.NewCached[[]*Rule]("automation_rules")

func readRules(ctx context.Context, q storage.Querier) ([]*Rule, error) {
	rows, err := q.QueryContext(ctx, selectRules+` ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("list automation rules: %w", err)
	}
	defer rows.Close()
	out := []*Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func rule(ctx context.Context, q storage.Querier, id int64) (*Rule, error) {
	r, err := scanRule(q.QueryRowContext(ctx, selectRules+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("automation_rule")
	}
	return r, err
}

// Rules lists every rule in the order they run.
func (s *Service) Rules(ctx context.Context, a auth.Actor) ([]*Rule, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	return rules(ctx, s.db.Read(), nil)
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, a auth.Actor, id int64) (*Rule, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	return rule(ctx, s.db.Read(), id)
}

// SaveRule creates a rule (id 0) or replaces one.
func (s *Service) SaveRule(ctx context.Context, a auth.Actor, id int64, in RuleInput) (*Rule, error) {
	if err := mayEdit(a); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		for i, act := range in.Actions {
			if act.Type == Assign {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1 AND role <> 'department'`, act.UserID).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return apperr.Invalid(fmt.Sprintf("actions[%d].user_id", i), "unknown_agent", nil)
				}
			}
		}
		cond, _ := json.Marshal(in.Conditions)
		acts, _ := json.Marshal(in.Actions)
		now := s.now().UnixMilli()
		if id == 0 {
			pos := 0
			if in.Position != nil {
				pos = *in.Position
			} else if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM automation_rules`).Scan(&pos); err != nil {
				return err
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO automation_rules (name, position, active, on_event, after_mins, conditions, actions, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
				in.Name, pos, in.Active == nil || *in.Active, in.Event, in.AfterMinutes, string(cond), string(acts), now).Scan(&id)
			if storage.IsUniqueViolation(err) {
				return apperr.Invalid("name", "taken", nil)
			}
			return err
		}
		cur, err := rule(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != cur.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": cur.Version})
		}
		pos, active := cur.Position, cur.Active
		if in.Position != nil {
			pos = *in.Position
		}
		if in.Active != nil {
			active = *in.Active
		}
		_, err = tx.ExecContext(ctx, `UPDATE automation_rules SET name = $1, position = $2, active = $3, on_event = $4, after_mins = $5,
			conditions = $6, actions = $7, updated_at = $8, version = version + 1 WHERE id = $9`,
			in.Name, pos, active, in.Event, in.AfterMinutes, string(cond), string(acts), now, id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return rule(ctx, s.db.Read(), id)
}

// DeleteRule removes a rule and its log.
func (s *Service) DeleteRule(ctx context.Context, a auth.Actor, id int64) error {
	if err := mayEdit(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM automation_rules WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("automation_rule")
		}
		return nil
	})
}
