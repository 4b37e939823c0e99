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
	var name, org string
	if err := tx.QueryRowContext(ctx, `SELECT name, organization FROM customers WHERE id = $1`, id).Scan(&name, &org); err != nil {
		return fmt.Errorf("reindex customer %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT kind, value FROM customer_identities WHERE customer_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []identity
	for rows.Next() {
		var i identity
		if err := rows.Scan(&i.kind, &i.value); err != nil {
			return err
		}
		ids = append(ids, i)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return search.Put(tx, search.Customers, id, indexText(name, org, ids))
}

type identity struct{ kind, value string }

// indexText is what the search index holds of a customer: name, organization, and each
// identity in the order added (a phone as its endings, so its last digits find it).
func indexText(name, org string, ids []identity) string {
	var b strings.Builder
	b.WriteString(name + "\n" + org + "\n")
	for _, i := range ids {
		if i.kind == Phone {
			b.WriteString(strings.Join(search.PhoneEndings(i.value), " "))
		} else {
			b.WriteString(i.value)
		}
		b.WriteString("\n")
	}
	return b.String()
}
