package search

import (
	"strconv"

	"github.com/kefuhq/kefu/internal/storage"
)

// Newest is a subquery over the message index: the messages matching q in the span s (one
// step of Walk), newest first, at most limit of them, as columns id (the message's) and
// ticket_id; with scored, also score (larger is better). A search reads matches through such
// windows, so its work is bounded by the window and never by how few of the matches the
// searcher may open: a pre-sales agent searching 退款 must not walk every refund in the
// archive to learn that none is theirs.
//
// On PostgreSQL the index row carries its message's ticket id (migration 0012), which spares
// a lookup in messages for each of the window's rows, a third of a window's time there.
func Newest(d storage.Dialect, q Query, span Span, limit int, scored bool, arg func(any) string) string {
	if d == storage.Postgres {
		s := "SELECT sx.message_id AS id, sx.ticket_id AS ticket_id"
		if scored {
			s += ", ts_rank(sx.tokens, " + arg(q.TSQuery()) + "::tsquery) AS score"
		}
		match := q.TSQuery()
		if span.Hi > 0 {
			match = "(" + match + ") & " + span.buckets()
		}
		s += " FROM " + Messages + " sx WHERE sx.tokens @@ " + arg(match) + "::tsquery"
		if span.Hi > 0 {
			s += " AND sx.message_id < " + arg(span.Hi)
		}
		return s + " ORDER BY sx.message_id DESC LIMIT " + strconv.Itoa(limit)
	}
	s := "SELECT rowid AS id"
	if scored {
		s += ", -bm25(" + Messages + ") AS score"
	}
	s += " FROM " + Messages + " WHERE " + Messages + " MATCH " + arg(q.FTS5())
	if span.Lo > 0 {
		s += " AND rowid >= " + arg(span.Lo)
	}
	if span.Hi > 0 {
		s += " AND rowid < " + arg(span.Hi)
	}
	s += " ORDER BY rowid DESC LIMIT " + strconv.Itoa(limit)
	cols := "w.id AS id, m.ticket_id AS ticket_id"
	if scored {
		cols += ", w.score AS score"
	}
	return "SELECT " + cols + " FROM (" + s + ") w JOIN messages m ON m.id = w.id"
}

// Contains is a condition that the row whose id is the SQL expression id matches q: one
// probe of the index, for searches confined to a few rows (one customer's tickets).
func Contains(d storage.Dialect, index, id string, q Query, arg func(any) string) string {
	if d == storage.Postgres {
		return "EXISTS (SELECT 1 FROM " + index + " sx WHERE sx." + keyColumn(index) + " = " + id +
			" AND sx.tokens @@ " + arg(q.TSQuery()) + "::tsquery)"
	}
	return id + " IN (SELECT rowid FROM " + index + " WHERE " + index + " MATCH " + arg(q.FTS5()) + " AND rowid = " + id + ")"
}
