package routing

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

// Availabilities of an agent; only online agents are routed tickets.
var Availabilities = []string{"online", "away", "offline"}

// Tiers that tier rules may name (customers.tier).
var Tiers = []string{"vip", "key", "ordinary", "small"}

// Team is how a team hands out tickets.
type Team struct {
	TeamID int64  `json:"team_id"`
	Method string `json:"method"`
	// TierTeams sends the tickets of customers of a tier to another (senior) team.
	TierTeams map[string]int64 `json:"tier_teams"`
	// FollowOwner gives a returning customer's new ticket to the agent who owned their last
	// one, when that agent is in the team and available.
	FollowOwner bool      `json:"follow_owner"`
	Version     int64     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
	lastUserID  int64     // the round-robin pointer
}

// TeamInput changes a team's routing; absent fields stay as they are.
type TeamInput struct {
	Method      *string          `json:"method"`
	TierTeams   map[string]int64 `json:"tier_teams"`
	FollowOwner *bool            `json:"follow_owner"`
}

// Agent is an agent's routing profile.
type Agent struct {
	UserID       int64     `json:"user_id"`
	Availability string    `json:"availability"`
	MaxOpen      int       `json:"max_open"`
	MaxChats     int       `json:"max_chats"` // concurrent chats (routing/chat.go)
	Skills       []string  `json:"skills"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// AgentInput changes an agent's profile; absent fields stay as they are. Agents may set
// their own availability; supervisors and admins set everything.
type AgentInput struct {
	Availability *string  `json:"availability"`
	MaxOpen      *int     `json:"max_open"`
	MaxChats     *int     `json:"max_chats"`
	Skills       []string `json:"skills"`
}

// Service routes tickets and keeps the settings.
type Service struct {
	db      *storage.DB
	tickets *ticket.Service
	now     func() time.Time
}

// NewService makes the routing service; it assigns through tickets.
func NewService(db *storage.DB, tickets *ticket.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, tickets: tickets, now: now}
}

func manages(a auth.Actor) bool {
	return a.IsAdmin() || (a.Kind == auth.ActorUser && a.Role == auth.RoleSupervisor)
}

func loadTeam(ctx context.Context, q storage.Querier, teamID int64, lock bool) (*Team, error) {
	query := `SELECT method, tier_teams, follow_owner, version, updated_at, COALESCE(last_user_id, 0) FROM team_routing WHERE team_id = $1`
	if tx, ok := q.(*storage.Tx); ok && lock && tx.Dialect() == storage.Postgres {
		query += ` FOR UPDATE`
	}
	t := &Team{TeamID: teamID}
	var tiers string
	var updated int64
	err := q.QueryRowContext(ctx, query, teamID).Scan(&t.Method, &tiers, &t.FollowOwner, &t.Version, &updated, &t.lastUserID)
	if errors.Is(err, sql.ErrNoRows) {
		return &Team{TeamID: teamID, Method: Manual, TierTeams: map[string]int64{}, FollowOwner: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team %d routing: %w", teamID, err)
	}
	if err := json.Unmarshal([]byte(tiers), &t.TierTeams); err != nil {
		return nil, fmt.Errorf("team %d tier rules: %w", teamID, err)
	}
	t.UpdatedAt = time.UnixMilli(updated).UTC()
	return t, nil
}

func teamExists(ctx context.Context, q storage.Querier, field string, id int64) error {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM teams WHERE id = $1`, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "team") {
		if field == "" {
			return apperr.NotFound("team")
		}
		return apperr.Invalid(field, "unknown_team", nil)
	}
	return err
}

// Team returns a team's routing (manual when never set).
func (s *Service) Team(ctx context.Context, a auth.Actor, teamID int64) (*Team, error) {
	if !a.IsStaff() && !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	if err := teamExists(ctx, s.db.Read(), "", teamID); err != nil {
		return nil, err
	}
	return loadTeam(ctx, s.db.Read(), teamID, false)
}

