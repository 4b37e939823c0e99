package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
)

const (
	// maxStreamTopics caps the topics of one event stream (an integration watching many
	// tickets opens several streams).
	maxStreamTopics = 100
	// streamHeartbeat keeps idle streams open through proxies that close silent connections.
	streamHeartbeat = 25 * time.Second
	// streamRecheck is how long a ticket topic's permission is trusted before an event on
	// it checks again (a transfer to another team ends the watcher's right to hear of it).
	streamRecheck = 10 * time.Second
)

// eventStream serves GET /api/v1/events/stream?topics=inbox,ticket:10001: the change hints
// of the topics as Server-Sent Events. Every frame's data is one JSON event (topic, kind,
// actor_id, actor, at and perhaps data); the first has kind "ready" once the subscriptions
// are in place, so a client reads the state it shows after "ready" and misses nothing.
// Kind "resync" means events may have been lost (a node lost its database connection):
// re-read everything. Kind "gone" means the caller may no longer see the topic's ticket;
// the stream stops sending its events. Events are hints, never data: read the ticket.
//
// "inbox" is for staff who serve customers; "ticket:N" for whoever may open ticket N, and a
// ticket one may not open is refused exactly like one that does not exist.
func (a *API) eventStream(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	topics, err := streamTopics(r.URL.Query().Get("topics"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	for _, t := range topics {
		if err := a.mayWatch(ctx, actor, t); err != nil {
			return err
		}
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return fmt.Errorf("event stream: response cannot stream")
	}

	// One goroutine per subscription feeds one channel; a closed subscription (the node
	// shutting down) ends the stream.
	events := make(chan realtime.Event, 64)
	done := make(chan struct{})
	defer close(done)
	closed := make(chan string, len(topics))
	ends := map[string]func(){}
	for _, t := range topics {
		ch, end := a.Realtime.Subscribe(t)
		ends[t] = end
		defer end()
		go func() {
			for e := range ch {
				select {
				case events <- e:
				case <-done:
					return
				default: // the client does not keep up: it misses a hint
				}
			}
			closed <- t
		}()
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events through at once
	w.WriteHeader(http.StatusOK)
	send := func(e realtime.Event) {
		b, _ := json.Marshal(e)
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	fmt.Fprint(w, "retry: 5000\n\n")
	ready, _ := json.Marshal(map[string]any{"topics": topics})
	send(realtime.Event{Kind: "ready", At: a.Now(), Data: ready})
	flusher.Flush()

	checked := map[string]time.Time{}
	now := a.Now()
	for _, t := range topics {
		checked[t] = now
	}
	var lastResync time.Time
	tick := time.NewTicker(streamHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case t := <-closed:
			if _, watching := ends[t]; watching {
				return nil // not given up on (gone) here: the node is shutting down
			}
			continue
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		case e := <-events:
			if _, watching := ends[e.Topic]; !watching {
				continue // a topic given up on (gone) whose events were already queued
			}
			if e.Kind == realtime.KindResync {
				// One per stream, not one per topic: the client re-reads everything anyway.
				if time.Since(lastResync) < time.Second {
					continue
				}
				lastResync = time.Now()
				send(realtime.Event{Kind: realtime.KindResync, At: e.At})
				break
			}
			if ok, gone := a.mayHear(ctx, actor, e, checked); !ok {
				if gone {
					ends[e.Topic]()
					delete(ends, e.Topic)
					send(realtime.Event{Topic: e.Topic, Kind: "gone", At: a.Now()})
					if len(ends) == 0 {
						flusher.Flush()
						return nil
					}
					break
				}
				continue
			}
			send(e)
		}
		flusher.Flush()
	}
}

// streamTopics parses the comma-separated topics: "inbox" and "ticket:N", at most 100.
func streamTopics(s string) ([]string, error) {
	var topics []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if t != "inbox" {
			n, ok := strings.CutPrefix(t, "ticket:")
			v, err := strconv.ParseInt(n, 10, 64)
			if !ok || err != nil || v <= 0 || strconv.FormatInt(v, 10) != n {
				return nil, apperr.Invalid("topics", "invalid", nil)
			}
		}
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	switch {
	case len(topics) == 0:
		return nil, apperr.Invalid("topics", "required", nil)
	case len(topics) > maxStreamTopics:
		return nil, apperr.Invalid("topics", "too_many", map[string]any{"max": maxStreamTopics})
	}
	return topics, nil
}

// mayWatch says whether actor may subscribe to topic: the inbox is for staff who serve
// customers; a ticket for whoever may open it (otherwise "not found", as if it did not exist).
func (a *API) mayWatch(ctx context.Context, actor auth.Actor, topic string) error {
	if topic == "inbox" {
		if !actor.ServesCustomers() {
			return apperr.ErrForbidden
		}
		return nil
	}
	n, _ := strconv.ParseInt(strings.TrimPrefix(topic, "ticket:"), 10, 64)
	_, err := a.Tickets.Get(ctx, actor, n)
	return err
}

// mayHear checks an event against the caller's permissions before it is sent: a ticket topic
// again once its last check is older than streamRecheck, or whenever the ticket moved
// (a transfer, an assignment, a merge may take it out of the caller's sight); an inbox
// event that names a ticket only if the caller may open that ticket. gone reports that the
// caller lost sight of a ticket topic for good (not a failure to check).
func (a *API) mayHear(ctx context.Context, actor auth.Actor, e realtime.Event, checked map[string]time.Time) (ok, gone bool) {
	if actor.IsAdmin() {
		return true, false
	}
	if e.Topic == "inbox" {
		var about struct {
			Number int64 `json:"number"`
		}
		if len(e.Data) == 0 || json.Unmarshal(e.Data, &about) != nil || about.Number <= 0 {
			return true, false
		}
		_, err := a.Tickets.Get(ctx, actor, about.Number)
		return err == nil, false
	}
	routine := e.Kind == "message" || e.Kind == "typing"
	if last, seen := checked[e.Topic]; seen && routine && a.Now().Sub(last) < streamRecheck {
		return true, false
	}
	if err := a.mayWatch(ctx, actor, e.Topic); err != nil {
		_, refused := apperr.As(err) // not found (or merged away), rather than a failing database
		return false, refused
	}
	checked[e.Topic] = a.Now()
	return true, false
}
