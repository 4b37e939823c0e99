// Package phrase keeps the standard phrases (规范用语) agents insert into replies: greetings,
// apologies and closings, with variables ({customer}, {agent}, {ticket}) that the composer
// fills at the cursor. Admins and supervisors keep the list; everyone on staff reads it.
package phrase

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Categories of phrase, in the order the composer shows them.
var Categories = []string{"greeting", "apology", "closing", "other"}

// Variables a phrase may contain; the composer replaces them.
var Variables = []string{"{customer}", "{agent}", "{ticket}"}

// Phrase is one standard phrase.
type Phrase struct {
	ID        int64
	Category  string
	Title     string
	Body      string
	UpdatedAt time.Time
}

// Input creates or changes a phrase.
type Input struct {
	Category string
	Title    string
	Body     string
}

// Service keeps phrases.
type Service struct {
	db  *storage.DB
	now func() time.Time
}

// NewService returns the phrase service.
func NewService(db *storage.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

func mayEdit(a auth.Actor) bool { return a.IsAdmin() || (a.IsStaff() && a.Role == auth.RoleSupervisor) }

func validate(in *Input) error {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	f := apperr.Fields{}
	f.Check(slices.Contains(Categories, in.Category), "category", "one_of", map[string]any{"values": strings.Join(Categories, ", ")})
	f.Check(in.Title != "", "title", "required", nil)
	f.Check(utf8.RuneCountInString(in.Title) <= 100, "title", "too_long", map[string]any{"max": 100})
	f.Check(in.Body != "", "body", "required", nil)
	f.Check(utf8.RuneCountInString(in.Body) <= 2000, "body", "too_long", map[string]any{"max": 2000})
	return f.Err()
}

// Create adds a phrase.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (*Phrase, error) {
	if !mayEdit(a) {
		return nil, apperr.Forbidden("")
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		now := s.now().UnixMilli()
		return tx.QueryRowContext(ctx, `INSERT INTO phrases (category, title, body, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			in.Category, in.Title, in.Body, nullUser(a), now).Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("create phrase: %w", err)
	}
	return s.Get(ctx, id)
}

// Update changes a phrase.
func (s *Service) Update(ctx context.Context, a auth.Actor, id int64, in Input) (*Phrase, error) {
	if !mayEdit(a) {
		return nil, apperr.Forbidden("")
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE phrases SET category = $1, title = $2, body = $3, updated_at = $4 WHERE id = $5`,
			in.Category, in.Title, in.Body, s.now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("phrase")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Delete removes a phrase.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id int64) error {
	if !mayEdit(a) {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM phrases WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("phrase")
		}
		return nil
	})
}

// Get loads one phrase.
func (s *Service) Get(ctx context.Context, id int64) (*Phrase, error) {
	var p Phrase
	var updated int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, category, title, body, updated_at FROM phrases WHERE id = $1`, id).
		Scan(&p.ID, &p.Category, &p.Title, &p.Body, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("phrase")
	}
	if err != nil {
		return nil, fmt.Errorf("get phrase %d: %w", id, err)
	}
	p.UpdatedAt = time.UnixMilli(updated).UTC()
	return &p, nil
}

// List returns every phrase by category and title; a help desk keeps dozens, not thousands.
func (s *Service) List(ctx context.Context) ([]Phrase, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, category, title, body, updated_at FROM phrases ORDER BY category, title, id`)
	if err != nil {
		return nil, fmt.Errorf("list phrases: %w", err)
	}
	defer rows.Close()
	var out []Phrase
	for rows.Next() {
		var p Phrase
		var updated int64
		if err := rows.Scan(&p.ID, &p.Category, &p.Title, &p.Body, &updated); err != nil {
			return nil, err
		}
		p.UpdatedAt = time.UnixMilli(updated).UTC()
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b Phrase) int {
		return slices.Index(Categories, a.Category) - slices.Index(Categories, b.Category)
	})
	return out, rows.Err()
}

// Expand fills a phrase's variables; the browser does the same at the cursor, and this is
// for replies sent without JavaScript.
func Expand(body string, customer, agent string, ticket int64) string {
	return strings.NewReplacer("{customer}", customer, "{agent}", agent, "{ticket}", fmt.Sprintf("#%d", ticket)).Replace(body)
}

func nullUser(a auth.Actor) any {
	if a.Kind == auth.ActorUser && a.ID > 0 {
		return a.ID
	}
	return nil
}
