package routing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Rules recorded with an assignment, so the trail says why an agent got a ticket.
const (
	RuleTier  = "tier"                // the customer's tier sent it to another team
	RuleOwner = "first_contact_owner" // back to the agent who owned the customer's last ticket
)

// OnTicketChange is the ticket hook: a new ticket, or one transferred to a team without an
// agent, is routed inside the same transaction.
func (s *Service) OnTicketChange(tx *storage.Tx, c ticket.Change) error {
	t := c.After
	switch {
	case c.Kind != ticket.ChangeCreated && c.Kind != ticket.ChangeTransferred,
		t.Assignee != nil, t.Team == nil, t.MergedInto != nil,
		t.Status == ticket.StatusResolved, t.Status == ticket.StatusClosed:
		return nil
	}
	return s.route(tx, t, c.Kind == ticket.ChangeCreated, c)
}

func (s *Service) route(tx *storage.Tx, t *ticket.Ticket, created bool, c ticket.Change) error {
	ctx := tx.Context()
	teamID := t.Team.ID
	team, err := loadTeam(ctx, tx, teamID, true)
	if err != nil {
		return err
	}
	if team.Method == Manual && len(team.TierTeams) == 0 {
		return nil // the usual case for a team that routes nothing: no further reads
	}
	rule := ""
	var tier string
	if err := tx.QueryRowContext(ctx, `SELECT tier FROM customers WHERE id = $1`, t.Customer.ID).Scan(&tier); err != nil {
		return fmt.Errorf("customer tier: %w", err)
	}
	if senior, ok := team.TierTeams[tier]; ok && senior != teamID {
		teamID, rule = senior, RuleTier
		if team, err = loadTeam(ctx, tx, teamID, true); err != nil {
			return err
		}
	}
	if team.Method == Manual {
		if rule == "" {
			return nil
		}
		return s.tickets.RouteTx(tx, auth.System(), t.ID, teamID, 0, rule, c.At)
	}
	cands, err := candidates(ctx, tx, teamID)
	if err != nil {
		return err
	}
	if t.Channel == "chat" {
		if err := chatLoads(ctx, tx, cands); err != nil {
			return err
		}
	}
	pick, how := int64(0), ""
	if created && team.FollowOwner {
		if owner, err := lastOwner(ctx, tx, t); err != nil {
			return err
		} else if owner != 0 {
			for _, cd := range cands {
				if cd.ID == owner && !cd.full() {
					pick, how = owner, RuleOwner
				}
			}
		}
	}
	if pick == 0 && len(cands) > 0 {
		ok := false
		switch team.Method {
		case RoundRobin:
			pick, ok = pickRoundRobin(cands, team.lastUserID)
		case LeastLoaded:
			pick, ok = pickLeastLoaded(cands)
		case Skills:
			pick, ok = pickBySkills(cands, needs(t))
		}
		if ok {
			how = team.Method
		} else {
			pick = 0
		}
	}
	if pick != 0 && team.Method == RoundRobin {
		// The pointer moves whoever was picked, so a follow-up does not cost the owner a turn
		// twice: round-robin continues after the last agent who got a ticket.
		if _, err := tx.ExecContext(ctx, `UPDATE team_routing SET last_user_id = $1 WHERE team_id = $2`, pick, teamID); err != nil {
			return err
		}
	}
	if rule == "" {
		rule = how
	} else if how != "" {
		rule += "+" + how
	}
	if rule == "" {
		return nil // nobody to hand it to: it waits in the team's queue
	}
	return s.tickets.RouteTx(tx, auth.System(), t.ID, teamID, pick, rule, c.At)
}

// candidates are the team's online agents with their open tickets, by id. On PostgreSQL
// their routing rows stay locked until the command ends, so two tickets routed at once
// cannot both take an agent's last free place.
func candidates(ctx context.Context, tx *storage.Tx, teamID int64) ([]Candidate, error) {
	lock := ""
	if tx.Dialect() == storage.Postgres {
		lock = ` FOR UPDATE OF ar`
	}
	rows, err := tx.QueryContext(ctx, `SELECT u.id, ar.max_open, ar.skills FROM team_members m
		JOIN users u ON u.id = m.user_id
		JOIN agent_routing ar ON ar.user_id = u.id
		WHERE m.team_id = $1 AND u.active = $2 AND u.role IN ('admin', 'supervisor', 'agent') AND ar.availability = 'online'
		ORDER BY u.id`+lock, teamID, true)
	if err != nil {
		return nil, fmt.Errorf("routing candidates: %w", err)
	}
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var skills string
		if err := rows.Scan(&c.ID, &c.Cap, &skills); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(skills), &c.Skills); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		// One indexed count per agent (tickets_assignee): a team has tens of agents, not
		// thousands, and an agent's open tickets are few.
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE assignee_id = $1
			AND status IN ('new', 'open', 'pending_customer', 'pending_department')`, out[i].ID).Scan(&out[i].Open); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lastOwner is the first-contact owner of the customer's most recent other ticket, or 0.
func lastOwner(ctx context.Context, tx *storage.Tx, t *ticket.Ticket) (int64, error) {
	var owner sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT owner_id FROM tickets WHERE customer_id = $1 AND id <> $2 AND owner_id IS NOT NULL
		ORDER BY created_at DESC, id DESC LIMIT 1`, t.Customer.ID, t.ID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return owner.Int64, err
}

// needs are the skills a ticket asks for: its type, and its language and product line
// when the custom fields "language" and "product_line" are set.
func needs(t *ticket.Ticket) []string {
	out := []string{"type:" + t.Type}
	if v, ok := t.CustomFields["language"].(string); ok && v != "" {
		out = append(out, "lang:"+v)
	}
	if v, ok := t.CustomFields["product_line"].(string); ok && v != "" {
		out = append(out, "product:"+v)
	}
	return out
}
