package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Targets from the product's performance goals.
const (
	listTargetMS    = 10
	readTargetMS    = 5
	createTargetTPS = 1000
)

// listCase is one filtered first page: the query string the API gets, and the same filter
// in the form the bare query binds.
type listCase struct {
	name  string
	query string
	f     filter
}

func (h *harness) listCases() []listCase {
	p := h.picks
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	return []listCase{
		{"no filter", "", filter{}},
		{"status=open", escape("status", "open"), filter{statuses: []string{"open"}}},
		{"assignee=" + id(p.assignee), escape("assignee", id(p.assignee)), filter{assignee: p.assignee}},
		{"team=" + id(p.team) + "&status=new", escape("team", id(p.team), "status", "new"), filter{team: p.team, statuses: []string{"new"}}},
		{"customer=" + id(p.customer), escape("customer", id(p.customer)), filter{customer: p.customer}},
		{"tag=" + p.tag, escape("tag", p.tag), filter{tag: p.tag}},
		{"type=complaint", escape("type", "complaint"), filter{typ: "complaint"}},
		{"priority=urgent&sort=priority", escape("priority", "urgent", "sort", "priority"), filter{priority: 4, sort: "priority"}},
		{"created_after=" + p.createdAfter, escape("created_after", p.createdAfter), filter{createdAfter: p.createdMS}},
		{"owner=" + id(p.owner), escape("owner", id(p.owner)), filter{owner: p.owner}},
		{"channel=phone", escape("channel", "phone"), filter{channel: "phone"}},
		{"sla=overdue&sort=due", escape("sla", "overdue", "sort", "due"), filter{sla: "overdue", sort: "due"}},
		{"sla=due_soon", escape("sla", "due_soon"), filter{sla: "due_soon"}},
		{"team=" + id(p.team) + "&sort=due", escape("team", id(p.team), "sort", "due"), filter{team: p.team, sort: "due"}},
	}
}

// caseBudget bounds the time one read case may take: a case slower than its target by far
// stops early (after at least minSamples pairs) instead of holding the run for an hour. The
// table shows how many requests each figure rests on.
var caseBudget = time.Duration(envInt("KEFU_BENCH_CASE_SECONDS", 90)) * time.Second

const minSamples = 50

// timePair runs api and bare warm times each unmeasured, then up to n times each measured,
// alternating, so that both see the same state of the machine and of the caches.
func timePair(n, warm int, api, bare func(i int) error) (measured, error) {
	start := time.Now()
	for i := range warm {
		if err := api(i); err != nil {
			return measured{}, err
		}
		if err := bare(i); err != nil {
			return measured{}, err
		}
		if time.Since(start) > caseBudget/4 {
			break
		}
	}
	start = time.Now()
	da := make([]time.Duration, 0, n)
	db := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if err := api(warm + i); err != nil {
			return measured{}, err
		}
		t1 := time.Now()
		if err := bare(warm + i); err != nil {
			return measured{}, err
		}
		da, db = append(da, t1.Sub(t0)), append(db, time.Since(t1))
		if i+1 >= minSamples && time.Since(start) > caseBudget {
			break
		}
	}
	return measured{api: summarize(da), bare: summarize(db)}, nil
}

// get sends GET path as c and fails unless the answer is 200.
func (h *harness) get(c caller, path string) ([]byte, error) {
	status, body, err := h.do(c, "GET", path, nil)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("GET %s: status %d: %.300s", path, status, body)
	}
	return body, nil
}

// measured is one case's API and bare latencies.
type measured struct {
	api, bare stats
	rows      int // rows on the page (lists)
}

