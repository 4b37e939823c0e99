package web

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLive: a ticket page's stream hears of a change someone else commits; another team's
// agent cannot listen to it.
func TestLive(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		path := "/tickets/" + itoa(n.Ticket.Number)
		nb := n.signIn(n.AgentB)
		nb.get(path+"/live").must(t, http.StatusNotFound)

		watcher := n.signIn(n.AgentA)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+path+"/live", nil)
		res, err := watcher.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		lines := bufio.NewScanner(res.Body)
		lines.Scan() // "retry: …": the stream is open and subscribed
		admin := n.signIn(n.Admin)
		admin.post(path+"/messages", url.Values{"kind": {"note"}, "body": {"请尽快处理"}}).must(t, http.StatusSeeOther)
		var got []string
		for lines.Scan() {
			got = append(got, lines.Text())
			if strings.HasPrefix(lines.Text(), "data: ") {
				break
			}
		}
		last := got[len(got)-1]
		if !strings.Contains(strings.Join(got, "\n"), "event: change") || !strings.Contains(last, `"kind":"message"`) || !strings.Contains(last, `"actor":"管理员"`) {
			t.Fatalf("stream said %q", got)
		}
		// A page drawn from an older version hears at once that the ticket moved on.
		stale, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+path+"/live?v=1", nil)
		res2, err := watcher.c.Do(stale)
		if err != nil {
			t.Fatal(err)
		}
		defer res2.Body.Close()
		first := bufio.NewScanner(res2.Body)
		var saw bool
		for first.Scan() {
			if strings.HasPrefix(first.Text(), "data: ") {
				saw = strings.Contains(first.Text(), `"kind":"updated"`)
				break
			}
		}
		if !saw {
			t.Fatal("a stale page was not told")
		}

		// Shutting the UI down ends open streams.
		n.UI.Close()
		for lines.Scan() {
		}
	})
}
