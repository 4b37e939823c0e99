package user

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
)

// First-run setup: while no active admin exists, someone may claim the installation by
// creating the first admin. On a public address the claimant must also give a one-time
// setup code that a node printed in its log. Every node may print its own code; each is kept
// in the shared settings table as the SHA-256 of the code, so any node accepts a code any
// node printed, and a successful claim removes them all.

// setupCodePrefix starts the settings keys that hold setup codes ("setup_code:<sha256>").
const setupCodePrefix = "setup_code:"

// HasAdmin reports whether an active admin exists.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	return hasAdmin(ctx, s.db.Read())
}

func hasAdmin(ctx context.Context, q storage.Querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM users WHERE role = 'admin' AND active LIMIT 1) a`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for an admin: %w", err)
	}
	return n > 0, nil
}

// NewSetupCode makes a one-time setup code and stores its hash; the caller prints the code.
// It returns "" when an admin exists (nothing to set up).
func (s *Service) NewSetupCode(ctx context.Context) (string, error) {
	code := setupCodeText()
	made := false
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		ok, err := hasAdmin(ctx, tx)
		if err != nil || ok {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`,
			setupCodePrefix+auth.HashToken(code), strconv.FormatInt(s.now().UnixMilli(), 10))
		made = err == nil
		return err
	})
	if err != nil || !made {
		return "", err
	}
	return code, nil
}

// SetupCodeValid reports whether code is a setup code some node printed and nobody used.
func (s *Service) SetupCodeValid(ctx context.Context, code string) (bool, error) {
	return setupCodeKnown(ctx, s.db.Read(), code, s.now())
}

// SetupCodeLifetime is how long a printed setup code stays good; a node prints a new one
// when its own has expired and someone opens the setup page.
const SetupCodeLifetime = 24 * time.Hour

func setupCodeKnown(ctx context.Context, q storage.Querier, code string, now time.Time) (bool, error) {
	code = normalizeSetupCode(code)
	if code == "" {
		return false, nil
	}
	var made string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, setupCodePrefix+auth.HashToken(code)).Scan(&made)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ms, err := strconv.ParseInt(made, 10, 64)
	return err == nil && now.Sub(time.UnixMilli(ms)) < SetupCodeLifetime, nil
}

// setupCodeText is 10 characters from an alphabet without look-alikes, shown as XXXXX-XXXXX.
func setupCodeText() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	raw := make([]byte, 10)
	rand.Read(raw)
	var b strings.Builder
	for i := 0; i < 10; i++ {
		if i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(raw[i])%len(alphabet)])
	}
	return b.String()
}

// normalizeSetupCode forgives case, spaces and a missing dash in a typed code.
func normalizeSetupCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(s)))
	if len(s) != 10 {
		return ""
	}
	return s[:5] + "-" + s[5:]
}

// SetupInput is the first admin, as typed on the setup page.
type SetupInput struct {
	Name     string
	Email    string
	Password string
	Again    string
	Locale   string
	TimeZone string
	Code     string
}

// ClaimSetup creates the first admin in one command, if and only if no active admin exists
// at that moment; with needCode the input must carry a valid setup code. Of two claimants
// at once, the second gets the conflict "setup_done". All setup codes are spent.
func (s *Service) ClaimSetup(ctx context.Context, in SetupInput, needCode bool) (*User, error) {
	in.Email = normalizeEmail(in.Email)
	f := apperr.Fields{}
	f.Check(in.Email != "", "email", "required", nil)
	f.Check(in.Email == "" || ValidEmail(in.Email), "email", "invalid_email", nil)
	validateProfile(f, in.Name, in.Locale, in.TimeZone)
	f.Check(utf8.RuneCountInString(in.Password) >= 8, "password", "too_short", map[string]any{"min": 8})
	f.Check(in.Password == in.Again, "again", "mismatch", nil)
	if needCode {
		f.Check(strings.TrimSpace(in.Code) != "", "code", "required", nil)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = "zh-CN"
	}
	if in.TimeZone == "" {
		in.TimeZone = "Asia/Shanghai"
	}
	hash := auth.HashPassword(in.Password) // before the command: argon2 is slow
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if tx.Dialect() == storage.Postgres {
			// Nodes share the database: claims queue here, and each sees the one before.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4201011)`); err != nil {
				return err
			}
		}
		if ok, err := hasAdmin(ctx, tx); err != nil {
			return err
		} else if ok {
			return apperr.Conflict("setup_done", nil)
		}
		now := s.now()
		if needCode {
			ok, err := setupCodeKnown(ctx, tx, in.Code, now)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Invalid("code", "bad_setup_code", nil)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, locale, time_zone, active, created_at, updated_at)
			VALUES ($1, $2, 'admin', $3, $4, $5, true, $6, $6) RETURNING id`,
			in.Email, strings.TrimSpace(in.Name), hash, in.Locale, in.TimeZone, now.UnixMilli()).Scan(&id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("email", "taken", nil)
		}
		if err != nil {
			return fmt.Errorf("insert first admin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key LIKE 'setup\_code:%' ESCAPE '\'`); err != nil {
			return err
		}
		self := auth.Actor{Kind: auth.ActorUser, ID: id, Name: strings.TrimSpace(in.Name), Role: auth.RoleAdmin}
		return event.Append(tx, self, event.User, id, now, event.Change{Action: "created", Field: "role", New: event.Str(string(auth.RoleAdmin)),
			Detail: map[string]any{"via": "setup"}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
