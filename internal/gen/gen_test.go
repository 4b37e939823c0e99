package gen

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

var testNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func count(t *testing.T, db *storage.DB, query string, args ...any) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n.Int64
}

// schemaIndexes lists every index of the schema with its definition.
func schemaIndexes(t *testing.T, db *storage.DB) []string {
	t.Helper()
	q := `SELECT name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name`
	if db.Dialect() == storage.Postgres {
		q = `SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`
	}
	rows, err := db.Read().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// digest hashes the generated content (not the ids, which depend on the database).
func digest(t *testing.T, db *storage.DB) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT t.number, t.subject, t.type, t.subtype, t.status, t.priority, t.channel, c.name, t.preview, t.message_count,
			t.created_at, t.updated_at, COALESCE(t.first_response_at, 0), COALESCE(t.resolved_at, 0), COALESCE(t.closed_at, 0),
			COALESCE(a.email, ''), COALESCE(o.email, '')
		FROM tickets t JOIN customers c ON c.id = t.customer_id
		LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN users o ON o.id = t.owner_id ORDER BY t.number`,
		`SELECT t.number, m.kind, m.author_kind, m.body_text, m.created_at FROM messages m JOIN tickets t ON t.id = m.ticket_id ORDER BY m.id`,
		`SELECT i.kind, i.value, c.name, c.tier, c.stage, c.created_at FROM customer_identities i JOIN customers c ON c.id = i.customer_id ORDER BY i.id`,
	} {
		rows, err := db.Read().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, vals...)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestGenerate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		before := schemaIndexes(t, db)
		opt := Options{Tickets: 2000, MessagesPerTicket: 3, Seed: 7, Now: testNow}
		sum, err := Run(ctx, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		nowMS := testNow.UnixMilli()

		checks := []struct {
			name  string
			query string
			want  int64
		}{
			{"tickets", `SELECT count(*) FROM tickets`, 2000},
			{"customers", `SELECT count(*) FROM customers`, 400},
			{"messages", `SELECT count(*) FROM messages`, int64(sum.Messages)},
			{"message_count total", `SELECT sum(message_count) FROM tickets`, int64(sum.Messages)},
			{"first number", `SELECT min(number) FROM tickets`, 10001},
			{"numbers contiguous", `SELECT max(number) - min(number) + 1 FROM tickets`, 2000},
			{"numbers unique", `SELECT count(DISTINCT number) FROM tickets`, 2000},
			{"message_count per ticket", `SELECT count(*) FROM tickets t
				WHERE message_count <> (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id)`, 0},
			{"created event per ticket", `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM events e
				WHERE e.subject_kind = 'ticket' AND e.subject_id = t.id AND e.action = 'created' AND e.field = 'status'
				AND e.new_value = 'new' AND e.actor_kind = 'system' AND e.created_at = t.created_at)`, 0},
			{"created event per customer", `SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM events e
				WHERE e.subject_kind = 'customer' AND e.subject_id = c.id AND e.action = 'created')`, 0},
			{"ticket events", `SELECT count(*) FROM events WHERE subject_kind = 'ticket'`, 2000},
			{"every customer reachable", `SELECT count(*) FROM customers c
				WHERE NOT EXISTS (SELECT 1 FROM customer_identities i WHERE i.customer_id = c.id)`, 0},
			{"identities unique", `SELECT count(*) - count(DISTINCT kind || ':' || value) FROM customer_identities`, 0},
			{"emails valid", `SELECT count(*) FROM customer_identities WHERE kind = 'email' AND (value NOT LIKE '_%@_%._%' OR value <> lower(value))`, 0},
			{"phones valid", `SELECT count(*) FROM customer_identities WHERE kind = 'phone' AND (value NOT LIKE '+%' OR length(value) < 12)`, 0},
			{"messages after their ticket", `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
				WHERE m.created_at < t.created_at OR m.created_at > t.updated_at`, 0},
			{"messages in order", `SELECT count(*) FROM messages a JOIN messages b ON b.ticket_id = a.ticket_id AND b.id = a.id + 1
				WHERE b.created_at <= a.created_at`, 0},
			{"nothing in the future", `SELECT count(*) FROM tickets WHERE updated_at > $1 OR created_at < $2`, 0},
			{"tickets after their customer", `SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id
				WHERE t.created_at < c.created_at`, 0},
			{"first message is the customer's at creation", `SELECT count(*) FROM tickets t JOIN messages m
				ON m.id = (SELECT min(id) FROM messages WHERE ticket_id = t.id)
				WHERE m.author_kind <> 'customer' OR m.created_at <> t.created_at`, 0},
			{"customer authors", `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
				WHERE m.author_kind = 'customer' AND (m.author_customer_id IS DISTINCT FROM t.customer_id OR m.author_user_id IS NOT NULL OR m.kind <> 'reply')`, 0},
			{"agent authors", `SELECT count(*) FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
				WHERE m.author_kind = 'agent' AND (u.id IS NULL OR u.role NOT IN ('agent', 'supervisor') OR m.author_customer_id IS NOT NULL)`, 0},
			{"resolved tickets have resolved_at", `SELECT count(*) FROM tickets
				WHERE (status IN ('resolved', 'closed')) <> (resolved_at IS NOT NULL)`, 0},
			{"closed tickets have closed_at", `SELECT count(*) FROM tickets WHERE (status = 'closed') <> (closed_at IS NOT NULL)`, 0},
			{"pending_department has a department", `SELECT count(*) FROM tickets WHERE status = 'pending_department' AND department_id IS NULL`, 0},
			{"new tickets have no agent reply", `SELECT count(*) FROM tickets WHERE status = 'new' AND last_agent_message_at IS NOT NULL`, 0},
			{"first response is the first agent reply", `SELECT count(*) FROM tickets t WHERE first_response_at IS DISTINCT FROM
				(SELECT min(created_at) FROM messages m WHERE m.ticket_id = t.id AND m.author_kind = 'agent' AND m.kind = 'reply')`, 0},
			{"last customer message", `SELECT count(*) FROM tickets t WHERE last_customer_message_at IS DISTINCT FROM
				(SELECT max(created_at) FROM messages m WHERE m.ticket_id = t.id AND m.author_kind = 'customer')`, 0},
			{"last agent message", `SELECT count(*) FROM tickets t WHERE last_agent_message_at IS DISTINCT FROM
				(SELECT max(created_at) FROM messages m WHERE m.ticket_id = t.id AND m.author_kind = 'agent' AND m.kind = 'reply')`, 0},
			{"owner is the first agent who acted", `SELECT count(*) FROM tickets t WHERE t.channel <> 'phone' AND owner_id IS DISTINCT FROM
				(SELECT author_user_id FROM messages m WHERE m.ticket_id = t.id AND m.author_kind = 'agent' ORDER BY m.id LIMIT 1)`, 0},
			{"assignees serve the ticket's team", `SELECT count(*) FROM tickets t WHERE assignee_id IS NOT NULL AND NOT EXISTS
				(SELECT 1 FROM team_members tm WHERE tm.team_id = t.team_id AND tm.user_id = t.assignee_id)`, 0},
			{"message counts vary 1..5", `SELECT count(*) FROM tickets WHERE message_count < 1 OR message_count > 5`, 0},
			{"orphan messages", `SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = m.ticket_id)`, 0},
			{"orphan ticket tags", `SELECT count(*) FROM ticket_tags x WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = x.ticket_id)
				OR NOT EXISTS (SELECT 1 FROM tags g WHERE g.id = x.tag_id)`, 0},
			{"dropped-index record cleared", `SELECT count(*) FROM settings WHERE key = 'gen.dropped_indexes'`, 0},
		}
		for _, c := range checks {
			args := []any{}
			if strings.Contains(c.query, "$1") {
				args = append(args, nowMS, nowMS-windowDays*dayMS)
			}
			if got := count(t, db, c.query, args...); got != c.want {
				t.Errorf("%s: got %d, want %d", c.name, got, c.want)
			}
		}
		if sum.Tickets != 2000 || sum.Customers != 400 || sum.FirstNumber != 10001 || sum.LastNumber != 12000 {
			t.Errorf("summary %+v", sum)
		}
		if avg := float64(sum.Messages) / 2000; avg < 2.7 || avg > 3.3 {
			t.Errorf("%.2f messages per ticket on average, want about 3", avg)
		}

		// Realistic shape: most tickets are done, some are still being worked.
		var done, working int64
		done = count(t, db, `SELECT count(*) FROM tickets WHERE status IN ('resolved', 'closed')`)
		working = count(t, db, `SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'pending_customer', 'pending_department')`)
		if done < 1800 || working == 0 {
			t.Errorf("%d tickets done, %d in progress", done, working)
		}
		if n := count(t, db, `SELECT count(*) FROM tickets WHERE created_at > $1`, nowMS-182*dayMS); n < 1100 {
			t.Errorf("%d of 2000 tickets in the last half year, want more recent than old", n)
		}

		// The search indexes hold every message and customer, with the app's tokens.
		if n := count(t, db, `SELECT count(*) FROM message_index`); n != int64(sum.Messages) {
			t.Errorf("message_index has %d rows, want %d", n, sum.Messages)
		}
		if n := count(t, db, `SELECT count(*) FROM customer_index`); n != 400 {
			t.Errorf("customer_index has %d rows, want 400", n)
		}
		checkSearch(t, db)

		// The schema is as it was: every index is back, with the same definition.
		if after := schemaIndexes(t, db); !slices.Equal(before, after) {
			t.Errorf("indexes changed:\nbefore %v\nafter  %v", before, after)
		}
		if db.Dialect() == storage.SQLite {
			if n := count(t, db, `SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
				t.Errorf("%d foreign key violations", n)
			}
		}

		// The app works on the data: lists, reads, and numbers, ids and sequences continue.
		svc := ticket.NewService(ticket.Options{DB: db, Customers: customer.NewService(db, nil)})
		page, err := svc.List(ctx, auth.System(), ticket.Filter{Statuses: []string{"open"}, Limit: 5})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("list open tickets: %v %v", page, err)
		}
		got, err := svc.Get(ctx, auth.System(), page.Items[0].Number)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := svc.Messages(ctx, auth.System(), got.Number, 0, 100)
		if err != nil || len(msgs) != got.MessageCount {
			t.Errorf("messages of #%d: %d (err %v), message_count %d", got.Number, len(msgs), err, got.MessageCount)
		}
		if _, err := svc.AddMessage(ctx, auth.System(), got.Number, ticket.MessageInput{Author: "customer", Body: "还在吗？"}); err != nil {
			t.Errorf("add a message to a generated ticket: %v", err)
		}
		created, err := svc.Create(ctx, auth.System(), ticket.CreateInput{Subject: "新工单", Customer: ticket.CustomerRef{Email: "new.customer@example.com"},
			Message: &ticket.MessageInput{Author: "customer", Body: "你好"}})
		if err != nil {
			t.Fatalf("create a ticket after gen: %v", err)
		}
		if created.Number != 12001 {
			t.Errorf("next ticket number %d, want 12001", created.Number)
		}

		// A second run appends: numbers continue, the same staff serve.
		sum2, err := Run(ctx, db, Options{Tickets: 500, MessagesPerTicket: 3, Seed: 7, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if sum2.FirstNumber != 12002 || sum2.LastNumber != 12501 || sum2.UsersCreated != 0 || sum2.Customers != 100 {
			t.Errorf("second run: %+v", sum2)
		}
		for _, c := range []struct {
			name  string
			query string
			want  int64
		}{
			{"tickets", `SELECT count(*) FROM tickets`, 2501},
			{"numbers", `SELECT count(DISTINCT number) FROM tickets WHERE number BETWEEN 10001 AND 12501`, 2501},
			{"identities unique", `SELECT count(*) - count(DISTINCT kind || ':' || value) FROM customer_identities`, 0},
			{"customers reachable", `SELECT count(*) FROM customers c
				WHERE NOT EXISTS (SELECT 1 FROM customer_identities i WHERE i.customer_id = c.id)`, 0},
			{"message_count per ticket", `SELECT count(*) FROM tickets t
				WHERE message_count <> (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id)`, 0},
		} {
			if got := count(t, db, c.query); got != c.want {
				t.Errorf("after the second run, %s: got %d, want %d", c.name, got, c.want)
			}
		}
		if after := schemaIndexes(t, db); !slices.Equal(before, after) {
			t.Errorf("indexes changed by the second run")
		}
		if created, err := svc.Create(ctx, auth.System(), ticket.CreateInput{Subject: "再来一个", Customer: ticket.CustomerRef{Phone: "13900000001"},
			Message: &ticket.MessageInput{Author: "customer", Body: "你好"}}); err != nil || created.Number != 12502 {
			t.Errorf("create after the second run: %v, %v", created, err)
		}

		// The same seed gives the same content.
		other := testutil.NewDB(t, db.Dialect())
		if _, err := Run(ctx, other, opt); err != nil {
			t.Fatal(err)
		}
		third := testutil.NewDB(t, db.Dialect())
		if _, err := Run(ctx, third, opt); err != nil {
			t.Fatal(err)
		}
		if a, b := digest(t, other), digest(t, third); a != b {
			t.Errorf("same seed, different content")
		}
		fourth := testutil.NewDB(t, db.Dialect())
		if _, err := Run(ctx, fourth, Options{Tickets: 2000, MessagesPerTicket: 3, Seed: 8, Now: testNow, KeepIndexes: true}); err != nil {
			t.Fatal(err)
		}
		if a, b := digest(t, other), digest(t, fourth); a == b {
			t.Errorf("different seeds, same content")
		}
		if n := count(t, fourth, `SELECT count(*) FROM tickets`); n != 2000 {
			t.Errorf("kept indexes: %d tickets", n)
		}
	})
}

