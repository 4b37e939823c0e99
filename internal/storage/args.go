package storage

import (
	"strconv"
	"strings"
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
