package customer

import (
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// reindex puts a customer back into the search index as stored now: name, organization,
// email addresses, chat ids, and the endings of each phone number (so the last four digits
// find it).
func reindex(tx *storage.Tx, id int64) error {
	ctx := tx.Context()
	var b strings.Builder
	var name, org string
	if err := tx.QueryRowContext(ctx, `SELECT name, organization FROM customers WHERE id = $1`, id).Scan(&name, &org); err != nil {
		return fmt.Errorf("reindex customer %d: %w", id, err)
	}
	b.WriteString(name + "\n" + org + "\n")
	rows, err := tx.QueryContext(ctx, `SELECT kind, value FROM customer_identities WHERE customer_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, value string
		if err := rows.Scan(&kind, &value); err != nil {
			return err
		}
		if kind == Phone {
			b.WriteString(strings.Join(search.PhoneEndings(value), " "))
		} else {
			b.WriteString(value)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return search.Put(tx, search.Customers, id, b.String())
}
