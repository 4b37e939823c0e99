package mail

import (
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/mail/parse"
)

// defaultIngestLanes is how many transactions one PostgreSQL node runs side by side to
// ingest a batch (Options.IngestLanes). A mail costs a few dozen statements, each a round
// trip; lanes overlap the waits.
const defaultIngestLanes = 4

// splitLanes divides a batch (in the order it was stored) into at most n lanes that can
// commit side by side without changing how any mail is threaded or recognised as a
// duplicate (only the numbers new tickets get may come in another order): mails that could
// affect each other go to the same lane, in their order. Two mails are related when one names the other's
// Message-ID (In-Reply-To, References), when they name a common Message-ID (one thread),
// share a sender (one customer, created once), carry the same ticket token, or have the
// same Message-ID (copies: the second must see the first as a duplicate). Mails of earlier
// batches are committed before a batch starts, so only relations inside a batch matter.
//
// A ticket token ("[#10001]") or plus-address may name a ticket that a mail of this very
// batch creates, and nothing else ties the two together: groups with such a mail are
// returned in after, to run once the lanes have committed.
func splitLanes(ps []prepared, n int) (lanes [][]prepared, after []prepared) {
	if n <= 1 || len(ps) <= 1 {
		return [][]prepared{ps}, nil
	}
	parent := make([]int, len(ps))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{} // a key → the first mail that had it
	join := func(i int, key string) {
		if key == "" {
			return
		}
		if j, ok := owner[key]; ok {
			parent[find(i)] = find(j)
			return
		}
		owner[key] = i
	}
	for i, p := range ps {
		for _, k := range laneKeys(p.msg) {
			join(i, k)
		}
	}
	deferred := map[int]bool{} // group roots with a ticket token or plus-address
	for i, p := range ps {
		for _, k := range laneKeys(p.msg) {
			if strings.HasPrefix(k, "ticket:") || strings.HasPrefix(k, "to:") {
				deferred[find(i)] = true
			}
		}
	}
	lanes = make([][]prepared, n)
	laneOf := map[int]int{} // group root → lane
	for i, p := range ps {
		root := find(i)
		if deferred[root] {
			after = append(after, p)
			continue
		}
		l, ok := laneOf[root]
		if !ok {
			l = 0 // the lane with the fewest mails so far
			for k := range lanes {
				if len(lanes[k]) < len(lanes[l]) {
					l = k
				}
			}
			laneOf[root] = l
		}
		lanes[l] = append(lanes[l], p)
	}
	out := lanes[:0]
	for _, l := range lanes {
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	return out, after
}

// laneKeys are the keys that relate a mail to others of its batch.
func laneKeys(m *parse.Message) []string {
	if m == nil {
		return nil
	}
	var keys []string
	if id := normalizeMessageID(m.MessageID); id != "" {
		keys = append(keys, "id:"+id)
	}
	for _, a := range append([]parse.Address{m.From}, m.ReplyTo...) {
		if e := strings.ToLower(a.Email); e != "" {
			keys = append(keys, "from:"+e) // one customer; one acknowledgement an hour
		}
	}
	for _, r := range append(append([]string{}, m.InReplyTo...), m.References...) {
		if r = normalizeMessageID(r); r != "" {
			keys = append(keys, "id:"+r)
		}
	}
	if n, ok := parse.TicketNumber(m.Subject); ok {
		keys = append(keys, "ticket:"+strconv.FormatInt(n, 10))
	}
	for _, a := range append(append([]parse.Address{}, m.To...), m.Cc...) {
		if e := strings.ToLower(a.Email); strings.Contains(e, "+") {
			keys = append(keys, "to:"+e) // support+10001@…: the ticket in the address
		}
	}
	return keys
}
