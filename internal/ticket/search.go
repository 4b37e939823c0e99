package ticket

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// Search limits. Counting stops at CountLimit matching messages ("1,000+": past a thousand
// hits nobody reads the number, and an exact count of a common word at a million tickets
// costs more than the page); relevance ranks only the newest RankWindow matches, so neither
// grows with the size of the archive.
const (
	CountLimit = 1000
	RankWindow = 2000
	scanLimit  = 5000 // matching messages one page may read before it returns what it has
	seenLimit  = 500  // tickets a cursor remembers, so later pages do not repeat them
)

// Hit is a ticket found by a search, with the newest message that matched.
type Hit struct {
	*Ticket
	Match Match `json:"match"`
}

// Match shows where a ticket matched: a message and a snippet with <mark>ed words (HTML).
type Match struct {
	MessageID int64  `json:"message_id"`
	Snippet   string `json:"snippet"`
}

// SearchPage is one page of search results. Total counts matching tickets exactly when
// TotalMore is false; otherwise there are more than Total.
type SearchPage struct {
	Items     []Hit  `json:"items"`
	Next      string `json:"next_cursor"`
	Total     int    `json:"total"`
	TotalMore bool   `json:"total_more"`
}

// Search finds the tickets the actor may open whose subject or messages (internal notes too,
// for staff) contain every term of q, newest match first, or by relevance among the newest
// RankWindow matches when rank is "relevance". The filter's conditions apply as in List.
func (s *Service) Search(ctx context.Context, a auth.Actor, query string, rank string, f Filter) (*SearchPage, error) {
	q, err := search.Parse(query)
	if err != nil {
		return nil, err
	}
	fe := apperr.Fields{}
	if rank != "" && rank != "newest" && rank != "relevance" {
		fe.Add("rank", "one_of", map[string]any{"values": "newest, relevance"})
	}
	if f.Sort != "" && f.Sort != "updated" {
		fe.Add("sort", "not_with_search", nil)
	}
	if f.Limit == 0 {
		f.Limit = 25
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 100, "limit", "out_of_range", map[string]any{"min": 1, "max": 100})
	cur, ok := decodeSearchCursor(f.Cursor)
	fe.Check(ok, "cursor", "invalid", nil)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	page := &SearchPage{Items: []Hit{}}
	if cur.Offset == 0 && cur.Key == 0 {
		if page.Total, page.TotalMore, err = s.countMatches(ctx, a, q, f); err != nil {
			return nil, err
		}
	}
	var hits []rawHit
	if rank == "relevance" {
		hits, page.Next, err = s.ranked(ctx, a, q, f, cur)
	} else {
		hits, page.Next, err = s.newest(ctx, a, q, f, cur)
	}
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ticketID
	}
	tickets, err := loadByIDs(ctx, s.db.Read(), ids)
	if err != nil {
		return nil, err
	}
	bodies, err := s.bodies(ctx, hits)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Ticket, len(tickets))
	for _, t := range tickets {
		byID[t.ID] = t
	}
	for _, h := range hits {
		t := byID[h.ticketID]
		if t == nil {
			continue
		}
		text := bodies[h.messageID]
		if snippetHasNoMark(text, q) {
			text = t.Subject // the subject matched, carried by the first message
		}
		page.Items = append(page.Items, Hit{Ticket: t, Match: Match{MessageID: h.messageID, Snippet: search.Snippet(text, q, 120)}})
	}
	return page, nil
}

func snippetHasNoMark(text string, q search.Query) bool {
	return !strings.Contains(search.Snippet(text, q, 1<<20), "<mark>")
}

type rawHit struct {
	ticketID, messageID int64
	score               float64
}

type searchCursor struct {
	Key    int64   `json:"k,omitempty"` // newest mode: continue below this message id
	Offset int     `json:"o,omitempty"` // relevance mode: skip this many tickets
	Seen   []int64 `json:"s,omitempty"` // tickets already shown
}