// SetTeam changes a team's routing (admins and supervisors).
func (s *Service) SetTeam(ctx context.Context, a auth.Actor, teamID int64, in TeamInput) (*Team, error) {
	if !manages(a) {
		return nil, apperr.Forbidden("")
	}
	f := apperr.Fields{}
	if in.Method != nil {
		f.Check(slices.Contains(Methods, *in.Method), "method", "one_of", map[string]any{"values": strings.Join(Methods, ", ")})
	}
	for tier, id := range in.TierTeams {
		f.Check(slices.Contains(Tiers, tier), "tier_teams", "one_of", map[string]any{"values": strings.Join(Tiers, ", ")})
		f.Check(id != teamID, "tier_teams", "route_to_self", nil)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := teamExists(ctx, tx, "", teamID); err != nil {
			return err
		}
		for _, id := range in.TierTeams {
			if err := teamExists(ctx, tx, "tier_teams", id); err != nil {
				return err
			}
		}
		cur, err := loadTeam(ctx, tx, teamID, true)
		if err != nil {
			return err
		}
		if in.Method != nil {
			cur.Method = *in.Method
		}
		if in.TierTeams != nil {
			cur.TierTeams = in.TierTeams
		}
		if in.FollowOwner != nil {
			cur.FollowOwner = *in.FollowOwner
		}
		tiers, _ := json.Marshal(cur.TierTeams)
		_, err = tx.ExecContext(ctx, `INSERT INTO team_routing (team_id, method, tier_teams, follow_owner, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (team_id) DO UPDATE SET method = excluded.method, tier_teams = excluded.tier_teams,
				follow_owner = excluded.follow_owner, updated_at = excluded.updated_at, version = team_routing.version + 1`,
			teamID, cur.Method, string(tiers), cur.FollowOwner, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	return loadTeam(ctx, s.db.Read(), teamID, false)
}

func loadAgent(ctx context.Context, q storage.Querier, userID int64) (*Agent, error) {
	ag := &Agent{UserID: userID}
	var skills string
	var updated int64
	err := q.QueryRowContext(ctx, `SELECT availability, max_open, max_chats, skills, updated_at FROM agent_routing WHERE user_id = $1`, userID).
		Scan(&ag.Availability, &ag.MaxOpen, &ag.MaxChats, &skills, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &Agent{UserID: userID, Availability: "offline", MaxChats: DefaultMaxChats, Skills: []string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agent %d routing: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(skills), &ag.Skills); err != nil {
		return nil, fmt.Errorf("agent %d skills: %w", userID, err)
	}
	ag.UpdatedAt = time.UnixMilli(updated).UTC()
	return ag, nil
}

func userExists(ctx context.Context, q storage.Querier, id int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("user")
	}
	return nil
}

// Agent returns an agent's routing profile (offline when never set).
func (s *Service) Agent(ctx context.Context, a auth.Actor, userID int64) (*Agent, error) {
	if !a.IsStaff() && !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	if err := userExists(ctx, s.db.Read(), userID); err != nil {
		return nil, err
	}
	return loadAgent(ctx, s.db.Read(), userID)
}

// SetAgent changes an agent's availability, cap or skills.
func (s *Service) SetAgent(ctx context.Context, a auth.Actor, userID int64, in AgentInput) (*Agent, error) {
	self := a.Kind == auth.ActorUser && a.ID == userID
	if !manages(a) && !(self && in.MaxOpen == nil && in.MaxChats == nil && in.Skills == nil) {
		return nil, apperr.Forbidden("")
	}
	f := apperr.Fields{}
	if in.Availability != nil {
		f.Check(slices.Contains(Availabilities, *in.Availability), "availability", "one_of", map[string]any{"values": strings.Join(Availabilities, ", ")})
	}
	if in.MaxOpen != nil {
		f.Check(*in.MaxOpen >= 0 && *in.MaxOpen <= 10000, "max_open", "out_of_range", map[string]any{"min": 0, "max": 10000})
	}
	if in.MaxChats != nil {
		f.Check(*in.MaxChats >= 0 && *in.MaxChats <= MaxChatsLimit, "max_chats", "out_of_range", map[string]any{"min": 0, "max": MaxChatsLimit})
	}
	skills := in.Skills
	for i, sk := range skills {
		skills[i] = strings.TrimSpace(sk)
		f.Check(skills[i] != "" && utf8.RuneCountInString(skills[i]) <= 64, "skills", "bad_skill", map[string]any{"max": 64})
	}
	f.Check(len(skills) <= 100, "skills", "too_many", map[string]any{"max": 100})
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		cur, err := loadAgent(ctx, tx, userID)
		if err != nil {
			return err
		}
		if in.Availability != nil {
			cur.Availability = *in.Availability
		}
		if in.MaxOpen != nil {
			cur.MaxOpen = *in.MaxOpen
		}
		if in.MaxChats != nil {
			cur.MaxChats = *in.MaxChats
		}
		if in.Skills != nil {
			slices.Sort(skills)
			cur.Skills = slices.Compact(skills)
		}
		sk, _ := json.Marshal(cur.Skills)
		_, err = tx.ExecContext(ctx, `INSERT INTO agent_routing (user_id, availability, max_open, max_chats, skills, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, max_open = excluded.max_open,
				max_chats = excluded.max_chats, skills = excluded.skills, updated_at = excluded.updated_at`,
			userID, cur.Availability, cur.MaxOpen, cur.MaxChats, string(sk), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	return loadAgent(ctx, s.db.Read(), userID)
}
