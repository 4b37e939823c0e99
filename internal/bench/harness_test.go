package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/user"
)

// harness is a real Kefu node on a database, served on loopback, with two callers.
type harness struct {
	app     *app.App
	srv     *httptest.Server
	client  *http.Client
	dsn     string
	dialect storage.Dialect
	db      *sql.DB // the node's read pool, for the bare queries
	admin   caller
	agent   caller
	picks   picks
}

// caller is a staff member with an API token.
type caller struct {
	name  string
	token string
	actor auth.Actor
}

// picks are real values from the data for the filters.
type picks struct {
	tickets      int64  // how many tickets the database holds
	team         int64  // the team with most tickets carrying the tag; the agent belongs to it
	assignee     int64  // the busiest assignee of that team
	owner        int64  // the busiest owner of that team
	customer     int64  // the customer with the most tickets in that team
	tag          string // 退款 if the data has it, else the most used tag
	createdAfter string // a date 30 days before the newest ticket (Asia/Shanghai)
	createdMS    int64
}

// benchEmailDomain marks the staff the harness adds, so a second run reuses them.
const benchEmailDomain = "@bench.kefu.invalid"

// openHarness starts a node on dsn. dataDir holds attachment files of SQLite nodes.
func openHarness(ctx context.Context, dsn, dataDir, sync string) (*harness, error) {
	cfg := config.Defaults(dataDir)
	cfg.DB = dsn
	if sync != "" {
		cfg.SQLiteSync = sync
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	h := &harness{app: a, dsn: dsn, dialect: a.DB.Dialect(), db: a.DB.SQL()}
	h.srv = httptest.NewServer(a.Handler())
	h.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
	return h, nil
}

func (h *harness) close() {
	if h.srv != nil {
		h.srv.Close()
	}
	if h.app != nil {
		h.app.Close()
	}
}

// sqliteSync is the synchronous setting the node's writer uses.
func (h *harness) sqliteSync() string { return h.app.Config.SQLiteSync }

// prepare picks filter values from the data and makes (or reuses) the admin and agent.
func (h *harness) prepare(ctx context.Context) error {
	if err := h.pick(ctx); err != nil {
		return fmt.Errorf("pick filter values: %w", err)
	}
	var err error
	if h.admin, err = h.staff(ctx, "admin", auth.RoleAdmin, 0); err != nil {
		return err
	}
	h.agent, err = h.staff(ctx, "agent", auth.RoleAgent, h.picks.team)
	return err
}

func (h *harness) staff(ctx context.Context, name string, role auth.Role, team int64) (caller, error) {
	users := h.app.Users
	sys := auth.System()
	email := "bench-" + name + benchEmailDomain
	u, err := users.GetByEmail(ctx, email)
	if errors.Is(err, apperr.ErrNotFound) {
		in := user.CreateInput{Email: email, Name: "bench " + name, Role: role}
		if team != 0 {
			in.Teams = []int64{team}
		}
		u, err = users.Create(ctx, sys, in)
	} else if err == nil {
		// A second run on the same database: make the memberships exactly what they would
		// be on a fresh one.
		for _, t := range slices.Concat(u.Teams, u.Departments) {
			if t != team && err == nil {
				err = users.SetMember(ctx, sys, t, u.ID, false)
			}
		}
		if team != 0 && !slices.Contains(u.Teams, team) && err == nil {
			err = users.SetMember(ctx, sys, team, u.ID, true)
		}
		if err == nil {
			u, err = users.Get(ctx, u.ID)
		}
	}
	if err != nil {
		return caller{}, fmt.Errorf("bench %s: %w", name, err)
	}
	token, err := users.CreateToken(ctx, sys, u.ID, "bench")
	if err != nil {
		return caller{}, err
	}
	return caller{name: name, token: token, actor: u.Actor()}, nil
}

func (h *harness) pick(ctx context.Context) error {
	p := &h.picks
	q := func(dst any, query string, args ...any) error {
		err := h.db.QueryRowContext(ctx, query, args...).Scan(dst)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	// max(id) is cheap where count(*) is not; the generator numbers tickets densely.
	if err := q(&p.tickets, `SELECT COALESCE(max(id), 0) FROM tickets`); err != nil {
		return err
	}
	if p.tickets == 0 {
		return errors.New("the database has no tickets")
	}
	// The tag first: the agent belongs to the service team that handles most of the tickets
	// carrying it (an after-sales agent sees refunds), so that every filter finds something
	// the agent may see.
	if err := q(&p.tag, `SELECT name FROM tags WHERE name = '退款'`); err != nil {
		return err
	}
	if p.tag == "" {
		if err := q(&p.tag, `SELECT g.name FROM ticket_tags x JOIN tags g ON g.id = x.tag_id GROUP BY g.name ORDER BY count(*) DESC, g.name LIMIT 1`); err != nil {
			return err
		}
	}
	if err := q(&p.team, `SELECT t.team_id FROM tickets t JOIN teams g ON g.id = t.team_id
		WHERE g.kind = 'team' AND t.id IN (SELECT x.ticket_id FROM ticket_tags x JOIN tags tg ON tg.id = x.tag_id WHERE tg.name = $1)
		GROUP BY t.team_id ORDER BY count(*) DESC, t.team_id LIMIT 1`, p.tag); err != nil {
		return err
	}
	if p.team == 0 {
		if err := q(&p.team, `SELECT t.team_id FROM tickets t JOIN teams g ON g.id = t.team_id WHERE g.kind = 'team'
			GROUP BY t.team_id ORDER BY count(*) DESC, t.team_id LIMIT 1`); err != nil {
			return err
		}
	}
	if p.team == 0 {
		return errors.New("no ticket has a service team")
	}
	if err := q(&p.assignee, `SELECT assignee_id FROM tickets WHERE team_id = $1 AND assignee_id IS NOT NULL
		GROUP BY assignee_id ORDER BY count(*) DESC, assignee_id LIMIT 1`, p.team); err != nil {
		return err
	}
	if err := q(&p.owner, `SELECT owner_id FROM tickets WHERE team_id = $1 AND owner_id IS NOT NULL
		GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1`, p.team); err != nil {
		return err
	}
	if err := q(&p.customer, `SELECT customer_id FROM tickets WHERE team_id = $1
		GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1`, p.team); err != nil {
		return err
	}
	var newest int64
	if err := q(&newest, `SELECT max(created_at) FROM tickets`); err != nil {
		return err
	}
	day := time.UnixMilli(newest).In(shanghai).AddDate(0, 0, -30)
	p.createdAfter = day.Format("2006-01-02")
	start, _ := time.ParseInLocation("2006-01-02", p.createdAfter, shanghai)
	p.createdMS = start.UnixMilli()
	return nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// visibleNumbers returns n ticket numbers the actor may see, drawn at random (the same
// ones every run for a given database).
func (h *harness) visibleNumbers(ctx context.Context, a auth.Actor, n int) ([]int64, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	cond := visibility(a, arg)
	if cond == "" {
		cond = "1 = 1"
	}
	idArg := arg(int64(0))
	query := `SELECT t.number FROM tickets t WHERE t.id = ` + idArg + ` AND ` + cond
	r := rand.New(rand.NewPCG(42, 7))
	var out []int64
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		args[len(args)-1] = 1 + r.Int64N(h.picks.tickets)
		var num int64
		err := h.db.QueryRowContext(ctx, query, args...).Scan(&num)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, num)
	}
	if len(out) == 0 {
		return nil, errors.New("found no ticket the caller may see")
	}
	return out, nil
}

// do sends one request as c and returns the status and the body, read to the end.
func (h *harness) do(c caller, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// ids reads the "id" of each item of a list answer ({"items": [...]}).
func ids(body []byte) ([]int64, error) {
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, err
	}
	out := make([]int64, len(page.Items))
	for i, it := range page.Items {
		out[i] = it.ID
	}
	return out, nil
}

// stats summarises latencies in milliseconds.
type stats struct {
	n             int
	p50, p95, p99 float64
	mean          float64
}

func summarize(d []time.Duration) stats {
	if len(d) == 0 {
		return stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	pct := func(p float64) float64 {
		i := int(float64(len(s))*p+0.999999) - 1
		i = max(0, min(i, len(s)-1))
		return float64(s[i]) / 1e6
	}
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return stats{n: len(s), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99), mean: float64(sum) / float64(len(s)) / 1e6}
}

// settings of a run, from the environment.
type settings struct {
	requests   int // measured requests per read case
	warmup     int // unmeasured requests before them
	clients    int // concurrent creators
	perClient  int // creates per creator
	explain    bool
	agentsOnly bool
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func loadSettings() settings {
	return settings{
		requests:   envInt("KEFU_BENCH_REQUESTS", 2000),
		warmup:     envInt("KEFU_BENCH_WARMUP", 200),
		clients:    envInt("KEFU_BENCH_CLIENTS", 8),
		perClient:  envInt("KEFU_BENCH_CREATES", 250),
		explain:    os.Getenv("KEFU_BENCH_EXPLAIN") != "",
		agentsOnly: os.Getenv("KEFU_BENCH_AGENT_ONLY") != "",
	}
}

// result is one line of the summary table.
type result struct {
	engine, name      string
	api, bare         stats
	target            float64 // p95 ms, or tickets/s for create
	throughput, bare1 float64
	bare8             float64
	create            bool
}

var (
	resultsMu sync.Mutex
	results   []result
)

func record(r result) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	for i := range results {
		if results[i].engine == r.engine && results[i].name == r.name {
			results[i] = r
			return
		}
	}
	results = append(results, r)
}

// table prints the results as Markdown, one table per engine.
func table(w io.Writer) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return
	}
	engine := ""
	for _, r := range results {
		if r.create {
			continue
		}
		if r.engine != engine {
			engine = r.engine
			fmt.Fprintf(w, "\n%s\n\n| case | API p50 | API p95 | API p99 | bare p50 | bare p95 | ratio p95 | target p95 | met? | n |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n", engine)
		}
		met := "yes"
		if r.api.p95 > r.target {
			met = "**no**"
		}
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | ≤ %.0f ms | %s | %d |\n",
			r.name, r.api.p50, r.api.p95, r.api.p99, r.bare.p50, r.bare.p95, r.api.p95/r.bare.p95, r.target, met, r.api.n)
	}
	for _, r := range results {
		if !r.create {
			continue
		}
		met := "yes"
		if r.throughput < r.target {
			met = "**no**"
		}
		fmt.Fprintf(w, "\n%s %s: %.0f tickets/s through the API (target ≥ %.0f: %s), request p50 %.2f ms, p95 %.2f ms, p99 %.2f ms;"+
			" bare one ticket per transaction %.0f/s (p50 %.2f ms, p95 %.2f ms), bare 8 per transaction %.0f/s\n",
			r.engine, r.name, r.throughput, r.target, met, r.api.p50, r.api.p95, r.api.p99, r.bare1, r.bare.p50, r.bare.p95, r.bare8)
	}
	fmt.Fprintf(w, "\nload average at the end: %s\n", loadavg())
}

// explain returns the engine's plan for a query (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
// ANALYZE on PostgreSQL).
func explain(ctx context.Context, db *sql.DB, d storage.Dialect, q string, args []any) string {
	prefix := "EXPLAIN QUERY PLAN "
	if d == storage.Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := db.QueryContext(ctx, prefix+q, args...)
	if err != nil {
		return "explain: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err.Error()
		}
		if d == storage.Postgres {
			fmt.Fprintf(&b, "%v\n", vals[0])
		} else {
			fmt.Fprintf(&b, "%v %v %v\n", vals[0], vals[1], vals[3])
		}
	}
	return b.String()
}

// loadavg is the first three fields of /proc/loadavg: other work on the machine skews the
// figures, so every run prints it.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// escape makes a query string.
func escape(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
