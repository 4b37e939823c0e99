package realtime

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// newPostgres starts a broker on dsn that stops with the test, once it listens.
func newPostgres(t *testing.T, dsn string) (*Postgres, *sql.DB) {
	t.Helper()
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	p := NewPostgres(PostgresOptions{DSN: dsn, Pool: pool, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	t.Cleanup(p.Close)
	select {
	case <-p.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("broker never listened")
	}
	return p, pool
}

func receive(t *testing.T, ch <-chan Event, what string) Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return e
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: nothing arrived", what)
	}
	return Event{}
}

func quiet(t *testing.T, ch <-chan Event, what string) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("%s: unexpected %+v", what, e)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestPostgresNodesShareEvents(t *testing.T) {
	dsn := testutil.DSN(t, storage.Postgres)
	a, _ := newPostgres(t, dsn)
	b, _ := newPostgres(t, dsn)
	other, _ := newPostgres(t, testutil.DSN(t, storage.Postgres)) // another schema: another installation

	onA, endA := a.Subscribe("ticket:1")
	defer endA()
	onB, endB := b.Subscribe("ticket:1")
	defer endB()
	onOther, endOther := other.Subscribe("ticket:1")
	defer endOther()
	elsewhere, endElsewhere := b.Subscribe("ticket:2")
	defer endElsewhere()

	a.Publish(Event{Topic: "ticket:1", Kind: "typing", ActorID: 7, Data: json.RawMessage(`{"on":true}`)})
	if e := receive(t, onA, "publisher's own subscriber"); e.Kind != "typing" || string(e.Data) != `{"on":true}` {
		t.Fatalf("local delivery: %+v", e)
	}
	if e := receive(t, onB, "other node"); e.Kind != "typing" || e.ActorID != 7 || string(e.Data) != `{"on":true}` {
		t.Fatalf("across nodes: %+v", e)
	}

	// The other way; the publisher hears its own events once (locally, not on the echo).
	b.Publish(Event{Topic: "ticket:1", Kind: "message"})
	receive(t, onB, "b's own")
	if e := receive(t, onA, "b to a"); e.Kind != "message" {
		t.Fatalf("a got %+v, want b's message (its own typing event again?)", e)
	}

	// Data too long for NOTIFY is dropped for the other nodes, kept locally.
	big := json.RawMessage(`"` + strings.Repeat("字", 3000) + `"`)
	a.Publish(Event{Topic: "ticket:1", Kind: "big", Data: big})
	if e := receive(t, onA, "big locally"); len(e.Data) != len(big) {
		t.Fatalf("local copy lost its data: %d bytes", len(e.Data))
	}
	if e := receive(t, onB, "big across"); e.Kind != "big" || e.Data != nil {
		t.Fatalf("across nodes: kind %q with %d bytes of data", e.Kind, len(e.Data))
	}

	quiet(t, onA, "a")
	quiet(t, onB, "b")
	quiet(t, elsewhere, "another topic")
	quiet(t, onOther, "another schema")

	if s := a.Stats(); s.Published != 2 || s.Received != 1 || s.Delivered != 3 {
		t.Fatalf("a's stats: %+v", s)
	}
	if s := b.Stats(); s.Published != 1 || s.Received != 2 || s.Delivered != 3 {
		t.Fatalf("b's stats: %+v", s)
	}

	a.Close()
	if _, ok := <-onA; ok {
		t.Fatal("subscription open after Close")
	}
	a.Publish(Event{Topic: "ticket:1"}) // harmless after Close
}

func TestPostgresReconnectsAndResyncs(t *testing.T) {
	dsn := testutil.DSN(t, storage.Postgres)
	a, pool := newPostgres(t, dsn)
	b, _ := newPostgres(t, dsn)
	t1, end1 := a.Subscribe("ticket:1")
	defer end1()
	inbox, end2 := a.Subscribe("inbox")
	defer end2()

	pid := a.ListenerPID()
	var killed bool
	if err := pool.QueryRow("SELECT pg_terminate_backend($1)", int64(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener %d: %v %v", pid, killed, err)
	}
	for _, c := range []struct {
		ch    <-chan Event
		topic string
	}{{t1, "ticket:1"}, {inbox, "inbox"}} {
		if e := receive(t, c.ch, "resync"); e.Kind != KindResync || e.Topic != c.topic {
			t.Fatalf("after the loss: %+v", e)
		}
	}
	if a.ListenerPID() == pid || !a.Connected() {
		t.Fatal("not listening on a new connection")
	}
	if s := a.Stats(); s.Reconnects != 1 {
		t.Fatalf("reconnects %d", s.Reconnects)
	}
	b.Publish(Event{Topic: "ticket:1", Kind: "message"})
	if e := receive(t, t1, "after the reconnect"); e.Kind != "message" {
		t.Fatalf("got %+v", e)
	}
}

func TestChannelFor(t *testing.T) {
	if ChannelFor("public") != "kefu_events" || ChannelFor("test_ab") != "kefu_events_test_ab" {
		t.Fatal(ChannelFor("public"), ChannelFor("test_ab"))
	}
	long := ChannelFor(strings.Repeat("s", 60))
	if len(long) > 63 || long == ChannelFor(strings.Repeat("s", 61)) {
		t.Fatalf("long schema names: %q", long)
	}
}

// A listener that waits through several keepalive pings still hears the next event.
func TestPostgresKeepalive(t *testing.T) {
	dsn := testutil.DSN(t, storage.Postgres)
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	a := NewPostgres(PostgresOptions{DSN: dsn, Pool: pool, Keepalive: 20 * time.Millisecond})
	defer a.Close()
	select {
	case <-a.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("never listened")
	}
	b, _ := newPostgres(t, dsn)
	ch, end := a.Subscribe("inbox")
	defer end()
	time.Sleep(200 * time.Millisecond)
	b.Publish(Event{Topic: "inbox", Kind: "chat_new"})
	if e := receive(t, ch, "after idle pings"); e.Kind != "chat_new" {
		t.Fatalf("got %+v", e)
	}
	if s := a.Stats(); s.Reconnects != 0 {
		t.Fatalf("the pings cost %d reconnects", s.Reconnects)
	}
}