func decodeSearchCursor(c string) (searchCursor, bool) {
	var cur searchCursor
	if c == "" {
		return cur, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || json.Unmarshal(raw, &cur) != nil || cur.Key < 0 || cur.Offset < 0 || len(cur.Seen) > seenLimit {
		return searchCursor{}, false
	}
	return cur, true
}

func (c searchCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// query is SQL text with its arguments; arg adds an argument and returns its placeholder.
type query struct {
	sql  string
	args []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// matchQuery is the SELECT of matching (ticket, message) pairs, newest first, with the
// actor's visibility and the filter applied.
func (s *Service) matchQuery(a auth.Actor, q search.Query, f Filter, scored bool, below int64) *query {
	b := &query{}
	arg := b.arg
	m := search.MatchSQL(s.db.Dialect(), search.Messages, "m", q, arg)
	where := append([]string{m.Where}, conditions(a, f, arg)...)
	if a.Kind == auth.ActorCustomer {
		where = append(where, "m.kind = 'reply'")
	}
	if below > 0 {
		where = append(where, m.Key+" < "+arg(below))
	}
	cols := "m.ticket_id, " + m.Key
	if scored {
		cols += ", " + m.Score
	}
	b.sql = "SELECT " + cols + " FROM messages m" + m.From + " JOIN tickets t ON t.id = m.ticket_id WHERE " +
		strings.Join(where, " AND ") + " ORDER BY " + m.Key + " DESC"
	return b
}

func (s *Service) newest(ctx context.Context, a auth.Actor, q search.Query, f Filter, cur searchCursor) ([]rawHit, string, error) {
	seen := make(map[int64]bool, len(cur.Seen))
	for _, id := range cur.Seen {
		seen[id] = true
	}
	var hits []rawHit
	below, scanned := cur.Key, 0
	batch := max(4*f.Limit, 100)
	exhausted := false
	for len(hits) < f.Limit && scanned < scanLimit {
		mq := s.matchQuery(a, q, f, false, below)
		lim := mq.arg(batch)
		rows, err := s.db.Read().QueryContext(ctx, mq.sql+" LIMIT "+lim, mq.args...)
		if err != nil {
			return nil, "", fmt.Errorf("search: %w", err)
		}
		n := 0
		for rows.Next() {
			var h rawHit
			if err := rows.Scan(&h.ticketID, &h.messageID); err != nil {
				rows.Close()
				return nil, "", err
			}
			n++
			below = h.messageID
			if seen[h.ticketID] {
				continue
			}
			seen[h.ticketID] = true
			cur.Seen = append(cur.Seen, h.ticketID)
			hits = append(hits, h)
			if len(hits) == f.Limit {
				break
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, "", err
		}
		scanned += n
		if n < batch && len(hits) < f.Limit {
			exhausted = true
			break
		}
	}
	next := ""
	if !exhausted && len(cur.Seen) < seenLimit {
		next = searchCursor{Key: below, Seen: cur.Seen}.encode()
	}
	return hits, next, nil
}

// ranked scores the newest RankWindow matches (bm25 on SQLite, ts_rank on PostgreSQL) and
// returns a page of tickets by their best-scoring message.
func (s *Service) ranked(ctx context.Context, a auth.Actor, q search.Query, f Filter, cur searchCursor) ([]rawHit, string, error) {
	mq := s.matchQuery(a, q, f, true, 0)
	lim := mq.arg(RankWindow)
	rows, err := s.db.Read().QueryContext(ctx, mq.sql+" LIMIT "+lim, mq.args...)
	if err != nil {
		return nil, "", fmt.Errorf("ranked search: %w", err)
	}
	defer rows.Close()
	best := map[int64]rawHit{}
	for rows.Next() {
		var h rawHit
		if err := rows.Scan(&h.ticketID, &h.messageID, &h.score); err != nil {
			return nil, "", err
		}
		if b, ok := best[h.ticketID]; !ok || h.score > b.score {
			best[h.ticketID] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	all := make([]rawHit, 0, len(best))
	for _, h := range best {
		all = append(all, h)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].messageID > all[j].messageID
	})
	if cur.Offset >= len(all) {
		return nil, "", nil
	}
	end := min(cur.Offset+f.Limit, len(all))
	next := ""
	if end < len(all) {
		next = searchCursor{Offset: end}.encode()
	}
	return all[cur.Offset:end], next, nil
}

// countMatches counts matching tickets among the first CountLimit matching messages.
func (s *Service) countMatches(ctx context.Context, a auth.Actor, q search.Query, f Filter) (int, bool, error) {
	mq := s.matchQuery(a, q, f, false, 0)
	lim := mq.arg(CountLimit + 1)
	var messages, tickets int
	err := s.db.Read().QueryRowContext(ctx, "SELECT count(*), count(DISTINCT x.ticket_id) FROM ("+mq.sql+" LIMIT "+lim+") x", mq.args...).
		Scan(&messages, &tickets)
	if err != nil {
		return 0, false, fmt.Errorf("count matches: %w", err)
	}
	if messages > CountLimit {
		return CountLimit, true, nil
	}
	return tickets, false, nil
}

func (s *Service) bodies(ctx context.Context, hits []rawHit) (map[int64]string, error) {
	out := make(map[int64]string, len(hits))
	if len(hits) == 0 {
		return out, nil
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.messageID
	}
	in, args := storage.InList(ids)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, body_text FROM messages WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		out[id] = body
	}
	return out, rows.Err()
}
