package ticket

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
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
	SLA           string // due_soon (an unmet SLA target passed its warning time), overdue (its due time)
	Sort          string // updated (default), created, priority, due (only tickets with a due time, soonest first)
	Order         string // desc (default), asc
	Cursor        string
	Limit         int // 1…100, default 25

	at time.Time // the instant due_soon and overdue are judged at (set by List and CountUpTo)
}

// SLAFilters are the values of Filter.SLA.
var SLAFilters = []string{"due_soon", "overdue"}

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
	oneOf(fe, "sort", f.Sort, []string{"updated", "created", "priority", "due"})
	if f.SLA != "" {
		oneOf(fe, "sla", f.SLA, SLAFilters)
	}
	f.at = s.now()
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

	tagID := int64(0)
	if f.Tag != "" {
		err := s.db.Read().QueryRowContext(ctx, `SELECT id FROM tags WHERE name = $1`, f.Tag).Scan(&tagID)
		if errors.Is(err, sql.ErrNoRows) {
			return &Page{Items: []*Ticket{}}, nil // no ticket carries a tag nobody made
		} else if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
	}
	var rows []listRow
	for _, b := range branches(a) {
		if b.contradicts(f) {
			continue
		}
		got, err := s.listBranch(ctx, b, f, tagID, cur)
		if err != nil {
			return nil, err
		}
		rows = append(rows, got...)
	}
	rows = mergeRows(rows, f.Order == "asc")
	page := &Page{Items: []*Ticket{}}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.Next = encodeCursor(f.Sort, rows[len(rows)-1])
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r[len(r)-1]
	}
	var err error
	page.Items, err = loadByIDs(ctx, s.db.Read(), ids)
	for _, t := range page.Items {
		t.SLAState = t.SLAStateAt(f.at)
		if a.Kind == auth.ActorCustomer {
			t.SLADueAt, t.SLAWarnAt, t.SLAState = nil, nil, SLANone // an internal promise
		}
	}
	return page, err
}

// listRow is a ticket's sort key; its last element is the ticket id.
type listRow []int64

// sortKeys are the columns of each sort order, the id last so that keys are unique.
var sortKeys = map[string][]string{
	"updated":  {"updated_at", "id"},
	"created":  {"created_at", "id"},
	"priority": {"priority", "updated_at", "id"},
	"due":      {"sla_due_at", "id"},
}

// listBranch reads the first limit+1 keys of one visibility branch, in the view's order.
func (s *Service) listBranch(ctx context.Context, b branch, f Filter, tagID int64, cur []int64) ([]listRow, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	keys := make([]string, len(sortKeys[f.Sort]))
	for i, k := range sortKeys[f.Sort] {
		keys[i] = "t." + k
	}
	from := "tickets t"
	var where []string
	// A tag view in update order walks the tag's rows, which carry their ticket's team and
	// update time (migration 0003), so an agent's team branch reads only matching rows.
	byTag := tagID != 0 && f.Sort == "updated" && (b.col == "" || b.col == "team_id")
	if byTag {
		from = "ticket_tags g JOIN tickets t ON t.id = g.ticket_id"
		keys = []string{"g.updated_at", "g.ticket_id"}
		where = append(where, "g.tag_id = "+arg(tagID))
		switch {
		case b.col == "":
		case b.null:
			where = append(where, "g.team_id IS NULL")
		default:
			where = append(where, "g.team_id = "+arg(b.id))
		}
	} else if w := b.where(arg); w != "" {
		where = append(where, w)
	}
	ff, fTag := f, tagID
	if byTag {
		ff.Tag, fTag = "", 0 // every row read carries the tag
	}
	where = append(where, filterConditions(ff, fTag, arg)...)
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
	q := "SELECT " + strings.Join(keys, ", ") + " FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + arg(f.Limit+1)

	rows, err := s.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var out []listRow
	for rows.Next() {
		r := make(listRow, len(keys))
		ptrs := make([]any, len(keys))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// mergeRows sorts the branches' rows into the view's order and drops the tickets that more
// than one branch found (a ticket of my team that is also assigned to me).
func mergeRows(rows []listRow, asc bool) []listRow {
	slices.SortFunc(rows, func(x, y listRow) int {
		c := slices.Compare(x, y)
		if asc {
			return c
		}
		return -c
	})
	return slices.CompactFunc(rows, func(x, y listRow) bool { return x[len(x)-1] == y[len(y)-1] })
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
	want := map[string]int{"updated": 2, "created": 2, "priority": 3, "due": 2}[sort]
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
// and what the filter asks for (not the cursor). Search and counts use it; lists use
// branches (branches.go) with filterConditions.
func conditions(a auth.Actor, f Filter, arg func(any) string) []string {
	var where []string
	if v := visibility(a, arg); v != "" {
		where = append(where, v)
	}
	return append(where, filterConditions(f, 0, arg)...)
}

// filterConditions is the WHERE of what the filter asks for. A tag already resolved to
// tagID is matched by id; otherwise by name.
func filterConditions(f Filter, tagID int64, arg func(any) string) []string {
	var where []string
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
	switch {
	case tagID != 0:
		where = append(where, "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag_id = "+arg(tagID)+")")
	case f.Tag != "":
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
	// Due times live on the ticket (kept by internal/sla) under partial indexes per
	// visibility branch that hold only tickets with a due time (migration 0009): every SLA
	// condition names sla_due_at so that those indexes apply.
	at := f.at
	if at.IsZero() {
		at = time.Now()
	}
	switch f.SLA {
	case "overdue":
		where = append(where, "t.sla_due_at <= "+arg(at.UnixMilli()))
	case "due_soon":
		now := arg(at.UnixMilli())
		where = append(where, "t.sla_due_at > "+now, "t.sla_warn_at <= "+now)
	default:
		if f.Sort == "due" {
			where = append(where, "t.sla_due_at IS NOT NULL")
		}
	}
	return where
}
