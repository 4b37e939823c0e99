package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/kefuhq/kefu/internal/realtime"
)

// sseEvent is one Server-Sent Event: its name and its data, sent as JSON.
type sseEvent struct {
	name string
	data any
}

// stream serves a Server-Sent Events response from a subscription the caller made: the
// headers (nginx passes the events through at once), the client's reconnect delay, the
// events of first (what the page missed before subscribing), a heartbeat, and each event
// that send turns into one (false: this page does not hear it). It returns when the client
// leaves or the subscription ends (the server shutting down).
func (u *UI) stream(w http.ResponseWriter, r *http.Request, events <-chan realtime.Event, retry time.Duration,
	first []sseEvent, send func(realtime.Event) (sseEvent, bool)) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return fmt.Errorf("live: response cannot stream")
	}
	u.streams.Add(1)
	defer u.streams.Add(-1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", retry.Milliseconds())
	write := func(e sseEvent) {
		b, _ := json.Marshal(e.data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, b)
	}
	for _, e := range first {
		write(e)
	}
	flusher.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		case e, open := <-events:
			if !open {
				return nil
			}
			out, ok := send(e)
			if !ok {
				continue
			}
			write(out)
		}
		flusher.Flush()
	}
}
