// Package realtime tells open pages that something they show has changed: a new message, a
// transfer, a status change. Broker is the interface the web UI uses; Local is the
// in-process implementation for one node (SQLite mode); Postgres shares events between the
// nodes on one PostgreSQL database with LISTEN/NOTIFY behind the same interface.
//
// Events are hints, not data: a subscriber that misses one (a full buffer, a reconnect)
// loses nothing, because the page reloads the ticket from the database.
package realtime

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// Event says that a topic ("ticket:10001") changed.
type Event struct {
	Topic   string    `json:"topic"`
	Kind    string    `json:"kind"`     // created, updated, message, transferred, merged
	ActorID int64     `json:"actor_id"` // who changed it (0: the system or a customer)
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	// Data is an optional small payload (typing indicators, presence): at most MaxData
	// bytes of JSON. A backend that cannot carry it drops it and delivers the rest.
	Data json.RawMessage `json:"data,omitempty"`
}

// MaxData is the largest Data an event should carry.
const MaxData = 1024

// KindResync is delivered to every subscriber when a backend may have missed events (its
// connection to the other nodes was lost and is back): re-read everything from the database.
const KindResync = "resync"

// Broker delivers events to the subscribers of their topic.
type Broker interface {
	// Publish sends e to the topic's current subscribers without waiting for them.
	Publish(e Event)
	// Subscribe returns the topic's events and a function that ends the subscription.
	Subscribe(topic string) (<-chan Event, func())
	// Close ends every subscription (at shutdown, so open streams let the server stop).
	Close()
}

// buffer is how many events a slow subscriber may fall behind before it misses some.
const buffer = 16

// Local is a Broker inside one process.
type Local struct {
	mu     sync.Mutex
	subs   map[string]map[chan Event]struct{}
	closed bool

	published, delivered, dropped atomic.Int64
}

// Stats counts what a broker did since it started, for the metrics.
type Stats struct {
	Published  int64 // events published on this node
	Delivered  int64 // events handed to a subscriber on this node
	Dropped    int64 // events lost: a subscriber's buffer was full, or a notification failed or was too long
	Received   int64 // events received from other nodes
	Reconnects int64 // times the connection to the other nodes was restored after a loss
}

// Counter is a Broker that counts what it does.
type Counter interface{ Stats() Stats }

// Stats implements Counter.
func (l *Local) Stats() Stats {
	return Stats{Published: l.published.Load(), Delivered: l.delivered.Load(), Dropped: l.dropped.Load()}
}

// NewLocal returns an in-process broker.
func NewLocal() *Local { return &Local{subs: map[string]map[chan Event]struct{}{}} }

// Publish implements Broker.
func (l *Local) Publish(e Event) {
	l.published.Add(1)
	l.deliver(e)
}

// deliver hands e to the topic's subscribers on this node.
func (l *Local) deliver(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs[e.Topic] {
		l.offer(ch, e)
	}
}

// deliverAll hands e to every subscriber of every topic, each copy with its own topic.
func (l *Local) deliverAll(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for topic, chans := range l.subs {
		e.Topic = topic
		for ch := range chans {
			l.offer(ch, e)
		}
	}
}

// offer sends without waiting; l.mu is held.
func (l *Local) offer(ch chan Event, e Event) {
	select {
	case ch <- e:
		l.delivered.Add(1)
	default: // a subscriber that does not keep up misses a hint, never blocks a command
		l.dropped.Add(1)
	}
}

// Subscribe implements Broker.
func (l *Local) Subscribe(topic string) (<-chan Event, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan Event, buffer)
	if l.closed {
		close(ch)
		return ch, func() {}
	}
	if l.subs[topic] == nil {
		l.subs[topic] = map[chan Event]struct{}{}
	}
	l.subs[topic][ch] = struct{}{}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if _, ok := l.subs[topic][ch]; ok {
				delete(l.subs[topic], ch)
				if len(l.subs[topic]) == 0 {
					delete(l.subs, topic)
				}
				close(ch)
			}
		})
	}
}

// Close implements Broker: every subscription's channel is closed.
func (l *Local) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for topic, chans := range l.subs {
		for ch := range chans {
			close(ch)
		}
		delete(l.subs, topic)
	}
}

// Subscribers counts a topic's subscribers (for tests and metrics).
func (l *Local) Subscribers(topic string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.subs[topic])
}
