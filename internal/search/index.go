package search

import (
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/storage"
)

// Indexes: what is searched. Each row is keyed by the id of what it indexes.
const (
	Messages  = "message_index"  // a message's text; the first message also carries the ticket subject
	Customers = "customer_index" // a customer's name, organization, emails and phone endings
)

func keyColumn(index string) string {
	if index == Customers {
		return "customer_id"
	}
	return "message_id"
}

// Put indexes text under id in the command's transaction, replacing what was there.
//
// Index writes happen at the end of the transaction (storage.Tx.BeforeCommit), so they are
// seen by searches once the command commits, not by the command itself.
func Put(tx *storage.Tx, index string, id int64, text string) error {
	if err := Delete(tx, index, id); err != nil {
		return err
	}
	return Add(tx, index, id, text)
}

// Add indexes a row that is not in the index yet (one just inserted): Put without the delete.
func Add(tx *storage.Tx, index string, id int64, text string) error {
	tx.BeforeCommit(storage.StageSearch, func() error { return add(tx, index, id, text) })
	return nil
}

func add(tx *storage.Tx, index string, id int64, text string) error {
	ctx := tx.Context()
	var err error
	switch {
	case tx.Dialect() == storage.Postgres && index == Messages:
		// The row carries its message's ticket (Newest); a trigger follows the message when it
		// moves to another ticket (merge, split).
		_, err = tx.ExecContext(ctx, `INSERT INTO message_index (message_id, ticket_id, tokens)
			SELECT id, ticket_id, $2::tsvector FROM messages WHERE id = $1`, id, MessageVector(id, text))
	case tx.Dialect() == storage.Postgres:
		_, err = tx.ExecContext(ctx, `INSERT INTO `+index+` (`+keyColumn(index)+`, tokens) VALUES ($1, $2::tsvector)`, id, TSVector(text))
	default:
		_, err = tx.ExecContext(ctx, `INSERT INTO `+index+` (rowid, tokens) VALUES ($1, $2)`, id, IndexText(text))
	}
	if err != nil {
		return fmt.Errorf("index %s %d: %w", index, id, err)
	}
	return nil
}

// Delete removes id from an index.
func Delete(tx *storage.Tx, index string, id int64) error {
	tx.BeforeCommit(storage.StageSearch, func() error { return remove(tx, index, id) })
	return nil
}

func remove(tx *storage.Tx, index string, id int64) error {
	col := "rowid"
	if tx.Dialect() == storage.Postgres {
		col = keyColumn(index)
	}
	if _, err := tx.ExecContext(tx.Context(), `DELETE FROM `+index+` WHERE `+col+` = $1`, id); err != nil {
		return fmt.Errorf("unindex %s %d: %w", index, id, err)
	}
	return nil
}

// Match is the SQL that finds matches of q in an index, for a query that already selects
// from the indexed table under alias: it adds a join (From), a condition (Where) and the key
// column to order by, newest first (Key). arg adds a query argument and returns its
// placeholder.
type Match struct {
	From, Where, Key string
	// Score ranks a match, larger is better: bm25 on SQLite, ts_rank on PostgreSQL.
	Score string
}

// MatchSQL builds the Match of q in index for rows of the indexed table aliased alias.
func MatchSQL(d storage.Dialect, index, alias string, q Query, arg func(any) string) Match {
	if d == storage.Postgres {
		p := arg(q.TSQuery())
		return Match{
			From:  " JOIN " + index + " sx ON sx." + keyColumn(index) + " = " + alias + ".id",
			Where: "sx.tokens @@ " + p + "::tsquery",
			Key:   "sx." + keyColumn(index),
			Score: "ts_rank(sx.tokens, " + p + "::tsquery)",
		}
	}
	// FTS5 wants its own table name (not an alias) for MATCH and bm25.
	return Match{
		From:  " JOIN " + index + " ON " + index + ".rowid = " + alias + ".id",
		Where: index + " MATCH " + arg(q.FTS5()),
		Key:   index + ".rowid",
		Score: "-bm25(" + index + ")",
	}
}

// PhoneEndings are the searchable endings of a phone number: its last 4, 5, … digits, so
// that "5678" or "12345678" finds +8613812345678.
func PhoneEndings(phone string) []string {
	d := strings.TrimPrefix(phone, "+")
	out := make([]string, 0, len(d))
	for n := 4; n <= len(d); n++ {
		out = append(out, d[len(d)-n:])
	}
	return out
}
