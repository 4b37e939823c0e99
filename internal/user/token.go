package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

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

// Authenticate returns the active user a bearer token belongs to. What a token stands for is
// kept per node (knownTokens) and read again only when a token, a user, a membership or a
// team changed anywhere (the "auth" generation, migration 0013): one one-row read per
// request instead of three statements.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if len(token) < len(auth.TokenPrefix)+10 || len(token) > 200 {
		return nil, apperr.ErrUnauthorized
	}
	hash := auth.HashToken(token)
	known, err := knownTokens.Get(ctx, s.db.Read(), func(context.Context, storage.Querier) (*tokenUsers, error) {
		return &tokenUsers{m: map[string]*User{}}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if u := known.get(hash); u != nil {
		return u, nil
	}
	// Read after the generation: if anything changes meanwhile, the generation has moved on
	// and this entry is never used again.
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumnsOfU+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !u.Active) {
		return nil, apperr.ErrUnauthorized // not kept: a stranger's guesses must not fill memory
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if err := s.loadMemberships(ctx, []*User{u}); err != nil {
		return nil, err
	}
	known.put(hash, u) // keeps a copy: u stays the caller's own
	return u, nil
}

// knownTokens holds, for the current auth generation, the users tokens were found to stand for.
var knownTokens = storage.NewCached[*tokenUsers]("auth")

// tokenUsers maps token hashes to their users. Requests share it: it keeps its own lock and
// hands out copies.
type tokenUsers struct {
	mu sync.Mutex
	m  map[string]*User
}

// maxKnownTokens bounds the map; past it the map starts over (a help desk has hundreds of
// tokens in use, not tens of thousands).
const maxKnownTokens = 10000

func (t *tokenUsers) get(hash string) *User {
	t.mu.Lock()
	defer t.mu.Unlock()
	if u := t.m[hash]; u != nil {
		return u.clone()
	}
	return nil
}

func (t *tokenUsers) put(hash string, u *User) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) >= maxKnownTokens {
		clear(t.m)
	}
	t.m[hash] = u.clone()
}

// clone copies u, its team lists included, so no caller can change what another reads.
func (u *User) clone() *User {
	c := *u
	c.Teams = slices.Clone(u.Teams)
	c.Departments = slices.Clone(u.Departments)
	return &c
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
