package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Session is a signed-in customer's browser.
type Session struct {
	ID         int64
	CustomerID int64
	CSRF       string // the token every form of the session carries
	ExpiresAt  time.Time
}

// CreateSession signs a customer in and returns the cookie token (shown only here).
func (s *Service) CreateSession(ctx context.Context, customerID int64) (string, *Session, error) {
	token, hash := newToken()
	now := s.now()
	sess := &Session{CustomerID: customerID, CSRF: auth.RandomSecret(24), ExpiresAt: now.Add(SessionLifetime)}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		// The customer's expired sessions go on the way: a bounded cleanup without a job.
		if _, err := tx.ExecContext(tx.Context(), `DELETE FROM portal_sessions WHERE customer_id = $1 AND expires_at <= $2`, customerID, now.UnixMilli()); err != nil {
			return err
		}
		return tx.QueryRowContext(tx.Context(), `INSERT INTO portal_sessions (token_hash, customer_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			hash, customerID, sess.CSRF, now.UnixMilli(), sess.ExpiresAt.UnixMilli()).Scan(&sess.ID)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create portal session: %w", err)
	}
	return token, sess, nil
}

// Session returns the live session of a cookie token, or apperr.ErrUnauthorized.
func (s *Service) Session(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, apperr.ErrUnauthorized
	}
	var sess Session
	var expires int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, customer_id, csrf_token, expires_at FROM portal_sessions WHERE token_hash = $1`,
		auth.HashToken(token)).Scan(&sess.ID, &sess.CustomerID, &sess.CSRF, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("look up portal session: %w", err)
	}
	sess.ExpiresAt = time.UnixMilli(expires)
	if !s.now().Before(sess.ExpiresAt) {
		return nil, apperr.ErrUnauthorized
	}
	return &sess, nil
}

// EndSession signs one browser out.
func (s *Service) EndSession(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `DELETE FROM portal_sessions WHERE id = $1`, id)
		return err
	})
}

// EndOtherSessions signs out every other browser of the customer: after a password is set,
// whoever else was signed in must prove it again.
func (s *Service) EndOtherSessions(ctx context.Context, customerID, keep int64) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `DELETE FROM portal_sessions WHERE customer_id = $1 AND id <> $2`, customerID, keep)
		return err
	})
}