// checkSearch finds sample messages and customers through the search indexes, as the app
// searches, and on PostgreSQL compares the stored tsvectors with search.TSVector's.
func checkSearch(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Read().QueryContext(ctx, `SELECT m.id, m.body_text, t.subject,
			m.id = (SELECT min(f.id) FROM messages f WHERE f.ticket_id = m.ticket_id)
		FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id % 97 = 0 ORDER BY m.id`)
	if err != nil {
		t.Fatal(err)
	}
	type sampleMsg struct {
		id          int64
		text        string
		first       bool
		subjectText string
	}
	var msgs []sampleMsg
	for rows.Next() {
		var m sampleMsg
		if err := rows.Scan(&m.id, &m.text, &m.subjectText, &m.first); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	if len(msgs) < 20 {
		t.Fatalf("only %d sample messages", len(msgs))
	}
	for _, m := range msgs {
		indexed := m.text
		if m.first {
			indexed = m.subjectText + "\n" + m.text
		}
		// The message's own words, and for first messages the subject's, find it.
		for _, words := range []string{m.text, m.subjectText} {
			if words == m.subjectText && !m.first {
				continue
			}
			q, err := search.Parse(firstWords(words))
			if err != nil {
				t.Fatal(err)
			}
			var query string
			var arg any
			if db.Dialect() == storage.Postgres {
				query, arg = `SELECT count(*) FROM message_index WHERE message_id = $1 AND tokens @@ $2::tsquery`, q.TSQuery()
			} else {
				query, arg = `SELECT count(*) FROM message_index WHERE rowid = $1 AND message_index MATCH $2`, q.FTS5()
			}
			if n := count(t, db, query, m.id, arg); n != 1 {
				t.Errorf("message %d not found by %q", m.id, words)
			}
		}
		if db.Dialect() == storage.Postgres {
			// As text: the canonical form (lexemes sorted, with their positions). Equality of the
			// values themselves also compares how COPY laid out the position-less bucket lexemes.
			var got, want string
			if err := db.Read().QueryRowContext(ctx, `SELECT tokens::text, $2::tsvector::text FROM message_index WHERE message_id = $1`,
				m.id, search.MessageVector(m.id, indexed)).Scan(&got, &want); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("message %d: tsvector differs from search.MessageVector:\n%s\n%s", m.id, got, want)
			}
		}
	}
	// Customers by a phone number's last digits and by email address, through the service.
	var id int64
	var phone, email string
	if err := db.Read().QueryRowContext(ctx, `SELECT c.id, p.value, e.value FROM customers c
		JOIN customer_identities p ON p.customer_id = c.id AND p.kind = 'phone'
		JOIN customer_identities e ON e.customer_id = c.id AND e.kind = 'email' ORDER BY c.id DESC LIMIT 1`).Scan(&id, &phone, &email); err != nil {
		t.Fatal(err)
	}
	svc := customer.NewService(db, nil)
	for _, q := range []string{phone[len(phone)-6:], email} {
		page, err := svc.List(ctx, auth.System(), customer.Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(page.Items, func(c *customer.Customer) bool { return c.ID == id }) {
			t.Errorf("customer %d not found by %q (%d results)", id, q, len(page.Items))
		}
	}
}

// firstWords is the beginning of a text a person might search for: its first few words.
func firstWords(s string) string {
	f := strings.Fields(s)
	out := ""
	for i, w := range f {
		if i == 3 || utf8.RuneCountInString(out+w) > 100 {
			break
		}
		out += w + " "
	}
	if out == "" {
		return string([]rune(s)[:min(20, utf8.RuneCountInString(s))])
	}
	return out
}

func TestUniqueIdentities(t *testing.T) {
	tests := []struct {
		name, in string
		id       int64
		want     string
	}{
		{"digits replaced", "zhangwei1988@163.com", 18734, "zhangwei18734@163.com"},
		{"no digits", "wei.zhang@yunfan-tech.com", 5, "wei.zhang5@yunfan-tech.com"},
		{"underscore year", "zw_198837@sina.com", 42, "zw_42@sina.com"},
		{"qq number", "123456789@qq.com", 1, "654535761@qq.com"},
		{"english", "emily.carter77@gmail.com", 900001, "emily.carter900001@gmail.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uniqueEmail(tt.in, tt.id); got != tt.want {
				t.Errorf("uniqueEmail(%q, %d) = %q, want %q", tt.in, tt.id, got, tt.want)
			}
		})
	}
	// Injective whatever the generated address or number was.
	seen := map[string]int64{}
	r := rand.New(rand.NewPCG(1, 2))
	locals := []string{"zhangwei", "zhangwei1", "12345", "li.na", "a_"}
	phones := []string{"+8613812345678", "+12025550123", "+447700900123"}
	for id := int64(1); id <= 200000; id++ {
		for _, v := range []string{
			uniqueEmail(locals[r.IntN(len(locals))]+"@qq.com", id),
			uniquePhone(phones[r.IntN(len(phones))], id),
		} {
			if prev, ok := seen[v]; ok {
				t.Fatalf("%q for ids %d and %d", v, prev, id)
			}
			seen[v] = id
		}
	}
	if got := uniquePhone("+8613812345678", 1); len(got) != len("+8613812345678") || !strings.HasPrefix(got, "+86138") {
		t.Errorf("uniquePhone kept no prefix: %q", got)
	}
}

