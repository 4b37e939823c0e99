package gen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/sample"
)

// org is the help desk's staff the tickets are handed to: service teams with their agents,
// departments, and the tags.
type org struct {
	teams       []int64   // ids of sample.Teams(), in order
	teamAgents  [][]int64 // agents (and supervisors) of each team
	departments []int64   // ids of sample.Departments(), in order
	tags        map[string]int64
	created     int // users created by this run
	agents      int // agents and supervisors available

	slaPolicy int64 // the service-level policy of the generated tickets (sla.go)
}

// teamShare is how the agents are spread over sample.Teams() (pre-sales, after-sales 1 and
// 2, complaints, online chat, VIP), following where the tickets go.
var teamShare = []int{22, 20, 20, 10, 20, 8}

// agentsFor is the size of the service staff for n tickets: about 20 agents per 100,000
// tickets, at least two per team, at most 200.
func agentsFor(n int) int {
	return min(max(n/5000, 2*len(sample.Teams())), 200)
}

// ensureOrg creates what is missing of the organisation: teams, departments, their staff and
// the tags. It reuses what an earlier run (or the demo) created, so a second run appends
// tickets to the same people.
func ensureOrg(ctx context.Context, tx *sql.Tx, g *sample.Generator, tickets int, now int64) (*org, error) {
	o := &org{tags: map[string]int64{}}
	var err error
	for _, spec := range sample.Teams() {
		id, err := ensureTeam(ctx, tx, spec, "team", now)
		if err != nil {
			return nil, err
		}
		o.teams = append(o.teams, id)
	}
	for _, spec := range sample.Departments() {
		id, err := ensureTeam(ctx, tx, spec, "department", now)
		if err != nil {
			return nil, err
		}
		o.departments = append(o.departments, id)
	}
	for _, name := range sample.Tags() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tags (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, now); err != nil {
			return nil, fmt.Errorf("gen: tag %s: %w", name, err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = $1`, name).Scan(&id); err != nil {
			return nil, fmt.Errorf("gen: tag %s: %w", name, err)
		}
		o.tags[name] = id
	}

	// The service staff each team has already.
	o.teamAgents = make([][]int64, len(o.teams))
	for i, team := range o.teams {
		o.teamAgents[i], err = members(ctx, tx, team, "'agent', 'supervisor'")
		if err != nil {
			return nil, err
		}
	}
	have := 0
	for _, a := range o.teamAgents {
		have += len(a)
	}
	want := agentsFor(tickets)
	total := 0
	for _, s := range teamShare {
		total += s
	}
	for i := range o.teams {
		share := teamShare[i%len(teamShare)]
		target := max(2, want*share/total)
		if have >= want {
			target = 1 // enough staff overall: only make sure nobody's team is empty
		}
		for len(o.teamAgents[i]) < target {
			role := "agent"
			if len(o.teamAgents[i]) == 0 {
				role = "supervisor" // the team lead
			}
			id, err := createUser(ctx, tx, g, role, o.teams[i], now)
			if err != nil {
				return nil, err
			}
			o.teamAgents[i] = append(o.teamAgents[i], id)
			o.created++
		}
		o.agents += len(o.teamAgents[i])
	}
	if o.slaPolicy, err = ensurePolicy(ctx, tx, now); err != nil {
		return nil, err
	}
	// Two people in each department, who take the handed-over work.
	for _, dep := range o.departments {
		staff, err := members(ctx, tx, dep, "'department'")
		if err != nil {
			return nil, err
		}
		for n := len(staff); n < 2; n++ {
			if _, err := createUser(ctx, tx, g, "department", dep, now); err != nil {
				return nil, err
			}
			o.created++
		}
	}
	return o, nil
}

func ensureTeam(ctx context.Context, tx *sql.Tx, spec sample.TeamSpec, kind string, now int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1`, spec.Name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("gen: find team %s: %w", spec.Name, err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO teams (name, kind, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		spec.Name, kind, spec.NameEN, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("gen: create team %s: %w", spec.Name, err)
	}
	return id, systemEvent(ctx, tx, "team", id, "name", spec.Name, now)
}

func members(ctx context.Context, tx *sql.Tx, team int64, roles string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND u.active AND u.role IN (`+roles+`) ORDER BY u.id`, team)
	if err != nil {
		return nil, fmt.Errorf("gen: team members: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// createUser adds a staff member to a team. Staff made here have no password: they exist to
// own and answer tickets; an admin can set one to sign in as them.
func createUser(ctx context.Context, tx *sql.Tx, g *sample.Generator, role string, team, now int64) (int64, error) {
	p := g.Agent()
	email := p.Email
	for n := 2; ; n++ {
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT count(*) > 0 FROM users WHERE email = $1`, email).Scan(&taken); err != nil {
			return 0, fmt.Errorf("gen: check user email: %w", err)
		}
		if !taken {
			break
		}
		local, domain, _ := strings.Cut(p.Email, "@")
		email = local + strconv.Itoa(n) + "@" + domain
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, locale, time_zone, active, created_at, updated_at)
		VALUES ($1, $2, $3, '', 'zh-CN', 'Asia/Shanghai', true, $4, $4) RETURNING id`, email, p.Name, role, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("gen: create user %s: %w", email, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, team, id); err != nil {
		return 0, fmt.Errorf("gen: add team member: %w", err)
	}
	return id, systemEvent(ctx, tx, "user", id, "role", role, now)
}

func systemEvent(ctx context.Context, tx *sql.Tx, kind string, id int64, field, value string, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (subject_kind, subject_id, action, field, new_value, detail, actor_kind, created_at)
		VALUES ($1, $2, 'created', $3, $4, '{}', 'system', $5)`, kind, id, field, value, now)
	if err != nil {
		return fmt.Errorf("gen: %s event: %w", kind, err)
	}
	return nil
}
