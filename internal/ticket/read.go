package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
)

const selectTickets = `SELECT t.id, t.number, t.subject, t.type, t.subtype, t.status, t.priority, t.channel,
	t.customer_id, c.name, t.team_id, tm.name, t.department_id, d.name, t.assignee_id, a.name, t.owner_id, o.name,
	mi.number, t.custom_fields, t.preview, t.message_count, t.version, t.created_at, t.updated_at,
	t.first_response_at, t.last_customer_message_at, t.last_agent_message_at, t.resolved_at, t.closed_at,
	t.sla_due_at, t.sla_warn_at
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN teams d ON d.id = t.department_id
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN users o ON o.id = t.owner_id
LEFT JOIN tickets mi ON mi.id = t.merged_into_id`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var teamID, deptID, assigneeID, ownerID, mergedInto sql.NullInt64
	var teamName, deptName, assigneeName, ownerName sql.NullString
	var prio int
	var cf string
	var created, updated int64
	var firstResp, lastCust, lastAgent, resolved, closed, slaDue, slaWarn sql.NullInt64
	err := row.Scan(&t.ID, &t.Number, &t.Subject, &t.Type, &t.Subtype, &t.Status, &prio, &t.Channel,
		&t.Customer.ID, &t.Customer.Name, &teamID, &teamName, &deptID, &deptName, &assigneeID, &assigneeName, &ownerID, &ownerName,
		&mergedInto, &cf, &t.Preview, &t.MessageCount, &t.Version, &created, &updated,
		&firstResp, &lastCust, &lastAgent, &resolved, &closed, &slaDue, &slaWarn)
	if err != nil {
		return nil, err
	}
	t.Priority = priorityName(prio)
	t.Team = ref(teamID, teamName)
	t.Department = ref(deptID, deptName)
	t.Assignee = ref(assigneeID, assigneeName)
	t.Owner = ref(ownerID, ownerName)
	if mergedInto.Valid {
		t.MergedInto = &mergedInto.Int64
	}
	t.CustomFields = customfield.Decode(cf)
	t.CreatedAt, t.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	t.FirstResponseAt, t.LastCustomerMessageAt, t.LastAgentMessageAt = when(firstResp), when(lastCust), when(lastAgent)
	t.ResolvedAt, t.ClosedAt = when(resolved), when(closed)
	t.SLADueAt, t.SLAWarnAt = when(slaDue), when(slaWarn)
	t.SLAState = SLANone
	t.Tags = []string{}
	return &t, nil
}

func ref(id sql.NullInt64, name sql.NullString) *Ref {
	if !id.Valid {
		return nil
	}
	return &Ref{ID: id.Int64, Name: name.String}
}

