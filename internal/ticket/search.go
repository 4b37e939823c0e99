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

// Search limits. A search reads the newest matches through windows of the index and its work
// is bounded by them, never by how few matches the searcher may open. The count reads at most
// countWindow matching messages and stops at CountLimit tickets ("1,000+": past a thousand
// hits nobody reads the number, and an exact count of a common word at a million tickets
// costs more than the page); relevance ranks only the newest RankWindow matches; a page
// reads at most scanLimit matches before it returns what it has with a cursor to go on.
const (
	CountLimit  = 1000
	countWindow = 2000
	RankWindow  = 2000
	scanLimit   = 2000
	pageWindow  = 2000 // most matches one read of a page takes from the index (windows grow 4× from 100)
	seenLimit   = 500  // tickets a cursor remembers, so later pages do not repeat them
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
	// The first page reads one window of the newest matches for the count and starts the page
	// from the same rows: on a phrase, every read of the index evaluates it again.
	var first []rawHit
	if cur.Offset == 0 && cur.Key == 0 {
		if first, err = s.readMatches(ctx, a, q, f, 0, countWindow+1); err != nil {
			return nil, err
		}
		page.Total, page.TotalMore = countOf(first)
	}
	var hits []rawHit
	if rank == "relevance" {
		hits, page.Next, err = s.ranked(ctx, a, q, f, cur)
	} else {
		hits, page.Next, err = s.newest(ctx, a, q, f, cur, first)
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
	ok                  bool // the actor may open the ticket and the filter keeps it
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

// scoped reports whether a search is confined to one customer's tickets (a customer in the
// portal, or a filter on a customer): few messages, read from the tickets' side with one
// index probe each, however common the words are elsewhere.
func scoped(a auth.Actor, f Filter) bool { return a.Kind == auth.ActorCustomer || f.CustomerID > 0 }

// matchQuery selects matching messages newest first below the message id below, as rows of
// (ticket_id, id, ok[, score]); ok is 1 where the actor may open the ticket and the filter
// keeps it. Unscoped, it reads a window of limit matches from the index and marks each;
// scoped, it returns only rows that are ok, at most limit of them. Scoped relevance has no
// index score to read and ranks newest first.
func (s *Service) matchQuery(a auth.Actor, q search.Query, f Filter, span search.Span, limit int, scored bool) *query {
	b := &query{}
	arg := b.arg
	d := s.db.Dialect()
	conds := conditions(a, f, arg)
	if a.Kind == auth.ActorCustomer {
		conds = append(conds, "m.kind = 'reply'")
	}
	if scoped(a, f) {
		conds = append(conds, search.Contains(d, search.Messages, "m.id", q, arg))
		if span.Hi > 0 {
			conds = append(conds, "m.id < "+arg(span.Hi))
		}
		cols := "m.ticket_id AS ticket_id, m.id AS id, 1 AS ok"
		if scored {
			cols += ", 0 AS score"
		}
		b.sql = "SELECT " + cols + " FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE " +
			strings.Join(conds, " AND ") + " ORDER BY m.id DESC LIMIT " + strconv.Itoa(limit)
		return b
	}
	window := search.Newest(d, q, span, limit, scored, arg)
	ok, join := "1", ""
	if len(conds) > 0 {
		ok = "CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END"
		join = " JOIN tickets t ON t.id = x.ticket_id"
	}
	cols := "x.ticket_id AS ticket_id, x.id AS id, " + ok + " AS ok"
	if scored {
		cols += ", x.score AS score"
	}
	b.sql = "SELECT " + cols + " FROM (" + window + ") x" + join + " ORDER BY x.id DESC"
	return b
}

// readMatches reads one window of matchQuery's rows (score aside): at most limit matches
// below the message id below (all when 0), newest first.
func (s *Service) readMatches(ctx context.Context, a auth.Actor, q search.Query, f Filter, below int64, limit int) ([]rawHit, error) {
	out := make([]rawHit, 0, min(limit, 256))
	err := s.eachMatch(ctx, a, q, f, below, limit, false, func(h rawHit) { out = append(out, h) })
	return out, err
}

// eachMatch hands each of matchQuery's rows to take, newest first, reading the index span by
// span (search.Walk) until it has limit matches; scoped, in one query.
func (s *Service) eachMatch(ctx context.Context, a auth.Actor, q search.Query, f Filter, below int64, limit int, scored bool, take func(rawHit)) error {
	read := func(span search.Span, need int) (int, error) {
		mq := s.matchQuery(a, q, f, span, need, scored)
		rows, err := s.db.Read().QueryContext(ctx, mq.sql, storage.PlanEachTime(s.db.Dialect(), mq.args)...)
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var h rawHit
			dest := []any{&h.ticketID, &h.messageID, &h.ok}
			if scored {
				dest = append(dest, &h.score)
			}
			if err := rows.Scan(dest...); err != nil {
				return n, err
			}
			take(h)
			n++
		}
		return n, rows.Err()
	}
	if scoped(a, f) {
		_, err := read(search.Span{Hi: below}, limit)
		return err
	}
	return search.Walk(ctx, s.db.Read(), s.db.Dialect(), below, limit, read)
}

// countOf counts the tickets the actor may open in a first window of up to countWindow+1
// matches, up to CountLimit; more says the true number may be larger.
func countOf(window []rawHit) (int, bool) {
	tickets := map[int64]bool{}
	for _, h := range window {
		if h.ok {
			tickets[h.ticketID] = true
		}
	}
	if len(tickets) > CountLimit {
		return CountLimit, true
	}
	return len(tickets), len(window) > countWindow
}

// newest fills a page with the newest matching tickets, starting from the first window when
// the caller read it already, then reading windows that grow 4× from 100 matches.
func (s *Service) newest(ctx context.Context, a auth.Actor, q search.Query, f Filter, cur searchCursor, first []rawHit) ([]rawHit, string, error) {
	seen := make(map[int64]bool, len(cur.Seen))
	for _, id := range cur.Seen {
		seen[id] = true
	}
	var hits []rawHit
	below, scanned := cur.Key, 0
	batch := max(4*f.Limit, 100) // most pages fill from the first read
	exhausted := false
	for len(hits) < f.Limit && scanned < scanLimit {
		window := first
		if first != nil {
			batch, first = countWindow+1, nil
		} else {
			var err error
			if window, err = s.readMatches(ctx, a, q, f, below, batch); err != nil {
				return nil, "", err
			}
		}
		n := 0
		for _, h := range window {
			n++
			below = h.messageID
			if !h.ok || seen[h.ticketID] {
				continue
			}
			seen[h.ticketID] = true
			cur.Seen = append(cur.Seen, h.ticketID)
			hits = append(hits, h)
			if len(hits) == f.Limit {
				break
			}
		}
		scanned += n
		if len(window) < batch && len(hits) < f.Limit {
			exhausted = true
			break
		}
		batch = min(4*batch, pageWindow, scanLimit-scanned)
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
	best := map[int64]rawHit{}
	err := s.eachMatch(ctx, a, q, f, 0, RankWindow, true, func(h rawHit) {
		if !h.ok {
			return
		}
		if b, ok := best[h.ticketID]; !ok || h.score > b.score {
			best[h.ticketID] = h
		}
	})
	if err != nil {
		return nil, "", fmt.Errorf("ranked search: %w", err)
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
