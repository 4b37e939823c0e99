package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/auth"
)

// CountUpTo counts the tickets the actor may see that match f, but stops at max: an inbox
// shows "1,000+" rather than paying for a full count of a million rows. more is true when
// there are more than max. The filter's sort, order, cursor and limit are ignored.
func (s *Service) CountUpTo(ctx context.Context, a auth.Actor, f Filter, max int) (n int, more bool, err error) {
	if max < 1 {
		max = 1
	}
	f.at = s.now()
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// One bounded query per visibility branch (see branches.go), united: if the union holds
	// more than max tickets, the bounded branches still hold more than max between them.
	var parts []string
	for _, b := range branches(a) {
		if b.contradicts(f) {
			continue
		}
		var where []string
		if w := b.where(arg); w != "" {
			where = append(where, w)
		}
		where = append(where, filterConditions(f, 0, arg)...)
		q := "SELECT t.id FROM tickets t"
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		parts = append(parts, "SELECT id FROM ("+q+" LIMIT "+strconv.Itoa(max+1)+") b"+strconv.Itoa(len(parts)))
	}
	if len(parts) == 0 {
		return 0, false, nil
	}
	q := "SELECT count(*) FROM (" + strings.Join(parts, " UNION ") + ") bounded"
	if err := s.db.Read().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("count tickets: %w", err)
	}
	if n > max {
		return max, true, nil
	}
	return n, false, nil
}
