package realtime

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// MaxPayload is the longest NOTIFY payload PostgreSQL accepts (8000 bytes in a default
// build) less a margin.
const MaxPayload = 7900

// PostgresOptions configure a Postgres broker.
type PostgresOptions struct {
	// DSN is the database's postgres:// URL; the broker opens its one LISTEN connection with it.
	DSN string
	// Pool sends the notifications (the node's database/sql pool, driver pgx).
	Pool *sql.DB
	// Channel is the NOTIFY channel. Empty: "kefu_events" for the public schema, and one
	// per schema otherwise, so installations (and tests) sharing a database stay apart.
	Channel string
	Logger  *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between reconnection attempts (100 ms, 5 s).
	MinBackoff, MaxBackoff time.Duration
	// Keepalive is how long the listener waits in silence before it pings the server to
	// find a connection that died without a word (30 s).
	Keepalive time.Duration
}

// Postgres is a Broker shared by every node on one PostgreSQL database: Publish delivers to
// this node's subscribers at once and sends a NOTIFY; one dedicated connection per node
// LISTENs and hands the other nodes' events to the local subscribers.
//
// A node delivers its own events locally at once rather than on their echo: a change made
// here reaches the pages and chats held here without a round trip through the database,
// and still reaches them while the LISTEN connection is down. The echo carries the
// publishing node's id and is skipped, so nobody hears an event twice.
//
// When the LISTEN connection is lost, notifications sent meanwhile are lost with it. Once
// it is back, every local subscriber gets an event of kind "resync" (KindResync) and
// re-reads what it shows from the database, which is the truth; events are only hints.
type Postgres struct {
	o      PostgresOptions
	local  *Local
	node   string
	out    chan []byte
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	chMu    sync.Mutex
	channel string

	published, dropped, reconnects, received atomic.Int64
	connected                                atomic.Bool
	listenPID                                atomic.Uint32 // the LISTEN backend (tests kill it)
	readyOnce                                sync.Once
	ready                                    chan struct{} // closed at the first successful LISTEN
}

// envelope is a notification's payload.
type envelope struct {
	Node  string `json:"n"`
	Event Event  `json:"e"`
}

// NewPostgres starts a broker: its listener connects in the background and keeps
// reconnecting until Close.
func NewPostgres(o PostgresOptions) *Postgres {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.Keepalive <= 0 {
		o.Keepalive = 30 * time.Second
	}
	b := make([]byte, 8)
	crand.Read(b)
	ctx, cancel := context.WithCancel(context.Background())
	p := &Postgres{
		o: o, local: NewLocal(), node: hex.EncodeToString(b),
		out: make(chan []byte, 4096), ctx: ctx, cancel: cancel,
		channel: o.Channel, ready: make(chan struct{}),
	}
	p.wg.Add(2)
	go p.send()
	go p.listen()
	return p
}

// Ready is closed once the listener has connected for the first time.
func (p *Postgres) Ready() <-chan struct{} { return p.ready }

// ListenerPID is the PostgreSQL backend of the LISTEN connection (pg_stat_activity.pid), for
// diagnostics and failure drills; the last one when it is down.
func (p *Postgres) ListenerPID() uint32 { return p.listenPID.Load() }

// Connected reports whether the LISTEN connection is up now.
func (p *Postgres) Connected() bool { return p.connected.Load() }

// Publish implements Broker: local subscribers get e now, the other nodes by NOTIFY.
func (p *Postgres) Publish(e Event) {
	if p.ctx.Err() != nil {
		return
	}
	p.published.Add(1)
	p.local.deliver(e)
	b, err := json.Marshal(envelope{Node: p.node, Event: e})
	if err == nil && len(b) > MaxPayload && len(e.Data) > 0 {
		e.Data = nil // too long for NOTIFY: the other nodes get the hint without its payload
		b, err = json.Marshal(envelope{Node: p.node, Event: e})
	}
	if err != nil || len(b) > MaxPayload {
		p.dropped.Add(1)
		return
	}
	select {
	case p.out <- b:
	default: // the database does not keep up: drop the hint rather than hold up a command
		p.dropped.Add(1)
	}
}

// Subscribe implements Broker.
func (p *Postgres) Subscribe(topic string) (<-chan Event, func()) { return p.local.Subscribe(topic) }

// Subscribers counts a topic's subscribers on this node.
func (p *Postgres) Subscribers(topic string) int { return p.local.Subscribers(topic) }

// Close implements Broker: it stops the listener and the sender and ends every subscription.
func (p *Postgres) Close() {
	p.once.Do(func() {
		p.cancel()
		p.wg.Wait()
		p.local.Close()
	})
}

