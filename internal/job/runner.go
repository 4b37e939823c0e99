package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// Handler does a job's work inside the transaction that marks it done: what it writes
// commits with the job or not at all. Returning an error rolls it back and schedules a
// retry. Handlers must be short: on SQLite the transaction holds the single writer.
type Handler func(ctx context.Context, tx *storage.Tx, j *Job) error

// Outside does work outside the database (a webhook call) with no transaction open; the
// job is marked done afterwards. A crash between the two repeats the work, so it must be
// safe to do twice. It must finish well within the lease.
type Outside func(ctx context.Context, j *Job) error

// Options configure a Runner.
type Options struct {
	DB *storage.DB
	// Node names this runner in locked_by (default host-pid-random); two runners on one
	// database must have different names.
	Node string
	// Poll is how long an idle runner waits before looking for due jobs again (default 1s).
	Poll time.Duration
	// Lease is how long a claim holds a job before another runner may take it (default 5m).
	Lease time.Duration
	// Batch caps how many jobs one claim takes (default 50).
	Batch int
	// Workers run claimed jobs side by side (default 4).
	Workers int
	// Retention is how long done jobs are kept before being pruned (default 7 days).
	Retention time.Duration
	// Backoff is the wait before retry number attempt+1 (default 10s·2^(attempt-1), at most 1h).
	Backoff func(attempt int) time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Runner claims due jobs and runs their handlers.
type Runner struct {
	o        Options
	handlers map[string]Handler
	outside  map[string]Outside
	kinds    []string
	wake     chan struct{}
	pruned   time.Time
}

// NewRunner makes a runner; register handlers with Handle before Run.
func NewRunner(o Options) *Runner {
	if o.Node == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		o.Node = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{o: o, handlers: map[string]Handler{}, outside: map[string]Outside{}, wake: make(chan struct{}, 1)}
}

// DefaultBackoff waits 10s, 20s, 40s … up to an hour between attempts.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Handle registers the handler of a kind. A runner only claims kinds it can handle, so
// nodes of different versions can share a queue.
func (r *Runner) Handle(kind string, h Handler) {
	r.handlers[kind] = h
	r.kinds = append(r.kinds, kind)
	sort.Strings(r.kinds)
}

// HandleOutside registers the handler of a kind whose work is outside the database.
func (r *Runner) HandleOutside(kind string, h Outside) {
	r.outside[kind] = h
	r.kinds = append(r.kinds, kind)
	sort.Strings(r.kinds)
}

// Node is the name this runner claims under.
func (r *Runner) Node() string { return r.o.Node }

// Wake makes an idle runner look for due jobs now instead of at its next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works the queue until ctx ends. Jobs already claimed are finished (or released by
// their lease) after ctx ends; nothing new is claimed.
func (r *Runner) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-r.wake:
		}
		n, err := r.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			r.o.Logger.Warn("job runner", "node", r.o.Node, "err", err)
		}
		r.prune(ctx)
		wait := r.o.Poll
		if n == r.o.Batch && err == nil {
			wait = 0 // more may be waiting
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// RunDue claims up to one batch of due jobs and runs them, returning how many it claimed.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	jobs, err := r.claim(ctx)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	// Claimed jobs are finished even if ctx ends meanwhile, so a shutdown does not leave
	// them to wait out their lease.
	work := context.WithoutCancel(ctx)
	next := make(chan *Job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range min(r.o.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if err := r.run(work, j); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

// claim takes due jobs by moving their run_at to the end of this runner's lease.
func (r *Runner) claim(ctx context.Context) ([]*Job, error) {
	if len(r.kinds) == 0 {
		return nil, nil
	}
	now := r.o.Now()
	until := now.Add(r.o.Lease).UnixMilli()
	args := []any{until, r.o.Node, now.UnixMilli(), r.o.Batch}
	ph := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		args = append(args, k)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	lock := ""
	if r.o.DB.Dialect() == storage.Postgres {
		// Two nodes claiming at once skip each other's rows instead of waiting for them.
		lock = " FOR UPDATE SKIP LOCKED"
	}
	query := `UPDATE jobs SET run_at = $1, locked_by = $2, locked_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $3
			AND kind IN (` + strings.Join(ph, ", ") + `) ORDER BY run_at, id LIMIT $4` + lock + `)
		RETURNING id, kind, payload, COALESCE(unique_key, ''), attempts`
	var out []*Job
	err := r.o.DB.Write(ctx, func(tx *storage.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j := &Job{}
			var payload string
			if err := rows.Scan(&j.ID, &j.Kind, &payload, &j.UniqueKey, &j.Attempt); err != nil {
				return err
			}
			j.Payload = []byte(payload)
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].ID < out[k].ID })
	return out, nil
}

// errLostClaim means another runner took the job after this runner's lease ran out.
var errLostClaim = errors.New("job: claim lost to another runner")

// run marks the job done and runs its handler in one transaction; on failure it records
// the error and the time of the next attempt.
func (r *Runner) run(ctx context.Context, j *Job) error {
	h := r.handlers[j.Kind]
	var err error
	if out, ok := r.outside[j.Kind]; ok {
		err = out(ctx, j)
		h = func(context.Context, *storage.Tx, *Job) error { return nil }
	}
	if err == nil {
		err = r.o.DB.Write(ctx, func(tx *storage.Tx) error {
			// The fence: only the claim with this attempt number may finish the job. On
			// PostgreSQL the row stays locked until commit, so no one can claim it meanwhile.
			res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = $1, locked_by = NULL, locked_until = NULL
			WHERE id = $2 AND attempts = $3 AND done_at IS NULL AND failed_at IS NULL`, r.o.Now().UnixMilli(), j.ID, j.Attempt)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errLostClaim
			}
			return h(ctx, tx, j)
		})
	}
	if err == nil || errors.Is(err, errLostClaim) {
		return nil
	}
	now := r.o.Now()
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	ferr := r.o.DB.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET last_error = $1, run_at = $2, locked_by = NULL, locked_until = NULL,
				failed_at = CASE WHEN attempts >= max_attempts THEN CAST($3 AS BIGINT) ELSE NULL END
			WHERE id = $4 AND attempts = $5 AND done_at IS NULL`,
			msg, now.Add(r.o.Backoff(j.Attempt)).UnixMilli(), now.UnixMilli(), j.ID, j.Attempt)
		return err
	})
	if ferr != nil {
		return fmt.Errorf("job %d (%s) failed (%v) and could not be rescheduled: %w", j.ID, j.Kind, err, ferr)
	}
	return fmt.Errorf("job %d (%s) attempt %d: %w", j.ID, j.Kind, j.Attempt, err)
}

// prune deletes done jobs older than the retention, at most once an hour per runner.
func (r *Runner) prune(ctx context.Context) {
	now := r.o.Now()
	if now.Sub(r.pruned) < time.Hour {
		return
	}
	r.pruned = now
	err := r.o.DB.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1`, now.Add(-r.o.Retention).UnixMilli())
		return err
	})
	if err != nil && ctx.Err() == nil {
		r.o.Logger.Warn("prune jobs", "err", err)
	}
}
