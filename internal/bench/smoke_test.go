package bench

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// TestBenchHarnessSmoke runs every benchmark case for a few requests on a small database
// made with the domain services, on each engine the tests have: the answers must be
// 200/201, and the bare queries must find the same tickets and messages as the API and
// the bare create must write what the service writes.
func TestBenchHarnessSmoke(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			smoke(t, d)
		})
	}
}

func smoke(t *testing.T, d storage.Dialect) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := testutil.DSN(t, d)
	if d == storage.SQLite {
		dsn = dir + "/kefu.db"
	}
	h, err := openHarness(ctx, dsn, dir, "normal")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	if err := seed(ctx, h.app.DB, dir, 150, 8); err != nil {
		t.Fatal(err)
	}
	if err := h.prepare(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("picks %+v; agent teams %v", h.picks, h.agent.actor.Teams)
	const n, warm = 20, 2
	for _, c := range []caller{h.agent, h.admin} {
		for _, lc := range h.listCases() {
			m, err := h.measureList(ctx, c, lc, n, warm)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, lc.name, err)
			}
			if m.api.n != n || m.bare.n != n {
				t.Errorf("%s %s: measured %d and %d requests, want %d", c.name, lc.name, m.api.n, m.bare.n, n)
			}
			t.Logf("%s %s: %d rows", c.name, lc.name, m.rows)
			if c.name == "admin" && m.rows == 0 {
				t.Errorf("%s: empty first page; the seed should fill every list", lc.name)
			}
		}
	}
	numbers, err := h.visibleNumbers(ctx, h.agent.actor, n+warm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.measureGet(ctx, h.agent, numbers, n, warm); err != nil {
		t.Fatal(err)
	}
	if _, err := h.measureMessages(ctx, h.agent, numbers, n, warm); err != nil {
		t.Fatal(err)
	}
	if _, err := h.measureMe(ctx, h.agent, n, warm); err != nil {
		t.Fatal(err)
	}
	r, err := h.measureCreate(ctx, h.agent, h.picks.team, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.apiNumbers) != 12 || len(r.bareNumbers) != 12 {
		t.Fatalf("created %d through the API and %d bare, want 12 each", len(r.apiNumbers), len(r.bareNumbers))
	}
	api, err := shapeOf(ctx, h, r.apiNumbers[0])
	if err != nil {
		t.Fatal(err)
	}
	bare, err := shapeOf(ctx, h, r.bareNumbers[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("create shape %+v", api)
	if api != bare {
		t.Errorf("the bare create writes differently from the service:\nAPI  %+v\nbare %+v", api, bare)
	}
	if api.Messages != 1 || api.Identities != 1 || api.MessageIndexed != 1 || api.CustomerIndexed != 1 || api.TicketEvents < 2 || api.CustomerEvents < 2 {
		t.Errorf("unexpected create result %+v", api)
	}
}