// measureList checks that the API and the bare queries return the same page, then times
// each of them.
func (h *harness) measureList(ctx context.Context, c caller, lc listCase, n, warm int) (measured, error) {
	path := "/api/v1/tickets"
	if lc.query != "" {
		path += "?" + lc.query
	}
	body, err := h.get(c, path)
	if err != nil {
		return measured{}, err
	}
	apiIDs, err := ids(body)
	if err != nil {
		return measured{}, err
	}
	bareIDs, err := bareList(ctx, h.db, c.actor, lc.f, 25)
	if err != nil {
		return measured{}, fmt.Errorf("bare %s: %w", lc.name, err)
	}
	if !slices.Equal(apiIDs, bareIDs) {
		return measured{}, fmt.Errorf("%s: API page %v, bare page %v", lc.name, apiIDs, bareIDs)
	}
	m, err := timePair(n, warm,
		func(int) error { _, err := h.get(c, path); return err },
		func(int) error { _, err := bareList(ctx, h.db, c.actor, lc.f, 25); return err })
	m.rows = len(apiIDs)
	return m, err
}

// measureGet times GET /api/v1/tickets/{n} over the numbers, after checking that the API and
// the bare queries find the same tickets.
func (h *harness) measureGet(ctx context.Context, c caller, numbers []int64, n, warm int) (measured, error) {
	for _, num := range numbers[:min(20, len(numbers))] {
		body, err := h.get(c, "/api/v1/tickets/"+strconv.FormatInt(num, 10))
		if err != nil {
			return measured{}, err
		}
		var t struct{ ID, Number int64 }
		if err := json.Unmarshal(body, &t); err != nil {
			return measured{}, err
		}
		id, err := bareGet(ctx, h.db, num)
		if err != nil {
			return measured{}, err
		}
		if t.ID != id || t.Number != num {
			return measured{}, fmt.Errorf("ticket #%d: API id %d number %d, bare id %d", num, t.ID, t.Number, id)
		}
	}
	at := func(i int) int64 { return numbers[i%len(numbers)] }
	return timePair(n, warm,
		func(i int) error { _, err := h.get(c, "/api/v1/tickets/"+strconv.FormatInt(at(i), 10)); return err },
		func(i int) error { _, err := bareGet(ctx, h.db, at(i)); return err })
}

// measureMessages times GET /api/v1/tickets/{n}/messages?limit=50 over the numbers, after
// checking that the API and the bare queries return the same messages.
func (h *harness) measureMessages(ctx context.Context, c caller, numbers []int64, n, warm int) (measured, error) {
	path := func(num int64) string { return "/api/v1/tickets/" + strconv.FormatInt(num, 10) + "/messages?limit=50" }
	for _, num := range numbers[:min(20, len(numbers))] {
		body, err := h.get(c, path(num))
		if err != nil {
			return measured{}, err
		}
		apiIDs, err := ids(body)
		if err != nil {
			return measured{}, err
		}
		bareIDs, err := bareMessages(ctx, h.db, num, 50)
		if err != nil {
			return measured{}, err
		}
		if !slices.Equal(apiIDs, bareIDs) {
			return measured{}, fmt.Errorf("messages of #%d: API %v, bare %v", num, apiIDs, bareIDs)
		}
	}
	at := func(i int) int64 { return numbers[i%len(numbers)] }
	return timePair(n, warm,
		func(i int) error { _, err := h.get(c, path(at(i))); return err },
		func(i int) error { _, err := bareMessages(ctx, h.db, at(i), 50); return err })
}

// measureMe times GET /api/v1/me: authentication and one user read, the fixed cost of every
// API request.
func (h *harness) measureMe(ctx context.Context, c caller, n, warm int) (measured, error) {
	hash := auth.HashToken(c.token)
	if err := bareMe(ctx, h.db, hash); err != nil {
		return measured{}, err
	}
	return timePair(n, warm,
		func(int) error { _, err := h.get(c, "/api/v1/me"); return err },
		func(int) error { return bareMe(ctx, h.db, hash) })
}

