package tag

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Usage is how many tickets and customers carry a tag; counts stop at 1,000.
type Usage struct {
	Tickets   int
	Customers int
}

// InUse reports whether anything carries the tag.
func (u Usage) InUse() bool { return u.Tickets > 0 || u.Customers > 0 }

func usage(ctx context.Context, q storage.Querier, id int64) (Usage, error) {
	var u Usage
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM ticket_tags WHERE tag_id = $1 LIMIT 1000) a),
		(SELECT count(*) FROM (SELECT 1 FROM customer_tags WHERE tag_id = $1 LIMIT 1000) b)`, id).Scan(&u.Tickets, &u.Customers)
	if err != nil {
		return u, fmt.Errorf("tag %d usage: %w", id, err)
	}
	return u, nil
}

// Usage tells what carries a tag, for the administration page.
func (s *Service) Usage(ctx context.Context, id int64) (Usage, error) {
	return usage(ctx, s.db.Read(), id)
}

// Rename changes a tag's name everywhere it is used (admins only). Tickets and customers keep
// the same tag, so their own records do not change; a name another tag has is refused.
func (s *Service) Rename(ctx context.Context, actor auth.Actor, id int64, name string) (Tag, error) {
	if !actor.IsAdmin() {
		return Tag{}, apperr.Forbidden("")
	}
	names, err := Normalize("name", []string{name})
	if err != nil {
		return Tag{}, err
	}
	t := Tag{ID: id, Name: names[0]}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tags SET name = $1 WHERE id = $2`, t.Name, id)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("name", "taken", nil)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("tag")
		}
		return nil
	})
	return t, err
}

// Delete removes a tag nobody uses (admins only). A tag that tickets or customers carry is
// refused with "tag_in_use" and the counts: removing it would change those records behind
// their backs; take it off them (which their change trails record) first.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, id int64) error {
	if !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM tags WHERE id = $1`, id).Scan(&name); err != nil {
			return apperr.NotFound("tag")
		}
		u, err := usage(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.InUse() {
			return apperr.Conflict("tag_in_use", map[string]any{"name": name, "tickets": plus(u.Tickets), "customers": plus(u.Customers)})
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tags WHERE id = $1`, id)
		return err
	})
}

// plus shows a count that stopped at 1,000 as "1000+".
func plus(n int) string {
	if n >= 1000 {
		return "1000+"
	}
	return fmt.Sprint(n)
}