func when(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// loadByNumber reads one ticket (with tags) inside or outside a command. Inside a command
// on PostgreSQL it first locks the ticket's row until the command ends, so that what the
// command decides from (status, owner, version) is still so when it writes.
func loadByNumber(ctx context.Context, q storage.Querier, number int64) (*Ticket, error) {
	if err := lockTickets(ctx, q, number); err != nil {
		return nil, err
	}
	t, err := scanTicket(q.QueryRowContext(ctx, selectTickets+` WHERE t.number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("ticket")
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket #%d: %w", number, err)
	}
	if t.Tags, err = tag.NamesOf(ctx, q, "ticket_tags", "ticket_id", t.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// lockTickets holds the rows of the tickets with the given numbers, in id order, until the
// command commits. Commands run side by side on PostgreSQL: without it, twenty replies at
// once would each see the ticket still "new" and each record opening it and taking it over.
// SQLite runs one command at a time, and reads outside a command take no locks.
func lockTickets(ctx context.Context, q storage.Querier, numbers ...int64) error {
	tx, ok := q.(*storage.Tx)
	if !ok || tx.Dialect() != storage.Postgres {
		return nil
	}
	args := make([]any, len(numbers))
	ph := make([]string, len(numbers))
	for i, n := range numbers {
		args[i], ph[i] = n, fmt.Sprintf("$%d", i+1)
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE number IN (`+strings.Join(ph, ", ")+`) ORDER BY id FOR UPDATE`, args...); err != nil {
		return fmt.Errorf("lock tickets: %w", err)
	}
	return nil
}

// loadByIDs reads tickets in the order of ids, with tags.
func loadByIDs(ctx context.Context, q storage.Querier, ids []int64) ([]*Ticket, error) {
	if len(ids) == 0 {
		return []*Ticket{}, nil
	}
	in, args := storage.InList(ids)
	rows, err := q.QueryContext(ctx, selectTickets+` WHERE t.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load tickets: %w", err)
	}
	byID := make(map[int64]*Ticket, len(ids))
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags, err := tag.Names(ctx, q, "ticket_tags", "ticket_id", ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Ticket, 0, len(ids))
	for _, id := range ids {
		if t := byID[id]; t != nil {
			if tags[id] != nil {
				t.Tags = tags[id]
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// visible loads a ticket the actor may see; anything else is "not found", so that nobody
// learns whether a ticket number they guessed exists.
func visible(ctx context.Context, q storage.Querier, a auth.Actor, number int64) (*Ticket, error) {
	t, err := loadByNumber(ctx, q, number)
	if err != nil {
		return nil, err
	}
	if !canSee(a, t) {
		return nil, apperr.NotFound("ticket")
	}
	return t, nil
}

// workable loads a ticket the actor may work on.
func workable(ctx context.Context, q storage.Querier, a auth.Actor, number int64) (*Ticket, error) {
	t, err := visible(ctx, q, a, number)
	if err != nil {
		return nil, err
	}
	if !canWork(a, t) {
		return nil, apperr.Forbidden("")
	}
	if t.MergedInto != nil {
		return nil, apperr.Rule("ticket_merged", map[string]any{"number": *t.MergedInto})
	}
	return t, nil
}

// Get returns a ticket with its links.
func (s *Service) Get(ctx context.Context, a auth.Actor, number int64) (*Ticket, error) {
	t, err := visible(ctx, s.db.Read(), a, number)
	if err != nil {
		return nil, err
	}
	t.SLAState = t.SLAStateAt(s.now())
	if a.Kind == auth.ActorCustomer {
		t.SLADueAt, t.SLAWarnAt, t.SLAState = nil, nil, SLANone
		t.Owner, t.Assignee, t.Department = nil, nil, nil
		t.CustomFields = map[string]any{}
		t.Tags = []string{}
		return t, nil
	}
	all, err := links(ctx, s.db.Read(), t.ID)
	if err != nil {
		return nil, err
	}
	// A link must not reveal the number of a ticket the reader may not open.
	t.Links = []Link{}
	for _, l := range all {
		if a.IsAdmin() {
			t.Links = append(t.Links, l)
		} else if _, err := visible(ctx, s.db.Read(), a, l.Number); err == nil {
			t.Links = append(t.Links, l)
		}
	}
	return t, nil
}

func links(ctx context.Context, q storage.Querier, id int64) ([]Link, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.kind, 'out', o.number FROM ticket_links l JOIN tickets o ON o.id = l.to_id WHERE l.from_id = $1
		UNION ALL SELECT l.kind, 'in', o.number FROM ticket_links l JOIN tickets o ON o.id = l.from_id WHERE l.to_id = $1
		ORDER BY 3`, id)
	if err != nil {
		return nil, fmt.Errorf("load links: %w", err)
	}
	defer rows.Close()
	out := []Link{}
	for rows.Next() {
		var kind, dir string
		var n int64
		if err := rows.Scan(&kind, &dir, &n); err != nil {
			return nil, err
		}
		switch {
		case kind == "merged" && dir == "out":
			kind = "merged_into"
		case kind == "merged":
			kind = "merged_from"
		case kind == "split" && dir == "out":
			kind = "split_to"
		case kind == "split":
			kind = "split_from"
		}
		out = append(out, Link{Kind: kind, Number: n})
	}
	return out, rows.Err()
}

// Events returns a ticket's trail of changes in order.
func (s *Service) Events(ctx context.Context, a auth.Actor, number, after int64, limit int) ([]event.Event, error) {
	if a.Kind == auth.ActorCustomer {
		return nil, apperr.NotFound("ticket")
	}
	t, err := visible(ctx, s.db.Read(), a, number)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return event.List(ctx, s.db.Read(), event.Ticket, t.ID, after, limit)
}
