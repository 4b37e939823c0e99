package account

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// Rate limits count hits per key in fixed windows, in the database, so that every node
// counts together. The counter moves in one statement (an upsert), so two nodes counting at
// the same moment cannot lose a hit.

// Allow counts a hit on key and reports whether it is within limit hits per window; when it
// is not, retry says how long until the window ends.
func (s *Service) Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retry time.Duration, err error) {
	now := s.now()
	var hits, start int64
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		ctx := tx.Context()
		if rand.IntN(256) == 0 {
			// Now and then, forget windows long over: the table holds only recent callers.
			if _, err := tx.ExecContext(ctx, `DELETE FROM portal_limits WHERE window_start < $1 AND locked_until < $2`,
				now.Add(-24*time.Hour).UnixMilli(), now.UnixMilli()); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO portal_limits (key, hits, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET
				hits = CASE WHEN portal_limits.window_start <= $3 THEN 1 ELSE portal_limits.hits + 1 END,
				window_start = CASE WHEN portal_limits.window_start <= $3 THEN $2 ELSE portal_limits.window_start END
			RETURNING hits, window_start`, key, now.UnixMilli(), now.Add(-window).UnixMilli()).Scan(&hits, &start)
	})
	if err != nil {
		return false, 0, fmt.Errorf("count %s: %w", key, err)
	}
	if hits <= int64(limit) {
		return true, 0, nil
	}
	return false, time.UnixMilli(start).Add(window).Sub(now), nil
}

// Backoff rules for portal passwords, as for staff: FreeFailures wrong passwords in a row
// cost nothing; each one after that locks the address for twice as long as the last, from
// FirstLock up to MaxLock. A sign-in link is not affected: it proves the mailbox instead.
const (
	FreeFailures = 5
	FirstLock    = 30 * time.Second
	MaxLock      = 15 * time.Minute
)

func failureKey(email string) string { return "password:" + strings.ToLower(strings.TrimSpace(email)) }

// LockedUntil returns until when password sign-in for an address waits; zero if it may try.
func (s *Service) LockedUntil(ctx context.Context, email string) (time.Time, error) {
	var until int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT COALESCE(max(locked_until), 0) FROM portal_limits WHERE key = $1`, failureKey(email)).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("read password failures: %w", err)
	}
	if t := time.UnixMilli(until); t.After(s.now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// Failed records a wrong password for an address and returns until when it is now locked
// (zero if it is not).
func (s *Service) Failed(ctx context.Context, email string) (time.Time, error) {
	now := s.now()
	var locked time.Time
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		ctx := tx.Context()
		var n int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO portal_limits (key, hits, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET hits = portal_limits.hits + 1, window_start = excluded.window_start
			RETURNING hits`, failureKey(email), now.UnixMilli()).Scan(&n); err != nil {
			return err
		}
		locked = time.Time{}
		if n < FreeFailures {
			return nil
		}
		locked = now.Add(min(FirstLock<<min(n-FreeFailures, 10), MaxLock))
		_, err := tx.ExecContext(ctx, `UPDATE portal_limits SET locked_until = $1 WHERE key = $2`, locked.UnixMilli(), failureKey(email))
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("record password failure: %w", err)
	}
	return locked, nil
}

// Succeeded clears an address's failures.
func (s *Service) Succeeded(ctx context.Context, email string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `DELETE FROM portal_limits WHERE key = $1`, failureKey(email))
		return err
	})
}
