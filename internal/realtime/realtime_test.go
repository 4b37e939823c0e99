package realtime

import (
	"testing"
)

func TestLocal(t *testing.T) {
	l := NewLocal()
	a, endA := l.Subscribe("ticket:1")
	b, endB := l.Subscribe("ticket:1")
	other, endOther := l.Subscribe("ticket:2")
	defer endOther()

	l.Publish(Event{Topic: "ticket:1", Kind: "message"})
	for name, ch := range map[string]<-chan Event{"a": a, "b": b} {
		select {
		case e := <-ch:
			if e.Kind != "message" {
				t.Errorf("%s got %+v", name, e)
			}
		default:
			t.Errorf("%s got nothing", name)
		}
	}
	select {
	case e := <-other:
		t.Fatalf("another topic's subscriber got %+v", e)
	default:
	}

	// A subscriber that does not read misses events but never blocks the publisher.
	for range buffer * 3 {
		l.Publish(Event{Topic: "ticket:1"})
	}
	if got := len(a); got != buffer {
		t.Fatalf("buffered %d, want %d", got, buffer)
	}

	endA()
	endA() // twice is harmless
	if l.Subscribers("ticket:1") != 1 {
		t.Fatalf("subscribers after one ended: %d", l.Subscribers("ticket:1"))
	}
	endB()
	if l.Subscribers("ticket:1") != 0 {
		t.Fatal("topic kept after its last subscriber left")
	}

	// Close ends open subscriptions and refuses new ones.
	c, _ := l.Subscribe("ticket:3")
	l.Close()
	if _, ok := <-c; ok {
		t.Fatal("channel open after Close")
	}
	d, end := l.Subscribe("ticket:3")
	end()
	if _, ok := <-d; ok {
		t.Fatal("subscription after Close is open")
	}
}

// Local counts what it did, and a resync reaches every subscriber under its own topic.
func TestLocalStatsAndResync(t *testing.T) {
	l := NewLocal()
	defer l.Close()
	a, endA := l.Subscribe("ticket:1")
	defer endA()
	b, endB := l.Subscribe("inbox")
	defer endB()
	l.Publish(Event{Topic: "ticket:1", Kind: "typing", Data: []byte(`{"on":true}`)})
	if e := <-a; string(e.Data) != `{"on":true}` {
		t.Fatalf("data lost: %+v", e)
	}
	for range buffer + 2 {
		l.Publish(Event{Topic: "inbox"})
	}
	if s := l.Stats(); s.Published != buffer+3 || s.Delivered != buffer+1 || s.Dropped != 2 {
		t.Fatalf("stats %+v", s)
	}
	for len(b) > 0 {
		<-b
	}
	l.deliverAll(Event{Kind: KindResync})
	for topic, ch := range map[string]<-chan Event{"ticket:1": a, "inbox": b} {
		if e := <-ch; e.Kind != KindResync || e.Topic != topic {
			t.Errorf("%s got %+v", topic, e)
		}
	}
}
