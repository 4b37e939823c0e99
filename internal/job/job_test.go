package job

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// clock is a test clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// runsTable records every handler run that committed.
func runsTable(t *testing.T, db *storage.DB) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `CREATE TABLE job_test_runs (job_id BIGINT NOT NULL, node TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func recordRun(node string) Handler {
	return func(ctx context.Context, tx *storage.Tx, j *Job) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_test_runs (job_id, node) VALUES ($1, $2)`, j.ID, node)
		return err
	}
}

func countRuns(t *testing.T, db *storage.DB) (runs, distinct int) {
	t.Helper()
	err := db.Read().QueryRowContext(context.Background(), `SELECT count(*), count(DISTINCT job_id) FROM job_test_runs`).Scan(&runs, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return runs, distinct
}

func TestUniqueKeyDeduplicatesWaitingJobsOnly(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := newClock()
		runsTable(t, db)
		r := NewRunner(Options{DB: db, Now: clk.Now, Node: "a"})
		r.Handle("test.echo", recordRun("a"))
		spec := Spec{Kind: "test.echo", UniqueKey: "sweep", Payload: map[string]int{"n": 1}}
		for i, want := range []bool{true, false, false} {
			added, err := Enqueue(ctx, db, spec, clk.Now())
			if err != nil || added != want {
				t.Fatalf("enqueue %d: added %v, %v; want %v", i, added, err, want)
			}
		}
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("RunDue = %d, %v; want 1 job", n, err)
		}
		// Done: the key is free for the next run.
		if added, err := Enqueue(ctx, db, spec, clk.Now()); !added || err != nil {
			t.Fatalf("enqueue after done: %v, %v", added, err)
		}
		st, err := Count(ctx, db.Read())
		if err != nil || st != (Stats{Waiting: 1, Done: 1}) {
			t.Fatalf("stats %+v, %v", st, err)
		}
	})
}

func TestJobsWaitForRunAtAndKind(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := newClock()
		runsTable(t, db)
		r := NewRunner(Options{DB: db, Now: clk.Now})
		r.Handle("test.echo", recordRun("a"))
		if _, err := Enqueue(ctx, db, Spec{Kind: "test.echo", RunAt: clk.Now().Add(time.Hour)}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := Enqueue(ctx, db, Spec{Kind: "test.other"}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatalf("claimed %d jobs: one is not due, the other has no handler here", n)
		}
		clk.Add(time.Hour)
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("RunDue = %d, %v; want 1", n, err)
		}
	})
}

func TestFailedJobRollsBackAndRetriesWithBackoff(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := newClock()
		runsTable(t, db)
		r := NewRunner(Options{DB: db, Now: clk.Now})
		var calls atomic.Int32
		r.Handle("test.flaky", func(ctx context.Context, tx *storage.Tx, j *Job) error {
			if err := recordRun("a")(ctx, tx, j); err != nil {
				return err
			}
			if calls.Add(1) < 3 {
				return errors.New("upstream unavailable")
			}
			return nil
		})
		if _, err := Enqueue(ctx, db, Spec{Kind: "test.flaky", MaxAttempts: 5}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			advance time.Duration
			claimed int
			fails   bool
		}{
			{0, 1, true},
			{9 * time.Second, 0, false}, // first backoff is 10s
			{time.Second, 1, true},
			{19 * time.Second, 0, false}, // then 20s
			{time.Second, 1, false},
		}
		for i, s := range steps {
			clk.Add(s.advance)
			n, err := r.RunDue(ctx)
			if n != s.claimed || (err != nil) != s.fails {
				t.Fatalf("step %d: claimed %d, err %v; want %d, fails %v", i, n, err, s.claimed, s.fails)
			}
		}
		// The failed attempts' writes were rolled back with them.
		if runs, _ := countRuns(t, db); runs != 1 {
			t.Fatalf("%d committed runs, want 1", runs)
		}
		var attempts int
		var lastErr string
		db.Read().QueryRowContext(ctx, `SELECT attempts, last_error FROM jobs`).Scan(&attempts, &lastErr)
		if attempts != 3 || lastErr != "upstream unavailable" {
			t.Fatalf("attempts %d, last error %q", attempts, lastErr)
		}
	})
}

