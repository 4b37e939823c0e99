package app

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/metrics"
)

// A handler that streams (Server-Sent Events: it asserts http.Flusher and flushes) reaches
// the client through the request-log and metrics wrappers: the first event arrives while the
// handler is still running.
func TestStreamingThroughTheMiddleware(t *testing.T) {
	a := &App{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: metrics.New("test")}
	received := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "cannot stream", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: change\ndata: {}\n\n")
		f.Flush()
		select {
		case <-received: // the client read the event before the handler returned
		case <-time.After(20 * time.Second):
			t.Error("the event did not reach the client while the handler ran: a wrapper swallowed the flush")
		}
	})
	srv := httptest.NewServer(a.middleware(a.Metrics.Middleware(mux)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	close(received)
	if err != nil || line != "event: change\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
}
