package storage

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// InList is the placeholder list "$1, $2, …" for ids, with the ids as arguments, for
// WHERE … IN (…) on either engine.
func InList(ids []int64) (string, []any) {
	var b strings.Builder
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+1))
		args[i] = id
	}
	return b.String(), args
}

// PlanEachTime marks a query's arguments so that PostgreSQL plans it with those very values
// every time it runs, instead of settling on a generic plan for its prepared statement after
// five runs. For queries whose best plan depends on the values: a search window on a rare word
// wants the full-text index, while the generic plan, blind to the word, walks the primary key
// backwards through every message (800 ms against 15 ms, measured). The description of the
// statement stays cached, so it costs no extra round trip. On SQLite it changes nothing.
func PlanEachTime(d Dialect, args []any) []any {
	if d != Postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}
