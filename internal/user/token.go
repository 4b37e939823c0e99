package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
)

// CreateToken makes an API token for a user and returns it; only its hash is stored, so
// this is the only time anyone sees it. Admins may make tokens for anyone, users for
// themselves.
func (s *Service) CreateToken(ctx context.Context, actor auth.Actor, userID int64, name string) (string, error) {
	if !actor.IsAdmin() && !(actor.Kind == auth.ActorUser && actor.ID == userID) {
		return "", apperr.Forbidden("")
	}
	if _, err := s.Get(ctx, userID); err != nil {
		return "", err
	}
	token, hash := auth.NewToken()
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, name, hash, now.UnixMilli()).Scan(&id); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return event.Append(tx, actor, event.User, userID, now, event.Change{Action: "token_created", Field: "token", New: event.Int(id)})
	})
	return token, err
}

// Authenticate returns the active user an API token belongs to. It costs one indexed
// lookup: the token's SHA-256 is its key.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if len(token) < len(auth.TokenPrefix)+10 || len(token) > 200 {
		return nil, apperr.ErrUnauthorized
	}
	// The token and its user in one read: every API request runs it.
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumnsOfU+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, auth.HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !u.Active) {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if err := s.loadMemberships(ctx, []*User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// RevokeToken ends a token by id.
func (s *Service) RevokeToken(ctx context.Context, actor auth.Actor, tokenID int64) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var uid int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, tokenID).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("token")
		}
		if err != nil {
			return err
		}
		if !actor.IsAdmin() && !(actor.Kind == auth.ActorUser && actor.ID == uid) {
			return apperr.NotFound("token")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, now.UnixMilli(), tokenID); err != nil {
			return err
		}
		return event.Append(tx, actor, event.User, uid, now, event.Change{Action: "token_revoked", Field: "token", Old: event.Int(tokenID)})
	})
}
