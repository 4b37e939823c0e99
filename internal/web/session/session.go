// Package session keeps signed-in browsers and the sign-in backoff. A session is a random
// token in an HttpOnly cookie; the database holds only the token's SHA-256, the user and a
// per-session CSRF token, so a stolen copy of the database signs nobody in.
package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Lifetime is how long a session lasts: a working week, so agents sign in on Mondays.
const Lifetime = 7 * 24 * time.Hour

// Session is a signed-in browser.
type Session struct {
	ID        int64
	UserID    int64
	CSRF      string
	ExpiresAt time.Time
}

// Store keeps sessions and sign-in failures in the database, so every node sees them.
type Store struct {
	db  *storage.DB
	now func() time.Time
}

// NewStore returns a store; now is the clock (tests inject one).
func NewStore(db *storage.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// Create starts a session for a user and returns the cookie token (shown only here).
func (s *Store) Create(ctx context.Context, userID int64) (token string, sess *Session, err error) {
	token, hash := auth.NewToken()
	now := s.now()
	sess = &Session{UserID: userID, CSRF: auth.RandomSecret(24), ExpiresAt: now.Add(Lifetime)}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		// Sweep this user's expired sessions on the way: a bounded cleanup without a job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND expires_at <= $2`, userID, now.UnixMilli()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			hash, userID, sess.CSRF, now.UnixMilli(), sess.ExpiresAt.UnixMilli()).Scan(&sess.ID)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, sess, nil
}

// Lookup returns the live session of a cookie token, or apperr.ErrUnauthorized.
func (s *Store) Lookup(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, apperr.ErrUnauthorized
	}
	var sess Session
	var expires int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, user_id, csrf_token, expires_at FROM web_sessions WHERE token_hash = $1`,
		auth.HashToken(token)).Scan(&sess.ID, &sess.UserID, &sess.CSRF, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	sess.ExpiresAt = time.UnixMilli(expires)
	if !s.now().Before(sess.ExpiresAt) {
		return nil, apperr.ErrUnauthorized
	}
	return &sess, nil
}

// Delete ends one session (sign out).
func (s *Store) Delete(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE id = $1`, id)
		return err
	})
}

// DeleteOthers ends every session of a user but one: after a password change, other
// browsers must sign in again.
func (s *Store) DeleteOthers(ctx context.Context, userID, keep int64) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2`, userID, keep)
		return err
	})
}

// Backoff rules: FreeFailures wrong passwords in a row cost nothing; each one after that
// locks the login for twice as long as the last, from FirstLock up to MaxLock.
const (
	FreeFailures = 5
	FirstLock    = 30 * time.Second
	MaxLock      = 15 * time.Minute
)

func normalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// LockedUntil returns when the login may try again; the zero time if it may now.
func (s *Store) LockedUntil(ctx context.Context, login string) (time.Time, error) {
	var until int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE login = $1`, normalizeLogin(login)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read login failures: %w", err)
	}
	if t := time.UnixMilli(until); t.After(s.now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// Failed records a wrong password and returns until when the login is now locked (zero if
// it is not).
func (s *Store) Failed(ctx context.Context, login string) (time.Time, error) {
	login = normalizeLogin(login)
	now := s.now()
	var locked time.Time
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		var n int64
		err := tx.QueryRowContext(ctx, `SELECT failures FROM login_failures WHERE login = $1`, login).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n++
		locked = time.Time{}
		if n >= FreeFailures {
			d := FirstLock << min(n-FreeFailures, 10)
			locked = now.Add(min(d, MaxLock))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_failures (login, failures, last_at, locked_until) VALUES ($1, $2, $3, $4)
			ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, locked_until = excluded.locked_until`,
			login, n, now.UnixMilli(), locked.UnixMilli())
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("record login failure: %w", err)
	}
	return locked, nil
}

// Succeeded clears a login's failures.
func (s *Store) Succeeded(ctx context.Context, login string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login = $1`, normalizeLogin(login))
		return err
	})
}
