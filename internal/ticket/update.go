package ticket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/user"
)

// OptionalID is a JSON field that can be absent (leave as is), null (clear) or an id.
type OptionalID struct {
	Set   bool
	Value int64 // 0 with Set means clear
}

// UnmarshalJSON records that the field was present.
func (o *OptionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.Value = 0
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Patch changes a ticket; absent fields stay as they are. The team changes only through a
// transfer, which needs a reason.
type Patch struct {
	Subject      *string        `json:"subject"`
	Type         *string        `json:"type"`
	Subtype      *string        `json:"subtype"`
	Status       *string        `json:"status"`
	Priority     *string        `json:"priority"`
	AssigneeID   OptionalID     `json:"assignee_id"`
	DepartmentID OptionalID     `json:"department_id"`
	Tags         []string       `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
	// Version, when set (or sent as If-Match), must be the ticket's current version.
	Version *int64 `json:"version"`
}

// Update changes a ticket's fields in one command; every changed field leaves an event.
func (s *Service) Update(ctx context.Context, a auth.Actor, number int64, p Patch) (*Ticket, error) {
	f := apperr.Fields{}
	if p.Subject != nil {
		s.checkText(f, *p.Subject)
	}
	if p.Type != nil {
		oneOf(f, "type", *p.Type, Types)
	}
	if p.Status != nil {
		oneOf(f, "status", *p.Status, Statuses)
	}
	if p.Priority != nil {
		oneOf(f, "priority", *p.Priority, Priorities)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var tags []string
	if p.Tags != nil {
		var err error
		if tags, err = tag.Normalize("tags", p.Tags); err != nil {
			return nil, err
		}
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		t, err := visible(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if err := mayPatch(a, t, p); err != nil {
			return err
		}
		if t.MergedInto != nil {
			return apperr.Rule("ticket_merged", map[string]any{"number": *t.MergedInto})
		}
		if p.Version != nil && *p.Version != t.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": t.Version})
		}
		return s.applyPatch(tx, a, t, p, tags)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, number)
}

// mayPatch: agents change anything; department staff may only hand a ticket back (status
// from pending_department to open).
func mayPatch(a auth.Actor, t *Ticket, p Patch) error {
	if canWork(a, t) {
		return nil
	}
	handBack := p.Status != nil && *p.Status == StatusOpen && t.Status == StatusPendingDepartment
	onlyStatus := p.Subject == nil && p.Type == nil && p.Subtype == nil && p.Priority == nil && !p.AssigneeID.Set &&
		!p.DepartmentID.Set && p.Tags == nil && p.CustomFields == nil
	if a.Role == auth.RoleDepartment && handBack && onlyStatus {
		return nil
	}
	return apperr.Forbidden("")
}

func (s *Service) applyPatch(tx *storage.Tx, a auth.Actor, t *Ticket, p Patch, tags []string) error {
	ctx := tx.Context()
	now := s.now()
	before := *t
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	var changes []event.Change
	change := func(field, old, nw string) {
		changes = append(changes, event.Change{Action: "updated", Field: field, Old: event.Str(old), New: event.Str(nw)})
	}
	if p.Subject != nil && strings.TrimSpace(*p.Subject) != t.Subject {
		set("subject", strings.TrimSpace(*p.Subject))
		change("subject", t.Subject, strings.TrimSpace(*p.Subject))
	}
	typ, subtype := t.Type, t.Subtype
	if p.Type != nil {
		typ = *p.Type
		if typ != "aftersale" {
			subtype = ""
		}
	}
	if p.Subtype != nil {
		subtype = *p.Subtype
	}
	f := apperr.Fields{}
	checkSubtype(f, typ, subtype)
	if err := f.Err(); err != nil {
		return err
	}
	if typ != t.Type {
		set("type", typ)
		change("type", t.Type, typ)
	}
	if subtype != t.Subtype {
		set("subtype", subtype)
		change("subtype", t.Subtype, subtype)
	}
	if p.Priority != nil && *p.Priority != t.Priority {
		set("priority", priorityRank(*p.Priority))
		change("priority", t.Priority, *p.Priority)
	}
	if p.DepartmentID.Set && p.DepartmentID.Value != t.departmentID() {
		old := t.departmentID()
		if p.DepartmentID.Value != 0 {
			if err := checkTeam(ctx, tx, "department_id", p.DepartmentID.Value, user.KindDepartment); err != nil {
				return err
			}
			t.Department = &Ref{ID: p.DepartmentID.Value}
		} else {
			if t.Status == StatusPendingDepartment && (p.Status == nil || *p.Status == StatusPendingDepartment) {
				return apperr.Invalid("department_id", "needed_while_pending", nil)
			}
			t.Department = nil
		}
		set("department_id", nullID(p.DepartmentID.Value))
		changes = append(changes, event.Change{Action: "updated", Field: "department", Old: event.OptInt(optional(old)), New: event.OptInt(optional(p.DepartmentID.Value))})
	}
	if p.AssigneeID.Set && p.AssigneeID.Value != t.assigneeID() {
		if p.AssigneeID.Value != 0 {
			if err := checkAssignee(ctx, tx, "assignee_id", t.teamID(), p.AssigneeID.Value); err != nil {
				return err
			}
		}
		set("assignee_id", nullID(p.AssigneeID.Value))
		changes = append(changes, event.Change{Action: "assigned", Field: "assignee", Old: event.OptInt(optional(t.assigneeID())), New: event.OptInt(optional(p.AssigneeID.Value))})
	}
	if p.Status != nil {
		sc, err := statusEffects(t, *p.Status, now, set)
		if err != nil {
			return err
		}
		changes = append(changes, sc...)
	}
	if p.CustomFields != nil {
		cf, newCF, err := customfield.Apply(ctx, tx, customfield.Ticket, t.CustomFields, p.CustomFields, false)
		if err != nil {
			return err
		}
		for k := range p.CustomFields {
			if o, n := t.CustomFields[k], newCF[k]; !event.SameValue(o, n) {
				changes = append(changes, event.Change{Action: "updated", Field: "custom_fields." + k, Old: event.Value(o), New: event.Value(n)})
			}
		}
		set("custom_fields", cf)
	}
	if tags != nil {
		added, removed, err := tag.Replace(tx, "ticket_tags", "ticket_id", t.ID, tags, now)
		if err != nil {
			return err
		}
		if len(added)+len(removed) > 0 {
			change("tags", strings.Join(t.Tags, ","), strings.Join(tags, ","))
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if t.Owner == nil && a.ServesCustomers() {
		set("owner_id", a.ID)
		changes = append(changes, event.Change{Action: "owner_set", Field: "owner", New: event.Int(a.ID)})
	}
	set("updated_at", now.UnixMilli())
	sets = append(sets, "version = version + 1")
	args = append(args, t.ID, t.Version)
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(` WHERE id = $%d AND version = $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return fmt.Errorf("update ticket #%d: %w", t.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.Conflict("stale_version", nil)
	}
	if p.Subject != nil && strings.TrimSpace(*p.Subject) != t.Subject {
		first, err := firstMessage(tx, t.ID)
		if err != nil {
			return err
		}
		if err := reindexMessages(tx, first); err != nil {
			return err
		}
	}
	if err := event.Append(tx, a, event.Ticket, t.ID, now, changes...); err != nil {
		return err
	}
	return s.changed(tx, ChangeUpdated, t.ID, &before, nil, a, now)
}

func optional(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
