// Package tag keeps the shared vocabulary of tags that tickets and customers carry
// (退款, 物流, VIP …). A tag is created the first time anyone uses it.
package tag

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/storage"
)

// MaxPerItem caps the tags on one ticket or customer.
const MaxPerItem = 30

// Tag is a named label.
type Tag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Normalize trims and de-duplicates names, keeping their order, and checks each one; field
// names the input field for errors.
func Normalize(field string, names []string) ([]string, error) {
	seen := map[string]bool{}
	out := make([]string, 0, len(names))
	for i, n := range names {
		n = strings.TrimSpace(n)
		key := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case n == "":
			return nil, apperr.Invalid(key, "required", nil)
		case utf8.RuneCountInString(n) > 50:
			return nil, apperr.Invalid(key, "too_long", map[string]any{"max": 50})
		case strings.ContainsRune(n, ',') || strings.ContainsFunc(n, unicode.IsControl):
			return nil, apperr.Invalid(key, "bad_characters", nil)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) > MaxPerItem {
		return nil, apperr.Invalid(field, "too_many", map[string]any{"max": MaxPerItem})
	}
	return out, nil
}

// Ensure returns the ids of the named tags, creating those that do not exist yet, inside the
// caller's command.
func Ensure(tx *storage.Tx, names []string, now time.Time) ([]int64, error) {
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO tags (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, n, now.UnixMilli()); err != nil {
			return nil, fmt.Errorf("create tag %q: %w", n, err)
		}
		var id int64
		if err := tx.QueryRowContext(tx.Context(), `SELECT id FROM tags WHERE name = $1`, n).Scan(&id); err != nil {
			return nil, fmt.Errorf("find tag %q: %w", n, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Service lists and creates tags.
type Service struct{ db *storage.DB }

// NewService makes the service.
func NewService(db *storage.DB) *Service { return &Service{db: db} }

// List returns every tag by name.
func (s *Service) List(ctx context.Context) ([]Tag, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, name FROM tags ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Create adds a tag (or returns the existing one of that name).
func (s *Service) Create(ctx context.Context, name string, now time.Time) (Tag, error) {
	names, err := Normalize("name", []string{name})
	if err != nil {
		return Tag{}, err
	}
	var t Tag
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		ids, err := Ensure(tx, names, now)
		if err != nil {
			return err
		}
		t = Tag{ID: ids[0], Name: names[0]}
		return nil
	})
	return t, err
}

// Names loads the tag names of many items at once from a join table ("ticket_tags" with
// column "ticket_id", or "customer_tags" with "customer_id"), sorted by name.
func Names(ctx context.Context, q storage.Querier, table, column string, ids []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := storage.InList(ids)
	rows, err := q.QueryContext(ctx, `SELECT x.`+column+`, t.name FROM `+table+` x JOIN tags t ON t.id = x.tag_id WHERE x.`+column+` IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = append(out[id], name)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, rows.Err()
}

// NamesOf returns one item's tag names, sorted (never nil), in a one-row statement.
func NamesOf(ctx context.Context, q storage.Querier, table, column string, id int64) ([]string, error) {
	var joined sql.NullString
	err := q.QueryRowContext(ctx, `SELECT string_agg(t.name, $2) FROM `+table+` x JOIN tags t ON t.id = x.tag_id WHERE x.`+column+` = $1`,
		id, nameSeparator).Scan(&joined)
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	if !joined.Valid || joined.String == "" {
		return []string{}, nil
	}
	names := strings.Split(joined.String, nameSeparator)
	sort.Strings(names)
	return names, nil
}

// nameSeparator joins tag names in NamesOf; Normalize lets no control character into a name.
const nameSeparator = "\x1f"

// Replace sets an item's tags to exactly ids in a join table, returning the names added and
// removed (for the event trail).
func Replace(tx *storage.Tx, table, column string, itemID int64, names []string, now time.Time) (added, removed []string, err error) {
	cur, err := Names(tx.Context(), tx, table, column, []int64{itemID})
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, n := range cur[itemID] {
		have[n] = true
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
		if !have[n] {
			added = append(added, n)
		}
	}
	for _, n := range cur[itemID] {
		if !want[n] {
			removed = append(removed, n)
		}
	}
	if _, err := tx.ExecContext(tx.Context(), `DELETE FROM `+table+` WHERE `+column+` = $1`, itemID); err != nil {
		return nil, nil, err
	}
	ids, err := Ensure(tx, names, now)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO `+table+` (`+column+`, tag_id) VALUES ($1, $2)`, itemID, id); err != nil {
			return nil, nil, err
		}
	}
	return added, removed, nil
}
