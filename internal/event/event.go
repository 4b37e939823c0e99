// Package event is the append-only record of every change to a ticket, a customer, a user
// or a team: who, when, which field, before and after. It is the timeline in the UI, the
// audit trail, and later the source of reports and webhooks. Events are written in the same
// transaction as the change they describe, so one never exists without the other.
package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Subject kinds.
const (
	Ticket   = "ticket"
	Customer = "customer"
	User     = "user"
	Team     = "team"
)

// Event is one recorded change.
type Event struct {
	ID          int64          `json:"id"`
	SubjectKind string         `json:"subject_kind"`
	SubjectID   int64          `json:"subject_id"`
	Action      string         `json:"action"`
	Field       string         `json:"field,omitempty"`
	Old         *string        `json:"old"`
	New         *string        `json:"new"`
	Detail      map[string]any `json:"detail,omitempty"`
	ActorKind   auth.ActorKind `json:"actor_kind"`
	ActorID     int64          `json:"actor_id,omitempty"`
	ActorName   string         `json:"actor_name,omitempty"`
	At          time.Time      `json:"at"`
}

// Change is what a command records: one field changed by an action.
type Change struct {
	Action string
	Field  string
	Old    *string
	New    *string
	Detail map[string]any
}

// Str is a helper for Change values.
func Str(s string) *string { return &s }

// Int is a helper for Change values holding ids.
func Int(v int64) *string {
	s := fmt.Sprint(v)
	return &s
}

// Value turns any value into a Change value: nil stays nil (not "<nil>").
func Value(v any) *string {
	if v == nil {
		return nil
	}
	s := fmt.Sprint(v)
	return &s
}

// SameValue reports whether two values would be recorded alike.
func SameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// OptInt turns an optional id into a Change value (nil stays nil).
func OptInt(v *int64) *string {
	if v == nil {
		return nil
	}
	return Int(*v)
}

// Append records changes of one subject by actor at a time, inside the command's transaction.
func Append(tx *storage.Tx, actor auth.Actor, subjectKind string, subjectID int64, at time.Time, changes ...Change) error {
	if len(changes) == 0 {
		return nil
	}
	var actorID any
	if actor.ID != 0 {
		actorID = actor.ID
	}
	p := tx.Local(pendingKey{}, func() any {
		p := &pending{}
		tx.BeforeCommit(storage.StageRows, func() error { return p.write(tx) })
		return p
	}).(*pending)
	for _, c := range changes {
		detail := "{}"
		if len(c.Detail) > 0 {
			b, err := json.Marshal(c.Detail)
			if err != nil {
				return fmt.Errorf("event detail: %w", err)
			}
			detail = string(b)
		}
		p.args = append(p.args, subjectKind, subjectID, c.Action, c.Field, c.Old, c.New, detail, string(actor.Kind), actorID, at.UnixMilli())
	}
	return nil
}

// pending holds the events a command appended; they are written when the command ends, all
// in one statement, in the order appended (ids ascend in that order). A new ticket's events
// come from four places (customer, ticket, message, service level) and cost one statement
// on the single SQLite writer instead of five. Nothing reads events inside a command.
type pending struct{ args []any }

type pendingKey struct{}

const eventColumns = 10

func (p *pending) write(tx *storage.Tx) error {
	const chunk = 500 * eventColumns // well under both engines' limit on statement arguments
	for len(p.args) > 0 {
		args := p.args[:min(chunk, len(p.args))]
		p.args = p.args[len(args):]
		var sql strings.Builder
		sql.WriteString(`INSERT INTO events
			(subject_kind, subject_id, action, field, old_value, new_value, detail, actor_kind, actor_id, created_at) VALUES `)
		for i := 0; i < len(args); i += eventColumns {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(")
			for j := range eventColumns {
				if j > 0 {
					sql.WriteString(", ")
				}
				fmt.Fprintf(&sql, "$%d", i+j+1)
			}
			sql.WriteString(")")
		}
		if _, err := tx.ExecContext(tx.Context(), sql.String(), args...); err != nil {
			return fmt.Errorf("append %d events: %w", len(args)/eventColumns, err)
		}
	}
	return nil
}

// List returns a subject's events in order, after the event id `after`, at most limit.
func List(ctx context.Context, q storage.Querier, subjectKind string, subjectID, after int64, limit int) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.action, e.field, e.old_value, e.new_value, e.detail,
			e.actor_kind, e.actor_id, COALESCE(u.name, c.name, ''), e.created_at
		FROM events e
		LEFT JOIN users u ON e.actor_kind = 'user' AND u.id = e.actor_id
		LEFT JOIN customers c ON e.actor_kind = 'customer' AND c.id = e.actor_id
		WHERE e.subject_kind = $1 AND e.subject_id = $2 AND e.id > $3
		ORDER BY e.id LIMIT $4`, subjectKind, subjectID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{SubjectKind: subjectKind, SubjectID: subjectID}
		var old, nw sql.NullString
		var detail, kind string
		var actorID sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.Action, &e.Field, &old, &nw, &detail, &kind, &actorID, &e.ActorName, &at); err != nil {
			return nil, err
		}
		if old.Valid {
			e.Old = &old.String
		}
		if nw.Valid {
			e.New = &nw.String
		}
		if detail != "" && detail != "{}" {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return nil, fmt.Errorf("event %d detail: %w", e.ID, err)
			}
		}
		e.ActorKind = auth.ActorKind(kind)
		e.ActorID = actorID.Int64
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