// Stats implements Counter.
func (p *Postgres) Stats() Stats {
	s := p.local.Stats()
	s.Published = p.published.Load()
	s.Dropped += p.dropped.Load()
	s.Reconnects = p.reconnects.Load()
	s.Received = p.received.Load()
	return s
}

// channelName is the NOTIFY channel, found once from the connection's schema.
func (p *Postgres) channelName(ctx context.Context) (string, error) {
	p.chMu.Lock()
	defer p.chMu.Unlock()
	if p.channel != "" {
		return p.channel, nil
	}
	var schema string
	if err := p.o.Pool.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", err
	}
	p.channel = ChannelFor(schema)
	return p.channel, nil
}

// ChannelFor names the channel of a schema: "kefu_events" for public, "kefu_events_<schema>"
// otherwise (hashed when longer than an identifier may be).
func ChannelFor(schema string) string {
	if schema == "" || schema == "public" {
		return "kefu_events"
	}
	ch := "kefu_events_" + schema
	if len(ch) > 63 {
		sum := sha256.Sum256([]byte(schema))
		ch = "kefu_events_" + hex.EncodeToString(sum[:12])
	}
	return ch
}

// send sends queued notifications, as many as are waiting in one statement.
func (p *Postgres) send() {
	defer p.wg.Done()
	batch := make([]string, 0, 256)
	for {
		select {
		case <-p.ctx.Done():
			return
		case b := <-p.out:
			batch = append(batch[:0], string(b))
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case b := <-p.out:
				batch = append(batch, string(b))
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		err := p.notify(ctx, batch)
		cancel()
		if err != nil {
			p.dropped.Add(int64(len(batch)))
			if p.ctx.Err() == nil {
				p.o.Logger.Warn("realtime: notify", "events", len(batch), "err", err)
			}
		}
	}
}

func (p *Postgres) notify(ctx context.Context, payloads []string) error {
	ch, err := p.channelName(ctx)
	if err != nil {
		return err
	}
	_, err = p.o.Pool.ExecContext(ctx, "SELECT pg_notify($1, x) FROM unnest($2::text[]) AS x", ch, payloads)
	return err
}

// listen keeps one LISTEN connection open, reconnecting with backoff; after a loss it tells
// every local subscriber to resync.
func (p *Postgres) listen() {
	defer p.wg.Done()
	wait := p.o.MinBackoff
	lost := false
	for p.ctx.Err() == nil {
		conn, err := p.connect()
		if err != nil {
			if p.ctx.Err() != nil {
				return
			}
			if !lost {
				p.o.Logger.Warn("realtime: listen", "err", err)
			}
			lost = true
			// Jitter (half the wait, plus up to half again) keeps nodes that lost the database
			// together from coming back in step.
			d := wait/2 + time.Duration(rand.Int64N(int64(wait/2)+1))
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(d):
			}
			wait = min(wait*2, p.o.MaxBackoff)
			continue
		}
		wait = p.o.MinBackoff
		p.connected.Store(true)
		p.listenPID.Store(conn.PgConn().PID())
		if lost {
			select {
			case <-p.ready: // it had listened before: a reconnection
				p.reconnects.Add(1)
			default:
			}
			p.o.Logger.Info("realtime: listening again; subscribers resync")
			p.local.deliverAll(Event{Kind: KindResync, At: time.Now()})
			lost = false
		}
		p.readyOnce.Do(func() { close(p.ready) })
		err = p.receive(conn)
		p.connected.Store(false)
		conn.Close(context.Background())
		if p.ctx.Err() != nil {
			return
		}
		p.o.Logger.Warn("realtime: listen connection lost", "err", err)
		lost = true
	}
}

func (p *Postgres) connect() (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(p.o.DSN)
	if err != nil {
		return nil, err
	}
	// A deadline (not a cancel request) ends a wait for notifications: the connection stays usable.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = "kefu realtime"
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ch, err := p.channelName(ctx)
	if err == nil {
		_, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize())
	}
	if err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// receive hands notifications to local subscribers until the connection fails or Close.
func (p *Postgres) receive(conn *pgx.Conn) error {
	for {
		ctx, cancel := context.WithTimeout(p.ctx, p.o.Keepalive)
		n, err := conn.WaitForNotification(ctx)
		cancel()
		if err != nil {
			if p.ctx.Err() != nil {
				return p.ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
				return err
			}
			// Silence: make sure the server is still there.
			pctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
			continue
		}
		var env envelope
		if err := json.Unmarshal([]byte(n.Payload), &env); err != nil {
			p.dropped.Add(1)
			continue
		}
		if env.Node == p.node {
			continue // delivered locally when published
		}
		p.received.Add(1)
		p.local.deliver(env.Event)
	}
}
