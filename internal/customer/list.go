package customer

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
)

// Filter narrows a customer list. Query matches name or organization (substring), an email
// address, or a phone number (by its last digits).
type Filter struct {
	Query  string
	Tier   string
	Stage  string
	Tag    string
	Cursor string
	Limit  int
}

// Page is one page of a list; Next is the cursor of the following page ("" at the end).
type Page struct {
	Items []*Customer `json:"items"`
	Next  string      `json:"next_cursor"`
}

// List returns customers, most recently updated first, a page at a time (keyset pagination).
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (*Page, error) {
	if !canRead(actor) {
		return nil, apperr.Forbidden("")
	}
	fe := apperr.Fields{}
	fe.Check(f.Tier == "" || slices.Contains(Tiers, f.Tier), "tier", "one_of", map[string]any{"values": strings.Join(Tiers, ", ")})
	fe.Check(f.Stage == "" || slices.Contains(Stages, f.Stage), "stage", "one_of", map[string]any{"values": strings.Join(Stages, ", ")})
	fe.Check(utf8.RuneCountInString(f.Query) <= 256, "q", "too_long", map[string]any{"max": 256})
	if f.Limit == 0 {
		f.Limit = 25
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 100, "limit", "out_of_range", map[string]any{"min": 1, "max": 100})
	var curUpdated, curID int64
	if f.Cursor != "" {
		var ok bool
		curUpdated, curID, ok = decodeCursor(f.Cursor)
		fe.Check(ok, "cursor", "invalid", nil)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Tier != "" {
		where = append(where, "c.tier = "+arg(f.Tier))
	}
	if f.Stage != "" {
		where = append(where, "c.stage = "+arg(f.Stage))
	}
	if f.Tag != "" {
		where = append(where, "c.id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.name = "+arg(f.Tag)+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if digits, ok := phoneDigits(q); ok {
			where = append(where, "c.id IN (SELECT customer_id FROM customer_identities WHERE kind = 'phone' AND value LIKE "+arg("%"+digits)+")")
		} else if strings.Contains(q, "@") {
			where = append(where, "c.id IN (SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = "+arg(strings.ToLower(q))+")")
		} else {
			like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(q)) + "%"
			p := arg(like)
			where = append(where, "(lower(c.name) LIKE "+p+" OR lower(c.organization) LIKE "+p+")")
		}
	}
	if f.Cursor != "" {
		where = append(where, "(c.updated_at, c.id) < ("+arg(curUpdated)+", "+arg(curID)+")")
	}
	q := `SELECT ` + prefixed("c.", columns) + ` FROM customers c`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY c.updated_at DESC, c.id DESC LIMIT " + arg(f.Limit+1)
	rows, err := s.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	var items []*Customer
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page := &Page{Items: []*Customer{}}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		last := items[len(items)-1]
		page.Next = encodeCursor(last.UpdatedAt.UnixMilli(), last.ID)
	}
	byID := make(map[int64]*Customer, len(items))
	for _, c := range items {
		byID[c.ID] = c
	}
	ids := make([]int64, len(items))
	for i, c := range items {
		ids[i] = c.ID
	}
	in, inArgs := placeholders(ids)
	if err := attachDetails(ctx, s.db.Read(), byID, in, inArgs); err != nil {
		return nil, err
	}
	page.Items = append(page.Items, items...)
	return page, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

func encodeCursor(a, b int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(a, 10) + "." + strconv.FormatInt(b, 10)))
}

func decodeCursor(c string) (int64, int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, false
	}
	x, y, ok := strings.Cut(string(raw), ".")
	a, err1 := strconv.ParseInt(x, 10, 64)
	b, err2 := strconv.ParseInt(y, 10, 64)
	return a, b, ok && err1 == nil && err2 == nil
}

// phoneDigits reads a query of at least four digits (spaces, dashes and a leading + allowed,
// full-width digits folded) as the end of a phone number.
func phoneDigits(q string) (string, bool) {
	var b strings.Builder
	for i, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || (i == 0 && (r == '+' || r == '＋')):
		default:
			return "", false
		}
	}
	return b.String(), b.Len() >= 4
}
