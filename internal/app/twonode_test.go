package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// node is one Kefu node of a multi-node installation, serving on 127.0.0.1.
type node struct {
	app *app.App
	url string
}

func startNode(t *testing.T, dsn string) *node {
	t.Helper()
	cfg := config.Defaults(t.TempDir())
	cfg.DB = dsn
	cfg.SecretKey = strings.Repeat("k", 32) // the nodes of one installation share their key
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		a.Web.Close() // as a shutdown does: open streams end, so Close below need not wait for them
		srv.Close()
		a.Close()
	})
	if p, ok := a.Realtime.(*realtime.Postgres); ok {
		select {
		case <-p.Ready():
		case <-time.After(20 * time.Second):
			t.Fatal("node never listened for events")
		}
	} else {
		t.Fatalf("a node on PostgreSQL has a %T broker", a.Realtime)
	}
	return &node{app: a, url: srv.URL}
}

// stream opens an event stream (API or web) and returns its data lines as they come.
func stream(t *testing.T, c *http.Client, req *http.Request) <-chan string {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s", req.URL.Path, resp.StatusCode, b)
	}
	lines := make(chan string, 64)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() { // "retry: …": subscribed
		t.Fatalf("%s: no first line", req.URL.Path)
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- d
			}
		}
	}()
	return lines
}

// await reads lines until one contains every part.
func await(t *testing.T, lines <-chan string, what string, parts ...string) string {
	t.Helper()
	read := upTo(t, lines, what, parts...)
	return read[len(read)-1]
}

// upTo reads lines until one contains every part, and returns every line it read.
func upTo(t *testing.T, lines <-chan string, what string, parts ...string) []string {
	t.Helper()
	var read []string
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s: stream ended", what)
			}
			read = append(read, l)
			all := true
			for _, p := range parts {
				all = all && strings.Contains(l, p)
			}
			if all {
				return read
			}
		case <-deadline:
			t.Fatalf("%s: nothing with %q arrived", what, parts)
		}
	}
}

// TestTwoNodes runs two nodes on one PostgreSQL database: a change made through the API on
// node A reaches the API event stream and the web page's live stream on node B, and the
// other way round; node B learns of it by LISTEN/NOTIFY, not from its own memory.
func TestTwoNodes(t *testing.T) {
	dsn := testutil.DSN(t, storage.Postgres)
	a := startNode(t, dsn)
	b := startNode(t, dsn)
	ctx := context.Background()
	admin, err := a.app.Users.Create(ctx, auth.System(), user.CreateInput{Email: "root@example.com", Name: "管理员", Role: auth.RoleAdmin, Password: "password-123456"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := a.app.Users.CreateToken(ctx, auth.System(), admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(n *node, method, path string, body any, want int) map[string]any {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, n.url+path, strings.NewReader(string(raw)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := map[string]any{}
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &out)
		if resp.StatusCode != want {
			t.Fatalf("%s %s on %s: %d %s", method, path, n.url, resp.StatusCode, b)
		}
		return out
	}
	created := call(a, "POST", "/api/v1/tickets", map[string]any{"subject": "跨节点测试", "customer": map[string]any{"email": "x@example.com"},
		"message": map[string]any{"body": "您好"}}, 201)
	number := int64(created["number"].(float64))
	topic := fmt.Sprintf("ticket:%d", number)

	// Node B: the API event stream and a signed-in agent's live ticket page.
	sseReq := func(n *node) *http.Request {
		req, _ := http.NewRequest("GET", n.url+"/api/v1/events/stream?topics=inbox,"+topic, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}
	onB := stream(t, http.DefaultClient, sseReq(b))
	await(t, onB, "ready on B", `"kind":"ready"`)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := browser.Get(b.url + "/login"); err == nil {
		resp.Body.Close()
	}
	csrf := "" // the sign-in form's double-submit token, as a browser sends it back
	bu, _ := url.Parse(b.url)
	for _, c := range jar.Cookies(bu) {
		if c.Name == "kefu_login_csrf" {
			csrf = c.Value
		}
	}
	resp, err := browser.PostForm(b.url+"/login", url.Values{"email": {"root@example.com"}, "password": {"password-123456"}, "_csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on B: %d", resp.StatusCode)
	}
	page, _ := http.NewRequest("GET", fmt.Sprintf("%s/tickets/%d/live", b.url, number), nil)
	liveB := stream(t, browser, page)

	// A change on A, heard on B.
	call(a, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", number), map[string]any{"body": "A 节点的回复"}, 201)
	await(t, onB, "API stream on B", `"topic":"`+topic+`"`, `"kind":"message"`, fmt.Sprintf(`"actor_id":%d`, admin.ID))
	await(t, liveB, "web live stream on B", `"kind":"message"`, `"actor":"管理员"`)

	// And the other way: a change on B, heard on A.
	onA := stream(t, http.DefaultClient, sseReq(a))
	await(t, onA, "ready on A", `"kind":"ready"`)
	call(b, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", number), map[string]any{"priority": "high"}, 200)
	await(t, onA, "API stream on A", `"topic":"`+topic+`"`)

	// A hint with data on the inbox travels too (the chat's "new chat" announcement).
	b.app.Realtime.Publish(realtime.Event{Topic: "inbox", Kind: "chat_new", Data: json.RawMessage(fmt.Sprintf(`{"number":%d}`, number))})
	await(t, onA, "inbox on A", `"kind":"chat_new"`, fmt.Sprintf(`"data":{"number":%d}`, number))

	// Node B loses its LISTEN connection: its open streams are told to resync (once per
	// stream, not once per topic), and once it listens again it hears node A again.
	var killed bool
	pid := b.app.Realtime.(*realtime.Postgres).ListenerPID()
	if err := a.app.DB.SQL().QueryRow("SELECT pg_terminate_backend($1)", int64(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate node B's listener %d: %v %v", pid, killed, err)
	}
	await(t, onB, "resync on B's API stream", `"kind":"resync"`)
	await(t, liveB, "resync on B's web live stream", `"kind":"resync"`)
	call(a, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", number), map[string]any{"body": "重连之后"}, 201)
	for _, l := range upTo(t, onB, "API stream on B after the reconnect", `"topic":"`+topic+`"`, `"kind":"message"`) {
		if strings.Contains(l, "resync") {
			t.Errorf("a second resync on one stream: %s", l)
		}
	}
	if n := b.app.Realtime.(realtime.Counter).Stats().Reconnects; n != 1 {
		t.Errorf("node B reconnected %d times", n)
	}

	// Each node counts what it sent and received.
	for name, n := range map[string]*node{"A": a, "B": b} {
		s := n.app.Realtime.(realtime.Counter).Stats()
		if s.Published == 0 || s.Received == 0 || s.Delivered == 0 {
			t.Errorf("node %s: %+v", name, s)
		}
		families, err := n.app.Metrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range families {
			seen[f.GetName()] = true
		}
		for _, m := range []string{"kefu_realtime_published_total", "kefu_realtime_received_total", "kefu_realtime_delivered_total", "kefu_realtime_dropped_total", "kefu_realtime_reconnects_total"} {
			if !seen[m] {
				t.Errorf("node %s: no %s", name, m)
			}
		}
	}
}
