package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// DBEnv names the database the benchmarks run on: a SQLite file or a postgres:// URL with
// search_path. The benchmarks write two staff users with tokens into it, and the create
// benchmark writes tickets: point it at a copy of the generated data set.
const DBEnv = "KEFU_BENCH_DB"

var (
	shared     *harness
	sharedErr  error
	sharedOnce sync.Once
	sharedDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		table(os.Stdout)
		shared.close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// benchHarness is the node every benchmark of this run shares; it skips when KEFU_BENCH_DB
// is not set.
func benchHarness(b *testing.B) *harness {
	b.Helper()
	dsn := os.Getenv(DBEnv)
	if dsn == "" {
		b.Skip(DBEnv + " is not set: see docs/benchmarks.md")
	}
	sharedOnce.Do(func() {
		ctx := context.Background()
		sharedDir, sharedErr = os.MkdirTemp("", "kefu-bench-")
		if sharedErr != nil {
			return
		}
		shared, sharedErr = openHarness(ctx, dsn, sharedDir, "")
		if sharedErr == nil {
			sharedErr = shared.prepare(ctx)
		}
		if sharedErr == nil {
			p := shared.picks
			fmt.Printf("load average at the start: %s\n", loadavg())
			fmt.Printf("%s: max ticket id %d; team %d, assignee %d, owner %d, customer %d, tag %q, created_after %s; agent teams %v\n",
				engineName(shared.dialect), p.tickets, p.team, p.assignee, p.owner, p.customer, p.tag, p.createdAfter, shared.agent.actor.Teams)
		}
	})
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return shared
}

func report(b *testing.B, m measured) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(m.api.p50, "p50-ms")
	b.ReportMetric(m.api.p95, "p95-ms")
	b.ReportMetric(m.api.p99, "p99-ms")
	b.ReportMetric(m.bare.p50, "bare-p50-ms")
	b.ReportMetric(m.bare.p95, "bare-p95-ms")
	b.ReportMetric(m.api.p95/m.bare.p95, "ratio-p95")
	b.ReportMetric(float64(m.api.n), "requests")
}

// BenchmarkList: the first page of each filtered ticket list, as a non-admin agent (the
// visibility clause applies) and as an admin.
func BenchmarkList(b *testing.B) {
	h := benchHarness(b)
	s := loadSettings()
	ctx := context.Background()
	callers := []caller{h.agent, h.admin}
	if s.agentsOnly {
		callers = callers[:1]
	}
	for _, c := range callers {
		for _, lc := range h.listCases() {
			b.Run(c.name+"/"+strings.ReplaceAll(lc.name, "/", "_"), func(b *testing.B) {
				if s.explain {
					tagID, _ := bareTagID(ctx, h.db, lc.f.tag)
					queries, _ := listSQL(c.actor, lc.f, tagID)
					for _, q := range queries {
						b.Logf("%s\nargs %v\n%s", q.sql, q.args, explain(ctx, h.db, h.dialect, q.sql, q.args))
					}
				}
				m, err := h.measureList(ctx, c, lc, s.requests, s.warmup)
				if err != nil {
					b.Fatal(err)
				}
				report(b, m)
				b.ReportMetric(float64(m.rows), "rows")
				record(result{engine: engineName(h.dialect), name: "list " + lc.name + " (" + c.name + ")", api: m.api, bare: m.bare, target: listTargetMS})
			})
		}
	}
}

// BenchmarkGet: one ticket (GET /api/v1/tickets/{n}) and its last 50 messages, as the
// agent, over random tickets the agent may see; and GET /api/v1/me, the cost every request
// pays before its own work (token lookup, user and memberships).
func BenchmarkGet(b *testing.B) {
	h := benchHarness(b)
	s := loadSettings()
	ctx := context.Background()
	numbers, err := h.visibleNumbers(ctx, h.agent.actor, s.requests+s.warmup)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("me", func(b *testing.B) {
		m, err := h.measureMe(ctx, h.agent, s.requests, s.warmup)
		if err != nil {
			b.Fatal(err)
		}
		report(b, m)
		record(result{engine: engineName(h.dialect), name: "GET /api/v1/me: the floor of any request (agent)", api: m.api, bare: m.bare, target: readTargetMS})
	})
	b.Run("ticket", func(b *testing.B) {
		m, err := h.measureGet(ctx, h.agent, numbers, s.requests, s.warmup)
		if err != nil {
			b.Fatal(err)
		}
		report(b, m)
		record(result{engine: engineName(h.dialect), name: "get ticket (agent)", api: m.api, bare: m.bare, target: readTargetMS})
	})
	b.Run("messages", func(b *testing.B) {
		m, err := h.measureMessages(ctx, h.agent, numbers, s.requests, s.warmup)
		if err != nil {
			b.Fatal(err)
		}
		report(b, m)
		record(result{engine: engineName(h.dialect), name: "last 50 messages (agent)", api: m.api, bare: m.bare, target: readTargetMS})
	})
}
