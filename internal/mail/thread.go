package mail

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
)

// findThread returns the number of the ticket a mail continues, 0 for a new request. In
// order of trust:
//  1. In-Reply-To and References naming a mail we sent or received on a ticket (the newest
//     reference first: it is the message being answered);
//  2. the ticket token "[#10001]" in the subject;
//  3. plus-addressing: support+10001@example.com, where support@example.com is ours.
func findThread(ctx context.Context, q storage.Querier, m *parse.Message, ours []string) (int64, error) {
	refs := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		refs = append(refs, m.References[i])
	}
	seen := map[string]bool{}
	for _, r := range refs {
		r = normalizeMessageID(r)
		if r == "" || seen[r] || len(seen) >= 30 {
			continue
		}
		seen[r] = true
		n, err := ticketOfMessageID(ctx, q, r)
		if err != nil || n != 0 {
			return n, err
		}
	}
	if n, ok := parse.TicketNumber(m.Subject); ok {
		if ok, err := ticketExists(ctx, q, n); err != nil || ok {
			return n, err
		}
	}
	for _, a := range slices.Concat(m.To, m.Cc) {
		if n, ok := plusNumber(a.Email, ours); ok {
			if ok, err := ticketExists(ctx, q, n); err != nil || ok {
				return n, err
			}
		}
	}
	return 0, nil
}

// normalizeMessageID is the form Message-IDs are stored and compared in: without the angle
// brackets and surrounding space. The local part is case-sensitive, so case is kept.
func normalizeMessageID(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "<>"))
}

func ticketOfMessageID(ctx context.Context, q storage.Querier, id string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT t.number FROM mail_outbox o JOIN tickets t ON t.id = o.ticket_id WHERE o.message_id = $1
		UNION ALL
		SELECT t.number FROM mail_messages mm JOIN tickets t ON t.id = mm.ticket_id WHERE mm.message_id = $1
		LIMIT 1`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

func ticketExists(ctx context.Context, q storage.Querier, number int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM tickets WHERE number = $1`, number).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// plusNumber reads the ticket number of support+10001@example.com when
// support@example.com is one of our addresses.
func plusNumber(addr string, ours []string) (int64, bool) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return 0, false
	}
	base, tag, ok := strings.Cut(local, "+")
	if !ok || !slices.Contains(ours, base+"@"+domain) {
		return 0, false
	}
	n, err := strconv.ParseInt(tag, 10, 64)
	return n, err == nil && n > 0
}