func TestCurve(t *testing.T) {
	now := testNow.UnixMilli()
	c := newCurve(now)
	tests := []struct {
		name string
		n    int
	}{{"few", 3}, {"some", 1000}, {"many", 100000}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := int64(0)
			recent := 0
			for i := 0; i < tt.n; i++ {
				at := c.ticketTime(i, tt.n)
				if at < prev || at < now-windowDays*dayMS || at >= now {
					t.Fatalf("ticket %d at %d (previous %d, now %d)", i, at, prev, now)
				}
				if at > now-30*dayMS {
					recent++
				}
				prev = at
			}
			// The last month has well above 1/12 of the year's tickets.
			if tt.n >= 1000 && recent*12 < tt.n*13/10 {
				t.Errorf("%d of %d tickets in the last 30 days", recent, tt.n)
			}
		})
	}
	// Nights are quiet: fewer tickets at 3 a.m. than at 10 a.m. Beijing time.
	byHour := [24]int{}
	for i := 0; i < 100000; i++ {
		byHour[time.UnixMilli(c.ticketTime(i, 100000)).In(beijing).Hour()]++
	}
	if byHour[3]*5 > byHour[10] {
		t.Errorf("3 a.m. %d tickets, 10 a.m. %d", byHour[3], byHour[10])
	}
}

