package search

import (
	"strconv"

	"github.com/kefuhq/kefu/internal/storage"
)

// Newest is a subquery over index alone: the ids (column id) of the rows matching q, newest
// first, below the id below when it is positive, at most limit of them; with scored, also
// their score (column score, larger is better). A search reads matches through such windows,
// so its work is bounded by the window and never by how few of the matches the searcher may
// open: a pre-sales agent searching 退款 must not walk every refund in the archive to learn
// that none is theirs.
func Newest(d storage.Dialect, index string, q Query, below int64, limit int, scored bool, arg func(any) string) string {
	if d == storage.Postgres {
		p := arg(q.TSQuery())
		key := "sx." + keyColumn(index)
		s := "SELECT " + key + " AS id"
		if scored {
			s += ", ts_rank(sx.tokens, " + p + "::tsquery) AS score"
		}
		s += " FROM " + index + " sx WHERE sx.tokens @@ " + p + "::tsquery"
		if below > 0 {
			s += " AND " + key + " < " + arg(below)
		}
		return s + " ORDER BY " + key + " DESC LIMIT " + strconv.Itoa(limit)
	}
	s := "SELECT rowid AS id"
	if scored {
		s += ", -bm25(" + index + ") AS score"
	}
	s += " FROM " + index + " WHERE " + index + " MATCH " + arg(q.FTS5())
	if below > 0 {
		s += " AND rowid < " + arg(below)
	}
	return s + " ORDER BY rowid DESC LIMIT " + strconv.Itoa(limit)
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
