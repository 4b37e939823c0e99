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
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// Filter narrows a customer list. Query searches names, organizations, email addresses and
// chat ids by their words (Chinese by its characters), and phone numbers by their last four
// or more digits; the last word may be the beginning of a word, as people type it.
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
	from := " FROM customers c"
	order := " ORDER BY c.updated_at DESC, c.id DESC"
	keyset := "(c.updated_at, c.id) < "
	if strings.TrimSpace(f.Query) != "" {
		// Searching: matches stream from the index newest customer first, so the cursor
		// continues by id alone.
		q, err := search.Parse(f.Query)
		if err != nil {
			return nil, err
		}
		q.Terms[len(q.Terms)-1].Prefix = true
		m := search.MatchSQL(s.db.Dialect(), search.Customers, "c", q, arg)
		from += m.From
		where = append(where, m.Where)
		order = " ORDER BY " + m.Key + " DESC"
		keyset = m.Key + " < "
	}
	if f.Cursor != "" {
		if strings.HasPrefix(keyset, "(") {
			where = append(where, keyset+"("+arg(curUpdated)+", "+arg(curID)+")")
		} else {
			where = append(where, keyset+arg(curID))
		}
	}
	q := `SELECT ` + prefixed("c.", columns) + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += order + " LIMIT " + arg(f.Limit+1)
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
		page.Next = encodeCursor(last.UpdatedAt.UnixMilli(), last.ID) // search pages use the id part only
	}
	byID := make(map[int64]*Customer, len(items))
	for _, c := range items {
		byID[c.ID] = c
	}
	ids := make([]int64, len(items))
	for i, c := range items {
		ids[i] = c.ID
	}
	in, inArgs := storage.InList(ids)
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