func TestTSVector(t *testing.T) {
	long := strings.Repeat("退款 refund 物流 ", 6000) // past 256 positions per lexeme and position 16383
	tests := []struct{ name, text string }{
		{"chinese", "您好，我买的空调不制冷，订单号 2026112012345，麻烦尽快处理。"},
		{"english", "Hi, my fridge (model BCD-520) stopped cooling. It's the second time!"},
		{"quotes", `it's a "test" with \ backslash`},
		{"repeats", "退款 退款 退款 refund refund"},
		{"long", long},
		{"empty", ""},
	}
	var tb tsvBuilder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = 4984961
			var want pgtype.TSVector
			if err := want.Scan(search.MessageVector(id, tt.text)); err != nil {
				t.Fatal(err)
			}
			got := tb.message(id, tt.text)
			if len(got.Lexemes) != len(want.Lexemes) {
				t.Fatalf("%d lexemes, want %d", len(got.Lexemes), len(want.Lexemes))
			}
			for i := range got.Lexemes {
				g, w := got.Lexemes[i], want.Lexemes[i]
				same := slices.EqualFunc(g.Positions, w.Positions, func(a, b pgtype.TSVectorPosition) bool {
					return a.Position == b.Position && (a.Weight == b.Weight || a.Weight == 0 && b.Weight == pgtype.TSVectorWeightD)
				})
				if g.Word != w.Word || !same {
					t.Fatalf("lexeme %d: %v, want %v", i, g, w)
				}
			}
		})
	}
}

