package customfield

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// usage counts the tickets or customers holding a value for a field, stopping at 1,000. It
// reads every row of the entity (values live in a JSON column), which is acceptable for an
// administrator's rare deletion but not for a page.
func usage(ctx context.Context, q storage.Querier, d storage.Dialect, f Field) (int, error) {
	table := "tickets"
	if f.Entity == Customer {
		table = "customers"
	}
	has := `json_extract(custom_fields, '$.' || $1) IS NOT NULL`
	if d == storage.Postgres {
		has = `jsonb_exists(custom_fields, $1)`
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+table+` WHERE `+has+` LIMIT 1000) a`, f.Key).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("custom field %s usage: %w", f.Key, err)
	}
	return n, nil
}

// Delete removes a definition no ticket or customer has a value for (admins only). A field
// in use is refused with "field_in_use" and the count: its values are part of those records'
// history; clear them (which their change trails record) or keep the field.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, id int64) error {
	if !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		all, err := List(ctx, tx, "")
		if err != nil {
			return err
		}
		var f *Field
		for i := range all {
			if all[i].ID == id {
				f = &all[i]
			}
		}
		if f == nil {
			return apperr.NotFound("custom_field")
		}
		n, err := usage(ctx, tx, tx.Dialect(), *f)
		if err != nil {
			return err
		}
		if n > 0 {
			count := fmt.Sprint(n)
			if n >= 1000 {
				count = "1000+"
			}
			return apperr.Conflict("field_in_use", map[string]any{"name": f.LabelZH, "count": count, "entity": f.Entity})
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM custom_fields WHERE id = $1`, id)
		return err
	})
}
