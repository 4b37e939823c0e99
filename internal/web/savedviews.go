package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/storage"
)

// savedView is an inbox filter a user keeps under a name.
type savedView struct {
	ID    int64
	Name  string
	Query string
}

// The UI owns saved views: they are one user's shortcuts, not part of any domain.
func (u *UI) savedViews(ctx context.Context, userID int64) ([]savedView, error) {
	rows, err := u.DB.Read().QueryContext(ctx, `SELECT id, name, query FROM saved_views WHERE user_id = $1 ORDER BY name, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list saved views: %w", err)
	}
	defer rows.Close()
	var out []savedView
	for rows.Next() {
		var v savedView
		if err := rows.Scan(&v.ID, &v.Name, &v.Query); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// saveView keeps the inbox's current filter (view, status, priority, type, tag, sort, q).
func (u *UI) saveView(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	f := apperr.Fields{}
	f.Check(name != "", "name", "required", nil)
	f.Check(utf8.RuneCountInString(name) <= 60, "name", "too_long", map[string]any{"max": 60})
	if err := f.Err(); err != nil {
		return err
	}
	from, _ := url.ParseQuery(r.PostFormValue("query"))
	keep := url.Values{}
	for _, k := range []string{"view", "status", "priority", "type", "tag", "sort", "q"} {
		if v := from.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	err := u.DB.Write(r.Context(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query`, c.User.ID, name, keep.Encode(), u.Now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("save view: %w", err)
	}
	http.Redirect(w, r, "/?"+keep.Encode(), http.StatusSeeOther)
	return nil
}

func (u *UI) deleteView(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := pathInt(r, "id")
	err := u.DB.Write(r.Context(), func(tx *storage.Tx) error {
		// Only one's own: another user's id deletes nothing.
		_, err := tx.ExecContext(r.Context(), `DELETE FROM saved_views WHERE id = $1 AND user_id = $2`, id, c.User.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