// cancelWriter cancels a context on the first progress line it is given.
type cancelWriter struct{ cancel context.CancelFunc }

func (w cancelWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "rows/s now") {
		w.cancel()
	}
	return len(p), nil
}

func TestInterrupted(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		before := schemaIndexes(t, db)
		tests := []struct {
			name string
			// interrupt returns the context Run gets and the writer for its progress.
			interrupt func(t *testing.T) (context.Context, io.Writer)
			wantErr   bool
		}{
			{"left dropped by a crashed run", func(t *testing.T) (context.Context, io.Writer) {
				// What a run killed during its load leaves: indexes dropped, and the record.
				var e engine = &sqliteEngine{}
				if db.Dialect() == storage.Postgres {
					e = &pgEngine{db: db}
				}
				err := db.WriteConn(context.Background(), func(c *sql.Conn) error {
					tx, err := c.BeginTx(context.Background(), nil)
					if err != nil {
						return err
					}
					defer tx.Rollback()
					idx, err := e.indexes(context.Background(), tx)
					if err != nil {
						return err
					}
					if err := dropIndexes(context.Background(), tx, idx); err != nil {
						return err
					}
					return tx.Commit()
				})
				if err != nil {
					t.Fatal(err)
				}
				if after := schemaIndexes(t, db); slices.Equal(before, after) {
					t.Fatal("no index dropped")
				}
				return context.Background(), nil
			}, false},
			{"cancelled before it starts", func(t *testing.T) (context.Context, io.Writer) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, nil
			}, true},
			{"cancelled during the load", func(t *testing.T) (context.Context, io.Writer) {
				ctx, cancel := context.WithCancel(context.Background())
				return ctx, cancelWriter{cancel}
			}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, w := tt.interrupt(t)
				_, err := Run(ctx, db, Options{Tickets: 3000, MessagesPerTicket: 2, Now: testNow, Progress: w, ProgressEvery: time.Millisecond})
				if (err != nil) != tt.wantErr {
					t.Fatalf("err = %v, want error %v", err, tt.wantErr)
				}
				if after := schemaIndexes(t, db); !slices.Equal(before, after) {
					t.Errorf("indexes not restored:\nbefore %v\nafter  %v", before, after)
				}
				for _, c := range []struct {
					name, query string
				}{
					{"record cleared", `SELECT count(*) FROM settings WHERE key = 'gen.dropped_indexes'`},
					{"message counts", `SELECT count(*) FROM tickets t WHERE message_count <> (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id)`},
					{"created events", `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.subject_kind = 'ticket' AND e.subject_id = t.id)`},
				} {
					if n := count(t, db, c.query); n != 0 {
						t.Errorf("%s: %d", c.name, n)
					}
				}
				// The app carries on: ids, numbers and sequences are past what was written.
				svc := ticket.NewService(ticket.Options{DB: db, Customers: customer.NewService(db, nil)})
				created, err := svc.Create(context.Background(), auth.System(), ticket.CreateInput{Subject: "之后", Customer: ticket.CustomerRef{Email: fmt.Sprintf("after.%d@example.com", time.Now().UnixNano())},
					Message: &ticket.MessageInput{Author: "customer", Body: "你好"}})
				if err != nil {
					t.Fatalf("create after: %v", err)
				}
				if max := count(t, db, `SELECT max(number) FROM tickets`); created.Number != max {
					t.Errorf("new ticket #%d, highest number %d", created.Number, max)
				}
			})
		}
	})
}
