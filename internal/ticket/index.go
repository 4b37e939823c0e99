package ticket

import (
	"database/sql"
	"errors"

	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// reindexMessages puts messages back into the search index with the text they should have
// now: their body, and the ticket subject for the first message of a ticket. Subject changes,
// merges and splits call it for the messages whose place changed.
func reindexMessages(tx *storage.Tx, ids ...int64) error {
	ctx := tx.Context()
	for _, id := range ids {
		var body, subject string
		var ticketID, first int64
		err := tx.QueryRowContext(ctx, `SELECT m.body_text, t.subject, t.id,
				(SELECT min(f.id) FROM messages f WHERE f.ticket_id = t.id)
			FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = $1`, id).Scan(&body, &subject, &ticketID, &first)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if first == id {
			body = subject + "\n" + body
		}
		if err := search.Put(tx, search.Messages, id, body); err != nil {
			return err
		}
	}
	return nil
}

// firstMessage is the id of a ticket's first message (0 if it has none).
func firstMessage(tx *storage.Tx, ticketID int64) (int64, error) {
	var id sql.NullInt64
	err := tx.QueryRowContext(tx.Context(), `SELECT min(id) FROM messages WHERE ticket_id = $1`, ticketID).Scan(&id)
	return id.Int64, err
}
