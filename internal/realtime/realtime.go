// Package realtime tells open pages that something they show has changed: a new message, a
// transfer, a status change. Broker is the interface the web UI uses; Local is the
// in-process implementation for one node. Several nodes need a shared one (PostgreSQL
// LISTEN/NOTIFY, issue #5) behind the same interface.
//
// Events are hints, not data: a subscriber that misses one (a full buffer, a reconnect)
// loses nothing, because the page reloads the ticket from the database.
package realtime

import (
	"sync"
	"time"
)

// Event says that a topic ("ticket:10001") changed.
type Event struct {
	Topic   string    `json:"topic"`
	Kind    string    `json:"kind"`     // created, updated, message, transferred, merged
	ActorID int64     `json:"actor_id"` // who changed it (0: the system or a customer)
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
}

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
}

// NewLocal returns an in-process broker.
func NewLocal() *Local { return &Local{subs: map[string]map[chan Event]struct{}{}} }

// Publish implements Broker.
func (l *Local) Publish(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs[e.Topic] {
		select {
		case ch <- e:
		default: // a subscriber that does not keep up misses a hint, never blocks a command
		}
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
