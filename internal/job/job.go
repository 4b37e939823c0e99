// Package job is Kefu's durable work queue: the SLA clock, timed rules and scheduled sends
// are rows in the jobs table, written in the same transaction as the change that asks for
// them, and run by a Runner on every node.
//
// A job runs exactly once as far as the database is concerned: its handler runs inside the
// write transaction that marks it done, fenced by the attempt number the runner claimed, so
// if two nodes ever held the same job (a lease that ran out under a slow handler) only one
// commit can succeed. Effects outside the database (a webhook) are at least once: a crash
// after the call but before the commit repeats it.
//
// Claiming moves a job's run_at to the end of the claimer's lease. A runner that dies with
// a job in hand therefore needs no cleanup: at the end of the lease the job is due again and
// any runner takes it, which is how a restart resumes.
package job

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// Job is one claimed unit of work.
type Job struct {
	ID        int64
	Kind      string
	Payload   json.RawMessage
	UniqueKey string
	Attempt   int // 1 on the first run
	RunAt     time.Time
}

// Decode unmarshals the payload into v.
func (j *Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return fmt.Errorf("job %d (%s) payload: %w", j.ID, j.Kind, err)
	}
	return nil
}

// Spec describes a job to enqueue.
type Spec struct {
	Kind    string
	Payload any // marshalled to JSON; nil means {}
	RunAt   time.Time
	// UniqueKey, when set, makes the enqueue a no-op while another job with the key waits
	// or runs; once that job is done the key is free again.
	UniqueKey string
	// MaxAttempts bounds retries (default 10); after the last failure the job is kept
	// with failed_at set for an operator to see.
	MaxAttempts int
}

// EnqueueTx adds a job inside the caller's transaction, so it exists exactly when the
// change that asked for it does. It reports whether a row was added (false when UniqueKey
// was already waiting).
func EnqueueTx(tx *storage.Tx, s Spec, now time.Time) (bool, error) {
	if s.Kind == "" {
		return false, fmt.Errorf("job: kind is required")
	}
	payload := []byte("{}")
	if s.Payload != nil {
		var err error
		if payload, err = json.Marshal(s.Payload); err != nil {
			return false, fmt.Errorf("job %s payload: %w", s.Kind, err)
		}
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 10
	}
	if s.RunAt.IsZero() {
		s.RunAt = now
	}
	var key any
	if s.UniqueKey != "" {
		key = s.UniqueKey
	}
	res, err := tx.ExecContext(tx.Context(), `INSERT INTO jobs (kind, payload, unique_key, run_at, max_attempts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (unique_key) WHERE done_at IS NULL AND failed_at IS NULL DO NOTHING`,
		s.Kind, string(payload), key, s.RunAt.UnixMilli(), s.MaxAttempts, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("enqueue job %s: %w", s.Kind, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Enqueue adds a job in a command of its own.
func Enqueue(ctx context.Context, db *storage.DB, s Spec, now time.Time) (bool, error) {
	var added bool
	err := db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		added, err = EnqueueTx(tx, s, now)
		return err
	})
	return added, err
}

// Stats counts the jobs by state, for tests and the admin page.
type Stats struct {
	Waiting, Done, Failed int
}

// Count returns the queue's Stats.
func Count(ctx context.Context, q storage.Querier) (Stats, error) {
	var s Stats
	err := q.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM jobs`).Scan(&s.Waiting, &s.Done, &s.Failed)
	if err != nil {
		return s, fmt.Errorf("count jobs: %w", err)
	}
	return s, nil
}