func TestJobGivesUpAfterMaxAttempts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := newClock()
		r := NewRunner(Options{DB: db, Now: clk.Now})
		r.Handle("test.broken", func(context.Context, *storage.Tx, *Job) error { return errors.New("always") })
		if _, err := Enqueue(ctx, db, Spec{Kind: "test.broken", MaxAttempts: 2}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if n, _ := r.RunDue(ctx); n != 1 {
				t.Fatalf("claimed %d, want 1", n)
			}
			clk.Add(time.Hour)
		}
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatalf("a failed job was claimed again")
		}
		if st, _ := Count(ctx, db.Read()); st != (Stats{Failed: 1}) {
			t.Fatalf("stats %+v, want one failed job", st)
		}
	})
}

// A runner that dies holding jobs leaves them leased; when the lease ends another runner
// takes them, and the dead runner's late finish cannot run them a second time.
func TestAbandonedClaimIsResumedOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := newClock()
		runsTable(t, db)
		dead := NewRunner(Options{DB: db, Now: clk.Now, Node: "dead", Lease: time.Minute})
		dead.Handle("test.echo", recordRun("dead"))
		fresh := NewRunner(Options{DB: db, Now: clk.Now, Node: "fresh", Lease: time.Minute})
		fresh.Handle("test.echo", recordRun("fresh"))
		for i := range 3 {
			if _, err := Enqueue(ctx, db, Spec{Kind: "test.echo", Payload: i}, clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		held, err := dead.claim(ctx)
		if err != nil || len(held) != 3 {
			t.Fatalf("claim: %d jobs, %v", len(held), err)
		}
		if n, _ := fresh.RunDue(ctx); n != 0 {
			t.Fatalf("fresh runner took %d leased jobs", n)
		}
		clk.Add(time.Minute)
		if n, err := fresh.RunDue(ctx); n != 3 || err != nil {
			t.Fatalf("after the lease: claimed %d, %v; want 3", n, err)
		}
		for _, j := range held {
			if err := dead.run(ctx, j); err != nil {
				t.Fatalf("late finish: %v", err)
			}
		}
		runs, distinct := countRuns(t, db)
		if runs != 3 || distinct != 3 {
			t.Fatalf("%d runs of %d jobs, want 3 of 3", runs, distinct)
		}
		var byDead int
		db.Read().QueryRowContext(ctx, `SELECT count(*) FROM job_test_runs WHERE node = 'dead'`).Scan(&byDead)
		if byDead != 0 {
			t.Fatalf("the dead runner's late finish committed %d runs", byDead)
		}
	})
}

// Two nodes on one PostgreSQL database work 1,000 due jobs side by side: each runs once.
func TestTwoNodesRunEachJobOnce(t *testing.T) {
	dsn := testutil.DSN(t, storage.Postgres) // skips without KEFU_TEST_POSTGRES
	ctx := context.Background()
	open := func() *storage.DB {
		db, err := storage.Open(ctx, dsn, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	node1, node2 := open(), open()
	if _, err := node1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	runsTable(t, node1)
	const total = 1000
	now := time.Now()
	err := node1.Write(ctx, func(tx *storage.Tx) error {
		for i := range total {
			if _, err := EnqueueTx(tx, Spec{Kind: "test.echo", Payload: i, UniqueKey: fmt.Sprint("job-", i)}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	var wg sync.WaitGroup
	for i, db := range []*storage.DB{node1, node2} {
		node := fmt.Sprint("node", i+1)
		r := NewRunner(Options{DB: db, Node: node, Batch: 20, Poll: 5 * time.Millisecond})
		r.Handle("test.echo", recordRun(node))
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Run(runCtx)
		}()
	}
	for runCtx.Err() == nil {
		st, err := Count(ctx, node1.Read())
		if err != nil {
			t.Fatal(err)
		}
		if st.Waiting == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wg.Wait()
	runs, distinct := countRuns(t, node1)
	if runs != total || distinct != total {
		t.Fatalf("%d runs of %d distinct jobs; want %d of %d", runs, distinct, total, total)
	}
	rows, _ := node1.Read().QueryContext(ctx, `SELECT node, count(*) FROM job_test_runs GROUP BY node ORDER BY node`)
	defer rows.Close()
	for rows.Next() {
		var node string
		var n int
		rows.Scan(&node, &n)
		t.Logf("%s ran %d jobs", node, n)
	}
}
