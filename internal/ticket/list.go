package ticket

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
)

// None in an id filter means "not set" (unassigned, no team).
const None int64 = -1

// Filter narrows a ticket list. Zero values mean "any".
type Filter struct {
	Statuses      []string
	Type          string
	Priority      string
	Channel       string
	TeamID        int64 // or None
	AssigneeID    int64 // or None
	OwnerID       int64
	DepartmentID  int64
	CustomerID    int64
	Tag           string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
	Sort          string // updated (default), created, priority
	Order         string // desc (default), asc
	Cursor        string
	Limit         int // 1…100, default 25
}

// Page is one page of tickets; Next is the cursor of the following page ("" at the end).
type Page struct {
	Items []*Ticket `json:"items"`
	Next  string    `json:"next_cursor"`
}

// List returns the tickets the actor may see that match f, a page at a time. It never counts
// the matches: a first page costs the same at ten thousand tickets as at ten million, because
// every view has an index ending in its sort order and the cursor continues from the last row.
func (s *Service) List(ctx context.Context, a auth.Actor, f Filter) (*Page, error) {
	fe := apperr.Fields{}
	for _, st := range f.Statuses {
		oneOf(fe, "status", st, Statuses)
	}
	if f.Type != "" {
		oneOf(fe, "type", f.Type, Types)
	}
	if f.Priority != "" {
		oneOf(fe, "priority", f.Priority, Priorities)
	}
	if f.Channel != "" {
		oneOf(fe, "channel", f.Channel, Channels)
	}
	if f.Sort == "" {
		f.Sort = "updated"
	}
	oneOf(fe, "sort", f.Sort, []string{"updated", "created", "priority"})
	if f.Order == "" {
		f.Order = "desc"
	}
	oneOf(fe, "order", f.Order, []string{"desc", "asc"})
	if f.Limit == 0 {
		f.Limit = 25
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 100, "limit", "out_of_range", map[string]any{"min": 1, "max": 100})
	var cur []int64
	if f.Cursor != "" {
		var ok bool
		cur, ok = decodeCursor(f.Cursor, f.Sort)
		fe.Check(ok, "cursor", "invalid", nil)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}

	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := conditions(a, f, arg)

	keys := map[string][]string{
		"updated":  {"t.updated_at", "t.id"},
		"created":  {"t.created_at", "t.id"},
		"priority": {"t.priority", "t.updated_at", "t.id"},
	}[f.Sort]
	dir, cmp := "DESC", "<"
	if f.Order == "asc" {
		dir, cmp = "ASC", ">"
	}
	if cur != nil {
		ph := make([]string, len(cur))
		for i, v := range cur {
			ph[i] = arg(v)
		}
		where = append(where, "("+strings.Join(keys, ", ")+") "+cmp+" ("+strings.Join(ph, ", ")+")")
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = k + " " + dir
	}
	q := "SELECT " + strings.Join(keys, ", ") + " FROM tickets t"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + arg(f.Limit+1)

	rows, err := s.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	var ids []int64
	var lastKey []int64
	for rows.Next() {
		vals := make([]int64, len(keys))
		ptrs := make([]any, len(keys))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		if len(ids) < f.Limit {
			ids = append(ids, vals[len(vals)-1])
			lastKey = vals
		} else {
			ids = append(ids, -1) // marks "there is more"
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page := &Page{}
	if len(ids) > f.Limit {
		ids = ids[:f.Limit]
		page.Next = encodeCursor(f.Sort, lastKey)
	}
	page.Items, err = loadByIDs(ctx, s.db.Read(), ids)
	return page, err
}

func encodeCursor(sort string, key []int64) string {
	parts := []string{sort}
	for _, v := range key {
		parts = append(parts, strconv.FormatInt(v, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

func decodeCursor(c, sort string) ([]int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(raw), ".")
	want := map[string]int{"updated": 2, "created": 2, "priority": 3}[sort]
	if len(parts) != want+1 || parts[0] != sort {
		return nil, false
	}
	out := make([]int64, want)
	for i := range out {
		v, err := strconv.ParseInt(parts[i+1], 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// conditions is the WHERE of a ticket query for tickets aliased t: what the actor may see
// and what the filter asks for (not the cursor). List and Search share it.
func conditions(a auth.Actor, f Filter, arg func(any) string) []string {
	var where []string
	if v := visibility(a, arg); v != "" {
		where = append(where, v)
	}
	if len(f.Statuses) == 1 {
		where = append(where, "t.status = "+arg(f.Statuses[0]))
	} else if len(f.Statuses) > 1 {
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = arg(st)
		}
		where = append(where, "t.status IN ("+strings.Join(ph, ", ")+")")
	}
	eq := func(col string, v any) { where = append(where, col+" = "+arg(v)) }
	idFilter := func(col string, v int64) {
		switch {
		case v == None:
			where = append(where, col+" IS NULL")
		case v > 0:
			eq(col, v)
		}
	}
	if f.Type != "" {
		eq("t.type", f.Type)
	}
	if f.Priority != "" {
		eq("t.priority", priorityRank(f.Priority))
	}
	if f.Channel != "" {
		eq("t.channel", f.Channel)
	}
	idFilter("t.team_id", f.TeamID)
	idFilter("t.assignee_id", f.AssigneeID)
	idFilter("t.owner_id", f.OwnerID)
	idFilter("t.department_id", f.DepartmentID)
	idFilter("t.customer_id", f.CustomerID)
	if f.Tag != "" {
		where = append(where, "t.id IN (SELECT tt.ticket_id FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE g.name = "+arg(f.Tag)+")")
	}
	timeFilter := func(col, op string, v time.Time) {
		if !v.IsZero() {
			where = append(where, col+" "+op+" "+arg(v.UnixMilli()))
		}
	}
	timeFilter("t.created_at", ">=", f.CreatedAfter)
	timeFilter("t.created_at", "<", f.CreatedBefore)
	timeFilter("t.updated_at", ">=", f.UpdatedAfter)
	timeFilter("t.updated_at", "<", f.UpdatedBefore)

	return where
}
