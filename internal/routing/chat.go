package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu/internal/storage"
)

// Chats are counted apart from other tickets: an agent takes at most max_chats live chats at
// once (agent_routing.max_chats), whatever their cap of open tickets. A chat counts while it
// is assigned to the agent and neither the chat nor its ticket has ended.

// DefaultMaxChats is an agent's cap of concurrent chats until someone sets it.
const DefaultMaxChats = 5

// MaxChatsLimit bounds the cap an agent may be given.
const MaxChatsLimit = 100

// openChatsQuery counts the live chats assigned to an agent.
const openChatsQuery = `SELECT count(*) FROM tickets t JOIN chats c ON c.ticket_id = t.id
	WHERE t.assignee_id = $1 AND c.state <> 'closed'
	AND t.status IN ('new', 'open', 'pending_customer', 'pending_department')`

// OpenChats returns how many live chats the agent holds and their cap (0: takes no chats).
func OpenChats(ctx context.Context, q storage.Querier, userID int64) (open, limit int, err error) {
	limit = DefaultMaxChats
	err = q.QueryRowContext(ctx, `SELECT max_chats FROM agent_routing WHERE user_id = $1`, userID).Scan(&limit)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("chat cap of agent %d: %w", userID, err)
	}
	if err := q.QueryRowContext(ctx, openChatsQuery, userID).Scan(&open); err != nil {
		return 0, 0, fmt.Errorf("open chats of agent %d: %w", userID, err)
	}
	return open, limit, nil
}

// LockAgent holds an agent's routing row until the command ends (PostgreSQL), so that two
// chats accepted at once cannot both take the agent's last free place. SQLite commands run
// one at a time anyway.
func LockAgent(tx *storage.Tx, userID int64) error {
	if tx.Dialect() != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(tx.Context(), `SELECT user_id FROM agent_routing WHERE user_id = $1 FOR UPDATE`, userID)
	return err
}

// ChatAvailable reports whether an online agent of the team has room for another chat.
func ChatAvailable(ctx context.Context, q storage.Querier, teamID int64) (bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, ar.max_chats FROM team_members m
		JOIN users u ON u.id = m.user_id
		JOIN agent_routing ar ON ar.user_id = u.id
		WHERE m.team_id = $1 AND u.active = $2 AND u.role IN ('admin', 'supervisor', 'agent') AND ar.availability = 'online'
		AND ar.max_chats > 0 ORDER BY u.id`, teamID, true)
	if err != nil {
		return false, fmt.Errorf("chat agents of team %d: %w", teamID, err)
	}
	type agent struct {
		id    int64
		limit int
	}
	var agents []agent
	for rows.Next() {
		var a agent
		if err := rows.Scan(&a.id, &a.limit); err != nil {
			rows.Close()
			return false, err
		}
		agents = append(agents, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, a := range agents {
		var open int
		if err := q.QueryRowContext(ctx, openChatsQuery, a.id).Scan(&open); err != nil {
			return false, err
		}
		if open < a.limit {
			return true, nil
		}
	}
	return false, nil
}

// chatLoads turns the candidates' loads into chat loads: for a chat ticket, least-loaded
// counts live chats against each agent's chat cap, and an agent who takes no chats is full.
func chatLoads(ctx context.Context, tx *storage.Tx, cands []Candidate) error {
	for i := range cands {
		open, limit, err := OpenChats(ctx, tx, cands[i].ID)
		if err != nil {
			return err
		}
		cands[i].Open, cands[i].Cap = open, limit
		if limit == 0 {
			cands[i].Cap, cands[i].Open = 1, 1 // full: takes no chats
		}
	}
	return nil
}
