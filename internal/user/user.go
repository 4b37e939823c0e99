// Package user keeps the staff: users with their roles, the service teams and responsible
// departments they belong to, and the API tokens they act through.
package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
)

// User is a staff member.
type User struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        auth.Role `json:"role"`
	Locale      string    `json:"locale"`
	TimeZone    string    `json:"time_zone"`
	Active      bool      `json:"active"`
	Teams       []int64   `json:"teams"`
	Departments []int64   `json:"departments"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Service manages users, teams and tokens.
type Service struct {
	db  *storage.DB
	now func() time.Time
}

// NewService makes the service; now is the clock (time.Now when nil).
func NewService(db *storage.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// CreateInput is a new user.
type CreateInput struct {
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Password string    `json:"password"`
	Locale   string    `json:"locale"`
	TimeZone string    `json:"time_zone"`
	Teams    []int64   `json:"teams"` // teams and departments to join
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a plain address (no display name).
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func validateProfile(f apperr.Fields, name, locale, tz string) {
	f.Check(strings.TrimSpace(name) != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(name) <= 100, "name", "too_long", map[string]any{"max": 100})
	f.Check(locale == "" || locale == "zh-CN" || locale == "en", "locale", "one_of", map[string]any{"values": "zh-CN, en"})
	if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			f.Add("time_zone", "invalid_time_zone", nil)
		}
	}
}

// Create adds a user. Only admins (and the system) may.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in CreateInput) (*User, error) {
	if !actor.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	in.Email = normalizeEmail(in.Email)
	f := apperr.Fields{}
	f.Check(in.Email != "", "email", "required", nil)
	f.Check(in.Email == "" || ValidEmail(in.Email), "email", "invalid_email", nil)
	validateProfile(f, in.Name, in.Locale, in.TimeZone)
	f.Check(in.Role.Valid(), "role", "one_of", map[string]any{"values": "admin, supervisor, agent, department"})
	f.Check(in.Password == "" || utf8.RuneCountInString(in.Password) >= 8, "password", "too_short", map[string]any{"min": 8})
	if err := f.Err(); err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = "zh-CN"
	}
	if in.TimeZone == "" {
		in.TimeZone = "Asia/Shanghai"
	}
	hash := ""
	if in.Password != "" {
		hash = auth.HashPassword(in.Password)
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, locale, time_zone, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7) RETURNING id`,
			in.Email, strings.TrimSpace(in.Name), string(in.Role), hash, in.Locale, in.TimeZone, now.UnixMilli()).Scan(&id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("email", "taken", nil)
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		for _, team := range in.Teams {
			if err := addMember(tx, team, id); err != nil {
				return err
			}
		}
		return event.Append(tx, actor, event.User, id, now, event.Change{Action: "created", Field: "role", New: event.Str(string(in.Role))})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// UpdateInput changes a user; nil fields stay as they are.
type UpdateInput struct {
	Name     *string    `json:"name"`
	Role     *auth.Role `json:"role"`
	Locale   *string    `json:"locale"`
	TimeZone *string    `json:"time_zone"`
	Active   *bool      `json:"active"`
	Password *string    `json:"password"`
}

// Update changes a user. Admins may change anyone; users may change their own name,
// language, time zone and password.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id int64, in UpdateInput) (*User, error) {
	self := actor.Kind == auth.ActorUser && actor.ID == id
	if !actor.IsAdmin() && !(self && in.Role == nil && in.Active == nil) {
		return nil, apperr.Forbidden("")
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	name, locale, tz := cur.Name, cur.Locale, cur.TimeZone
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	if in.Locale != nil {
		locale = *in.Locale
	}
	if in.TimeZone != nil {
		tz = *in.TimeZone
	}
	f := apperr.Fields{}
	validateProfile(f, name, locale, tz)
	if in.Role != nil {
		f.Check(in.Role.Valid(), "role", "one_of", map[string]any{"values": "admin, supervisor, agent, department"})
	}
	if in.Password != nil {
		f.Check(utf8.RuneCountInString(*in.Password) >= 8, "password", "too_short", map[string]any{"min": 8})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// Hash before the transaction: argon2 takes a fifth of a second, and SQLite's single
	// writer must not wait for it.
	var newHash string
	if in.Password != nil {
		newHash = auth.HashPassword(*in.Password)
	}
	role, active := cur.Role, cur.Active
	if in.Role != nil {
		role = *in.Role
	}
	if in.Active != nil {
		active = *in.Active
	}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, locale = $3, time_zone = $4, active = $5, updated_at = $6 WHERE id = $7`,
			name, string(role), locale, tz, active, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if in.Password != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, newHash, id); err != nil {
				return err
			}
		}
		var changes []event.Change
		add := func(field, old, nw string) {
			if old != nw {
				changes = append(changes, event.Change{Action: "updated", Field: field, Old: event.Str(old), New: event.Str(nw)})
			}
		}
		add("name", cur.Name, name)
		add("role", string(cur.Role), string(role))
		add("locale", cur.Locale, locale)
		add("time_zone", cur.TimeZone, tz)
		add("active", fmt.Sprint(cur.Active), fmt.Sprint(active))
		if in.Password != nil {
			changes = append(changes, event.Change{Action: "password_changed"})
		}
		return event.Append(tx, actor, event.User, id, now, changes...)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

const userColumns = `id, email, name, role, locale, time_zone, active, created_at, updated_at`

// userColumnsOfU is userColumns for a query that names the users table u.
const userColumnsOfU = `u.id, u.email, u.name, u.role, u.locale, u.time_zone, u.active, u.created_at, u.updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Locale, &u.TimeZone, &u.Active, &created, &updated); err != nil {
		return nil, err
	}
	u.Role = auth.Role(role)
	u.CreatedAt = time.UnixMilli(created).UTC()
	u.UpdatedAt = time.UnixMilli(updated).UTC()
	return &u, nil
}

// Get loads a user with their teams.
func (s *Service) Get(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	if err := s.loadMemberships(ctx, []*User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// GetByEmail loads a user by email address.
func (s *Service) GetByEmail(ctx context.Context, email string) (*User, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, normalizeEmail(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// List returns all users, by name. A help desk has hundreds of staff, not millions.
func (s *Service) List(ctx context.Context) ([]*User, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadMemberships(ctx, out)
}

// Count returns how many users there are (0 on a fresh install).
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

func (s *Service) loadMemberships(ctx context.Context, users []*User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[int64]*User, len(users))
	for _, u := range users {
		u.Teams, u.Departments = []int64{}, []int64{}
		byID[u.ID] = u
	}
	q := `SELECT m.user_id, m.team_id, t.kind FROM team_members m JOIN teams t ON t.id = m.team_id`
	var args []any
	if len(users) == 1 {
		q += ` WHERE m.user_id = $1`
		args = append(args, users[0].ID)
	}
	rows, err := s.db.Read().QueryContext(ctx, q+` ORDER BY m.team_id`, args...)
	if err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid, tid int64
		var kind string
		if err := rows.Scan(&uid, &tid, &kind); err != nil {
			return err
		}
		u := byID[uid]
		if u == nil {
			continue
		}
		if kind == KindDepartment {
			u.Departments = append(u.Departments, tid)
		} else {
			u.Teams = append(u.Teams, tid)
		}
	}
	return rows.Err()
}

// Actor turns a user into the actor of their commands.
func (u *User) Actor() auth.Actor {
	return auth.Actor{Kind: auth.ActorUser, ID: u.ID, Name: u.Name, Role: u.Role, Teams: u.Teams, Departments: u.Departments, Lang: u.Locale}
}

// CheckPassword returns the user whose email and password match, for sign-in.
func (s *Service) CheckPassword(ctx context.Context, email, password string) (*User, error) {
	var id int64
	var hash string
	var active bool
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE email = $1`, normalizeEmail(email)).Scan(&id, &hash, &active)
	if errors.Is(err, sql.ErrNoRows) {
		auth.CheckPassword(dummyHash(), password) // spend the same time as for a real user
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !active || !auth.CheckPassword(hash, password) {
		return nil, apperr.ErrUnauthorized
	}
	return s.Get(ctx, id)
}

// dummyHash is made on first use, not at start: argon2id takes seconds on a busy machine,
// and every process (each CLI command, each crash-test child) would pay it.
var dummyHash = sync.OnceValue(func() string { return auth.HashPassword("kefu-timing-equaliser") })
