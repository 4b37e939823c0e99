package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// Search targets (issue: search at a million tickets), on SQLite; PostgreSQL's are
// postgresSearchFactor times these.
const (
	searchTargetMS       = 20
	relevanceTargetMS    = 300
	postgresSearchFactor = 2
)

// searchCase is one query class: the words, an optional filter, and whether it searches
// customers instead of tickets.
type searchCase struct {
	name      string
	q         string
	status    string // filter, "" = none
	customers bool
	relevance bool
}

func searchCases() []searchCase {
	return []searchCase{
		{name: "2-char Chinese word", q: "退款"},
		{name: "4-char Chinese word", q: "上门维修"},
		{name: "English word", q: "refund"},
		{name: "two-word AND", q: "订单 发货"},
		{name: "phrase", q: `"order delayed"`},
		{name: "no match", q: "量子纠缠"},
		{name: "search + filter", q: "退款", status: "closed"},
		{name: "phone suffix (customers)", q: "5678", customers: true},
		{name: "relevance mode", q: "退款 到账", relevance: true},
	}
}

// bareSearch runs the SQL a ticket search runs for its first page: one window of the 2,001
// newest matches for the count and the page (and a scored window of 2,000 for relevance),
// folded into at most 25 tickets.
func bareSearch(ctx context.Context, db *sql.DB, d storage.Dialect, a auth.Actor, sc searchCase) ([]int64, error) {
	q, err := search.Parse(sc.q)
	if err != nil {
		return nil, err
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if sc.customers {
		q.Terms[len(q.Terms)-1].Prefix = true
		m := search.MatchSQL(d, search.Customers, "c", q, arg)
		rows, err := db.QueryContext(ctx, "SELECT c.id FROM customers c"+m.From+" WHERE "+m.Where+" ORDER BY "+m.Key+" DESC LIMIT "+arg(26), args...)
		if err != nil {
			return nil, err
		}
		return scanIDs(rows, 25)
	}
	// ticket.matchQuery, unscoped: a window of the newest matches from the index, each marked
	// ok where the actor may open its ticket and the filter keeps it.
	window := func(span search.Span, limit int, scored bool) (string, []any) {
		args = nil
		w := search.Newest(d, q, span, limit, scored, arg)
		var conds []string
		if v := visibility(a, arg); v != "" {
			conds = append(conds, v)
		}
		if sc.status != "" {
			conds = append(conds, "t.status = "+arg(sc.status))
		}
		ok, join := "1", ""
		if len(conds) > 0 {
			ok = "CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END"
			join = " JOIN tickets t ON t.id = x.ticket_id"
		}
		cols := "x.ticket_id AS ticket_id, x.id AS id, " + ok + " AS ok"
		if scored {
			cols += ", x.score AS score"
		}
		return "SELECT " + cols + " FROM (" + w + ") x" + join + " ORDER BY x.id DESC", args
	}
	// Search's first page: one window of 2,001 matches serves the count and the page; relevance
	// then reads one scored window of 2,000. A window is read span by span (search.Walk).
	read := func(limit int, scored bool) ([]int64, error) {
		seen := map[int64]bool{}
		var out []int64
		err := search.Walk(ctx, db, d, 0, limit, func(span search.Span, need int) (int, error) {
			q, qargs := window(span, need, scored)
			rows, err := db.QueryContext(ctx, q, storage.PlanEachTime(d, qargs)...)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var tid, key, ok int64
				dst := []any{&tid, &key, &ok}
				var score float64
				if scored {
					dst = append(dst, &score)
				}
				if err := rows.Scan(dst...); err != nil {
					return n, err
				}
				n++
				if ok == 1 && !seen[tid] && len(out) < 25 {
					seen[tid] = true
					out = append(out, tid)
				}
			}
			return n, rows.Err()
		})
		return out, err
	}
	out, err := read(2001, false)
	if err != nil || !sc.relevance {
		return out, err
	}
	return read(2000, true)
}

func scanIDs(rows *sql.Rows, limit int) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if len(out) < limit {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

func (sc searchCase) path() string {
	if sc.customers {
		return "/api/v1/customers?q=" + url.QueryEscape(sc.q)
	}
	p := "/api/v1/tickets?q=" + url.QueryEscape(sc.q)
	if sc.status != "" {
		p += "&status=" + sc.status
	}
	if sc.relevance {
		p += "&rank=relevance"
	}
	return p
}

// BenchmarkSearch: each query class through the API as the agent (results limited to what
// the agent may open), against the same SQL run directly. The newest-first API page must
// hold the same tickets as the bare query's.
func BenchmarkSearch(b *testing.B) {
	h := benchHarness(b)
	s := loadSettings()
	ctx := context.Background()
	for _, c := range []caller{h.agent, h.admin} {
		for _, sc := range searchCases() {
			b.Run(c.name+"/"+sc.name, func(b *testing.B) {
				body, err := h.get(c, sc.path())
				if err != nil {
					b.Fatal(err)
				}
				bare, err := bareSearch(ctx, h.db, h.dialect, c.actor, sc)
				if err != nil {
					b.Fatal(err)
				}
				if !sc.relevance {
					api, err := ids(body)
					if err != nil {
						b.Fatal(err)
					}
					if fmt.Sprint(api) != fmt.Sprint(bare) {
						b.Fatalf("%s: API page %v, bare page %v", sc.name, api, bare)
					}
				}
				m, err := timePair(s.requests, s.warmup,
					func(int) error { _, err := h.get(c, sc.path()); return err },
					func(int) error { _, err := bareSearch(ctx, h.db, h.dialect, c.actor, sc); return err })
				if err != nil {
					b.Fatal(err)
				}
				report(b, m)
				b.ReportMetric(float64(len(bare)), "rows")
				target := float64(searchTargetMS)
				if sc.relevance {
					target = relevanceTargetMS
				}
				if h.dialect == storage.Postgres {
					target *= postgresSearchFactor
				}
				record(result{engine: engineName(h.dialect), name: "search " + sc.name + " (" + c.name + ")", api: m.api, bare: m.bare, target: target})
			})
		}
	}
}
