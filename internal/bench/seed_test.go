package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// seed fills an empty, migrated database with n tickets through the domain services (not
// the API), spread over the past on a fake clock: teams, agents, customers who come back,
// tags, assignees, owners, replies and status changes. It is small-data stand-in for
// `kefu gen`, for the smoke test and for development.
func seed(ctx context.Context, db *storage.DB, dataDir string, n, workers int) error {
	var tick atomic.Int64
	const step = 7 * time.Second
	start := time.Now().Add(-time.Duration(8*n+100) * step)
	clock := func() time.Time {
		t := start.Add(time.Duration(tick.Add(1)) * step)
		if now := time.Now(); t.After(now) {
			return now
		}
		return t
	}
	users := user.NewService(db, clock)
	customers := customer.NewService(db, clock)
	var blobs blob.Store = blob.Files{Dir: filepath.Join(dataDir, "attachments")}
	if db.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs, Now: clock})
	sys := auth.System()
	// Service levels on the 7×24 calendar, so the due views have tickets overdue and due soon.
	levels := sla.NewService(db, clock)
	tickets.OnChange(levels.OnTicketChange)
	if _, err := levels.CreatePolicy(ctx, sys, sla.PolicyInput{Name: "默认", CalendarID: 2, FirstResponseMinutes: 60,
		ResolutionMinutes: 240, WarnPercent: 50}); err != nil {
		return err
	}

	team := func(name, kind string) (int64, error) {
		t, err := users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
		if err != nil {
			return 0, err
		}
		return t.ID, nil
	}
	var teams []int64
	for _, name := range []string{"售前组", "售后一组", "售后二组", "投诉组"} {
		id, err := team(name, user.KindTeam)
		if err != nil {
			return err
		}
		teams = append(teams, id)
	}
	for _, name := range []string{"技术部", "物流部"} {
		if _, err := team(name, user.KindDepartment); err != nil {
			return err
		}
	}
	members := map[int64][]auth.Actor{}
	for i, tm := range teams {
		for j := range 4 {
			u, err := users.Create(ctx, sys, user.CreateInput{
				Email: fmt.Sprintf("seed-agent-%d-%d@kefu.invalid", i, j), Name: fmt.Sprintf("客服%d-%d", i, j),
				Role: auth.RoleAgent, Teams: []int64{tm},
			})
			if err != nil {
				return err
			}
			members[tm] = append(members[tm], u.Actor())
		}
	}
	admin, err := users.Create(ctx, sys, user.CreateInput{Email: "seed-admin@kefu.invalid", Name: "主管", Role: auth.RoleAdmin})
	if err != nil {
		return err
	}
	adminActor := admin.Actor()

	types := []string{"consultation", "consultation", "presale", "order", "aftersale", "aftersale", "complaint", "suggestion", "praise"}
	priorities := []string{"low", "normal", "normal", "normal", "high", "urgent"}
	tagSets := [][]string{nil, nil, {"退款"}, {"物流"}, {"发票"}, {"退款", "物流"}, {"质量"}, nil}
	customersN := max(3, n/3)

	one := func(r *rand.Rand, i int) error {
		var tm int64
		creator := adminActor
		if r.IntN(10) > 0 {
			tm = teams[r.IntN(len(teams))]
			creator = members[tm][r.IntN(len(members[tm]))]
		}
		cust := r.IntN(customersN)
		if r.IntN(5) == 0 {
			cust = r.IntN(min(20, customersN)) // a few customers come back often
		}
		in := ticket.CreateInput{
			Subject:  "订单 " + strconv.Itoa(i) + " 的问题",
			Type:     types[r.IntN(len(types))],
			Priority: priorities[r.IntN(len(priorities))],
			Channel:  ticket.Channels[r.IntN(len(ticket.Channels))],
			Customer: ticket.CustomerRef{Email: fmt.Sprintf("seed-customer-%d@example.com", cust)},
			TeamID:   tm,
			Tags:     tagSets[r.IntN(len(tagSets))],
			Message:  &ticket.MessageInput{Body: "你好，我的订单 " + strconv.Itoa(i) + " 有点问题，请帮忙看一下。"},
		}
		if tm != 0 && r.IntN(10) < 7 {
			in.AssigneeID = members[tm][r.IntN(len(members[tm]))].ID
		}
		t, err := tickets.Create(ctx, creator, in)
		if err != nil {
			return fmt.Errorf("create ticket %d: %w", i, err)
		}
		replier := adminActor
		if tm != 0 {
			replier = members[tm][r.IntN(len(members[tm]))]
		}
		for k := range r.IntN(4) {
			author := "customer"
			if k%2 == 0 {
				author = "agent"
			}
			if _, err := tickets.AddMessage(ctx, replier, t.Number, ticket.MessageInput{Author: author, Body: "回复 " + strconv.Itoa(k)}); err != nil {
				return fmt.Errorf("reply to #%d: %w", t.Number, err)
			}
		}
		if r.IntN(2) == 0 {
			st := []string{"open", "pending_customer", "resolved", "closed"}[r.IntN(4)]
			if _, err := tickets.Update(ctx, replier, t.Number, ticket.Patch{Status: &st}); err != nil {
				return fmt.Errorf("status of #%d: %w", t.Number, err)
			}
		}
		return nil
	}

	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w)+1, 99))
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if err := one(r, i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// The clocks stay; the policy retires, so that tickets created by the benchmarks (API and
	// bare) do the same work as before service levels existed.
	return db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sla_policies SET active = $1`, false)
		return err
	})
}

// TestBenchSeed makes a development database with the domain services when
// KEFU_BENCH_SEED_DB names a new SQLite file or an empty PostgreSQL schema, with
// KEFU_BENCH_SEED_TICKETS tickets (default 50,000). The real data set comes from `kefu gen`.
func TestBenchSeed(t *testing.T) {
	dsn := os.Getenv("KEFU_BENCH_SEED_DB")
	if dsn == "" {
		t.Skip("KEFU_BENCH_SEED_DB is not set")
	}
	n := envInt("KEFU_BENCH_SEED_TICKETS", 50000)
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn, storage.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := seed(ctx, db, filepath.Dir(dsn), n, 16); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d tickets in %s", n, time.Since(start).Round(time.Millisecond))
}
