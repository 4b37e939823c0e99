package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"unicode"

	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// count reads SELECT count(*) FROM table straight from the database, so a test can see
// whether a request wrote anything.
func count(t testing.TB, s *apitest.Server, table string) int64 {
	t.Helper()
	var n int64
	if err := s.App.DB.Read().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// counts is a snapshot of the tables a command may write.
func counts(t testing.TB, s *apitest.Server) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"tickets", "customers", "customer_identities", "messages", "attachments", "events", "ticket_links", "users", "teams", "team_members", "api_tokens", "tags", "custom_fields"} {
		out[table] = count(t, s, table)
	}
	return out
}

// items returns the "items" array of a list answer.
func items(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

// numbers lists the ticket numbers of a ticket list answer, in order.
func numbers(t testing.TB, m map[string]any) []int64 {
	t.Helper()
	var out []int64
	for _, it := range items(t, m) {
		out = append(out, apitest.Num(it, "number"))
	}
	return out
}

// newTicket creates a ticket as c and returns it.
func newTicket(t testing.TB, c *apitest.Client, body map[string]any) map[string]any {
	t.Helper()
	if _, ok := body["message"]; !ok {
		body["message"] = map[string]any{"body": "您好，我的订单还没有发货。"}
	}
	return c.Must(201, "POST", "/api/v1/tickets", body)
}

func path(format string, args ...any) string { return fmt.Sprintf("/api/v1"+format, args...) }

// actions lists the actions of a ticket's events, in order.
func actions(t testing.TB, c *apitest.Client, number int64) []string {
	t.Helper()
	var out []string
	for _, e := range items(t, c.Must(200, "GET", path("/tickets/%d/events", number), nil)) {
		out = append(out, e["action"].(string))
	}
	return out
}

func countOf(list []string, v string) int {
	n := 0
	for _, s := range list {
		if s == v {
			n++
		}
	}
	return n
}

func hasCJK(s string) bool {
	return slices.ContainsFunc([]rune(s), func(r rune) bool { return unicode.Is(unicode.Han, r) })
}