// createResult is the create case: the API under concurrent clients and the bare
// transaction on one connection.
type createResult struct {
	api            stats
	apiTPS         float64
	bare1          stats // one ticket per transaction, per transaction
	bare1TPS       float64
	bare8TPS       float64
	apiNumbers     []int64
	bareNumbers    []int64
	clients, total int
	// apiCPU is the process's CPU time (user + system, server and clients together) per
	// ticket during the API phase: unlike tickets/s it barely moves when other programs
	// share the machine, so it compares two builds on a busy machine.
	apiCPU float64 // milliseconds
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// createBody is the API request for one new ticket of a new customer.
func createBody(t newTicket, team int64) []byte {
	b, _ := json.Marshal(map[string]any{
		"subject": t.subject, "channel": t.channel, "team_id": team,
		"customer": map[string]any{"email": t.email, "name": t.name},
		"message":  map[string]any{"body": t.body},
	})
	return b
}

func newTicketN(run string, i int) newTicket {
	return newTicket{
		email:   fmt.Sprintf("bench-%s-%d@example.com", run, i),
		name:    fmt.Sprintf("压测客户 %s-%d", run, i),
		subject: "冰箱不制冷，申请上门维修",
		body:    "你好，我上个月买的冰箱这两天突然不制冷了，冷藏室温度很高，麻烦尽快安排师傅上门看看。订单号 " + strconv.Itoa(100000+i),
		channel: "email",
	}
}

// measureCreate posts clients×perClient new tickets (each with a new customer) from clients
// goroutines, after a short warm-up; then writes as many tickets with the bare transaction
// on one connection, one per transaction and eight per transaction.
func (h *harness) measureCreate(ctx context.Context, c caller, team int64, clients, perClient int) (createResult, error) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	res := createResult{clients: clients, total: clients * perClient}
	post := func(t newTicket) (int64, error) {
		status, body, err := h.do(c, "POST", "/api/v1/tickets", createBody(t, team))
		if err != nil {
			return 0, err
		}
		if status != 201 {
			return 0, fmt.Errorf("POST /api/v1/tickets: status %d: %.300s", status, body)
		}
		var tk struct{ Number int64 }
		return tk.Number, json.Unmarshal(body, &tk)
	}
	phase := func(name string, per int, lat [][]time.Duration) ([]int64, time.Duration, error) {
		var wg sync.WaitGroup
		errs := make([]error, clients)
		nums := make([][]int64, clients)
		start := time.Now()
		for g := range clients {
			wg.Go(func() {
				for i := range per {
					t0 := time.Now()
					num, err := post(newTicketN(fmt.Sprintf("%s%s-%d", run, name, g), i))
					if err != nil {
						errs[g] = err
						return
					}
					if lat != nil {
						lat[g] = append(lat[g], time.Since(t0))
					}
					nums[g] = append(nums[g], num)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		for _, err := range errs {
			if err != nil {
				return nil, 0, err
			}
		}
		return slices.Concat(nums...), elapsed, nil
	}
	if _, _, err := phase("w", max(1, min(10, perClient)), nil); err != nil {
		return res, err
	}
	lat := make([][]time.Duration, clients)
	stopProfile, err := startProfile(os.Getenv("KEFU_BENCH_CREATE_PROFILE"))
	if err != nil {
		return res, err
	}
	cpu0 := processCPU()
	nums, elapsed, err := phase("a", perClient, lat)
	stopProfile()
	if err != nil {
		return res, err
	}
	res.apiCPU = float64((processCPU() - cpu0).Microseconds()) / 1000 / float64(len(nums))
	res.api = summarize(slices.Concat(lat...))
	res.apiTPS = float64(len(nums)) / elapsed.Seconds()
	res.apiNumbers = nums

	db, err := openBareWriter(h.dialect, h.dsn, h.sqliteSync())
	if err != nil {
		return res, err
	}
	defer db.Close()
	actor := c.actor
	batch := func(name string, per, count int) ([]time.Duration, []int64, time.Duration, error) {
		var d []time.Duration
		var nums []int64
		start := time.Now()
		for i := 0; i < count; i += per {
			t0 := time.Now()
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return nil, nil, 0, err
			}
			now := time.Now()
			for j := i; j < min(i+per, count); j++ {
				num, err := bareCreate(tx, h.dialect, actor, team, newTicketN(run+name, j), now)
				if err != nil {
					tx.Rollback()
					return nil, nil, 0, fmt.Errorf("bare create: %w", err)
				}
				nums = append(nums, num)
			}
			if err := tx.Commit(); err != nil {
				return nil, nil, 0, err
			}
			d = append(d, time.Since(t0))
		}
		return d, nums, time.Since(start), nil
	}
	if _, _, _, err := batch("bw", 1, max(1, min(20, res.total))); err != nil {
		return res, err
	}
	d1, bareNums, el1, err := batch("b1", 1, res.total)
	if err != nil {
		return res, err
	}
	res.bare1 = summarize(d1)
	res.bare1TPS = float64(res.total) / el1.Seconds()
	res.bareNumbers = bareNums
	_, _, el8, err := batch("b8", 8, res.total)
	if err != nil {
		return res, err
	}
	res.bare8TPS = float64(res.total) / el8.Seconds()
	return res, nil
}

// ticketShape is what a create leaves behind for one ticket, to compare the API's writes
// with the bare transaction's.
type ticketShape struct {
	Status, Channel, Preview          string
	Priority, MessageCount, Version   int64
	TeamSet, AssigneeSet, OwnerSet    bool
	TicketEvents, CustomerEvents      int64
	Messages, Identities, CustomerTix int64
	MessageIndexed, CustomerIndexed   int64
	TicketActions                     string
}

func shapeOf(ctx context.Context, h *harness, number int64) (ticketShape, error) {
	var s ticketShape
	var id, customer int64
	err := h.db.QueryRowContext(ctx, `SELECT id, customer_id, status, channel, preview, priority, message_count, version,
		team_id IS NOT NULL, assignee_id IS NOT NULL, owner_id IS NOT NULL FROM tickets WHERE number = $1`, number).
		Scan(&id, &customer, &s.Status, &s.Channel, &s.Preview, &s.Priority, &s.MessageCount, &s.Version, &s.TeamSet, &s.AssigneeSet, &s.OwnerSet)
	if err != nil {
		return s, err
	}
	one := func(dst *int64, q string, args ...any) {
		if err == nil {
			err = h.db.QueryRowContext(ctx, q, args...).Scan(dst)
		}
	}
	one(&s.TicketEvents, `SELECT count(*) FROM events WHERE subject_kind = 'ticket' AND subject_id = $1`, id)
	one(&s.CustomerEvents, `SELECT count(*) FROM events WHERE subject_kind = 'customer' AND subject_id = $1`, customer)
	one(&s.Messages, `SELECT count(*) FROM messages WHERE ticket_id = $1`, id)
	one(&s.Identities, `SELECT count(*) FROM customer_identities WHERE customer_id = $1`, customer)
	one(&s.CustomerTix, `SELECT count(*) FROM tickets WHERE customer_id = $1`, customer)
	msgKey, custKey := "rowid", "rowid"
	if h.dialect == storage.Postgres {
		msgKey, custKey = "message_id", "customer_id"
	}
	one(&s.MessageIndexed, `SELECT count(*) FROM message_index WHERE `+msgKey+` IN (SELECT id FROM messages WHERE ticket_id = $1)`, id)
	one(&s.CustomerIndexed, `SELECT count(*) FROM customer_index WHERE `+custKey+` = $1`, customer)
	if err != nil {
		return s, err
	}
	rows, err := h.db.QueryContext(ctx, `SELECT action || ':' || field || ':' || CAST(detail AS TEXT) FROM events WHERE subject_kind = 'ticket' AND subject_id = $1 ORDER BY id`, id)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return s, err
		}
		s.TicketActions += normalizeDetail(a) + ";"
	}
	return s, rows.Err()
}

// normalizeDetail blanks the numbers in an event detail (ids and ticket numbers differ).
func normalizeDetail(s string) string {
	out := []rune{}
	prevDigit := false
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if !prevDigit {
				out = append(out, '#')
			}
			prevDigit = true
			continue
		}
		prevDigit = false
		out = append(out, r)
	}
	return string(out)
}

// engineName labels results.
func engineName(d storage.Dialect) string {
	if d == storage.Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// startProfile writes a CPU profile of what runs until stop to path (nothing when path is
// empty): KEFU_BENCH_CREATE_PROFILE profiles the API phase of the create benchmark alone,
// without the bare loops after it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
