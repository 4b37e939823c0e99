package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/config"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// JSON logs carry the request id — the one the client (or nginx) sent, or a new one sent back
// in X-Request-Id — once on the request's line, and on every line logged with its context.
func TestLogsCarryTheRequestID(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Open(context.Background(), config.Defaults(t.TempDir()), logger)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", "nginx-4f2a9c")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/api/v1/tickets") // no token: 401, with a fresh id
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fresh := resp.Header.Get("X-Request-Id")
	if len(fresh) != 16 {
		t.Fatalf("X-Request-Id %q, want a fresh 16-character id", fresh)
	}
	a.Logger.InfoContext(context.Background(), "outside any request")

	found := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %s", line)
		}
		if m["msg"] == "http" {
			id, _ := m["request_id"].(string)
			found[id] = true
		}
		if m["msg"] == "outside any request" && m["request_id"] != nil {
			t.Errorf("a line outside any request has a request id: %s", line)
		}
	}
	if !found["nginx-4f2a9c"] || !found[fresh] {
		t.Errorf("request lines carry ids %v, want nginx-4f2a9c and %s", found, fresh)
	}
	if n := strings.Count(buf.String(), `"request_id":"nginx-4f2a9c"`); n != 1 {
		t.Errorf("the request id appears %d times, want once on its line:\n%s", n, buf.String())
	}
}
