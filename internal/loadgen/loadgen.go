// Package loadgen is the chat load generator (issue #5's performance clause): it holds many
// widget WebSockets open against one Kefu node on this machine, makes some of them chat with
// an "agent" that listens on the staff event stream and replies through the API, and reports
// the connections held, the server's memory per connection and the delivery latency both
// ways. It talks only to loopback addresses and stops on its own.
//
// The server caps widget connections and messages per IP, as it should; the generator spreads
// its connections over many loopback source addresses (127.1.x.y: Linux routes all of 127/8 to
// lo) so that each address stays under the caps, as many real visitors would.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options say what to run.
type Options struct {
	URL        string        // the node, e.g. http://127.0.0.1:8080 (loopback only)
	Conns      int           // widget connections to hold
	Chatting   int           // of them, how many start a chat and exchange messages
	Duration   time.Duration // how long the chatting lasts once every connection is open
	Token      string        // a staff API token: the agent streams events and replies with it
	AdminToken string        // reads the server's /metrics (default Token; the metrics need an admin)
	MetricsURL string        // default URL + "/metrics" (give the --metrics-addr listener's if set)
	Interval   time.Duration // a chatting visitor's pause between its messages (default 10 s)
	PerIP      int           // connections per source address (default 16; the server allows 20 per IP)
	Dialers    int           // connections opened at once (default 200)
	Lang       string        // the visitors' language (default zh-CN)
	Log        io.Writer     // progress lines (default io.Discard)
}

// Limits the run never exceeds, whatever it was asked.
const (
	connectPhase  = 3 * time.Minute  // opening every connection
	cycleTimeout  = 15 * time.Second // a message not answered by then counts as lost
	maxConns      = 60000
	maxChatsPerIP = 5 // the server lets an IP start 5 chats at once (then 10 an hour)
)

// Run runs the load and returns what it measured.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	limit, err := RaiseOpenFiles()
	need := uint64(o.Conns + o.Chatting/streamTopics + o.Dialers + 200)
	if err == nil && limit < need {
		err = fmt.Errorf("%d connections need about %d open files; the limit is %d (ulimit -n)", o.Conns, need, limit)
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, connectPhase+o.Duration+time.Minute)
	defer cancel()
	base, _ := url.Parse(o.URL)
	r := &run{o: o, base: base, rep: &Report{Conns: o.Conns, Chatting: o.Chatting, Duration: o.Duration, Interval: o.Interval,
		DialErrors: map[string]int{}, FrameErrors: map[string]int{}, Drops: map[string]int{}}}
	r.api = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: replyWorkers, MaxConnsPerHost: replyWorkers + 64}}
	defer r.api.CloseIdleConnections()

	r.rep.Before = r.scrape(ctx)
	r.logf("server before: %s", r.rep.Before)

	// Every connection: hello → welcome, then held open with pings.
	start := time.Now()
	r.connectAll(ctx)
	r.rep.ConnectTime = time.Since(start)
	r.logf("%d of %d connections open in %s", r.open.Load(), o.Conns, r.rep.ConnectTime.Round(time.Millisecond))
	pingCtx, stopPings := context.WithCancel(ctx)
	pingsDone := make(chan struct{})
	go func() { defer close(pingsDone); r.keepalive(pingCtx) }()
	defer func() { stopPings(); <-pingsDone; r.closeAll() }()
	sleep(ctx, 2*time.Second) // let the server settle before reading its memory
	r.rep.Idle = r.scrape(ctx)
	r.rep.HeldIdle = int(r.open.Load())
	r.logf("server holding them: %s", r.rep.Idle)

	if o.Chatting > 0 && ctx.Err() == nil {
		if err := r.chat(ctx); err != nil {
			return r.rep, err
		}
	}
	r.rep.After = r.scrape(ctx)
	r.rep.Held = int(r.open.Load())
	r.rep.Dropped = int(r.dropped.Load())
	return r.rep, ctx.Err()
}

func (o *Options) check() error {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.PerIP <= 0 {
		o.PerIP = 16
	}
	if o.Dialers <= 0 {
		o.Dialers = 200
	}
	if o.Lang == "" {
		o.Lang = "zh-CN"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.AdminToken == "" {
		o.AdminToken = o.Token
	}
	if o.MetricsURL == "" {
		o.MetricsURL = strings.TrimRight(o.URL, "/") + "/metrics"
	}
	switch {
	case o.Conns < 1 || o.Conns > maxConns:
		return fmt.Errorf("--conns must be 1 … %d", maxConns)
	case o.Chatting < 0 || o.Chatting > o.Conns:
		return errors.New("--chatting must be 0 … --conns")
	case o.Duration <= 0 || o.Duration > time.Hour:
		return errors.New("--duration must be more than 0 and at most 1h")
	case o.Chatting > 0 && o.Token == "":
		return errors.New("--token (a staff API token) is needed for the agent side")
	case o.PerIP > 1000:
		return errors.New("--per-ip must be at most 1000")
	}
	for _, u := range []string{o.URL, o.MetricsURL} {
		if err := Loopback(u); err != nil {
			return err
		}
	}
	ips := (o.Conns + o.PerIP - 1) / o.PerIP
	if per := (o.Chatting + ips - 1) / ips; per > maxChatsPerIP {
		return fmt.Errorf("%d chats over %d source addresses is %d per address; the server lets one address start %d: lower --per-ip",
			o.Chatting, ips, per, maxChatsPerIP)
	}
	return nil
}

// Loopback refuses any URL whose host is not a loopback address: the generator is for this
// machine only.
func Loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: the load generator only runs against this machine", host)
}

// run is one load run's state.
type run struct {
	o        Options
	base     *url.URL
	rep      *Report
	api      *http.Client
	mu       sync.Mutex
	visitors []*visitor
	open     atomic.Int64 // connections with a welcome and not closed
	dropped  atomic.Int64 // connections the server closed during the run

	sent, lost         atomic.Int64 // visitor messages sent, and not answered in time
	toAgent, toVisitor latencies
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.o.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func (r *run) countDialError(err error) {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 80 {
		msg = msg[i+2:]
	}
	r.mu.Lock()
	r.rep.DialErrors[msg]++
	r.mu.Unlock()
}

func (r *run) countDrop(reason string) {
	r.mu.Lock()
	r.rep.Drops[reason]++
	r.mu.Unlock()
}

func (r *run) countFrameError(code string) {
	r.mu.Lock()
	r.rep.FrameErrors[code]++
	r.mu.Unlock()
}

// sourceIP is the loopback address the i-th connection comes from.
func sourceIP(i, perIP int) net.IP {
	k := i / perIP
	return net.IPv4(127, 1, byte(k/250), byte(k%250+1))
}

// connectAll opens every connection, o.Dialers at a time.
func (r *run) connectAll(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, connectPhase)
	defer cancel()
	transports := map[string]*http.Client{}
	sem := make(chan struct{}, r.o.Dialers)
	var wg sync.WaitGroup
	// Chatting visitors are spread evenly over the source addresses (each may start few chats).
	ips := (r.o.Conns + r.o.PerIP - 1) / r.o.PerIP
	chatting := map[int]bool{}
	for k := 0; len(chatting) < r.o.Chatting; k++ {
		i := (k%ips)*r.o.PerIP + k/ips
		if i < r.o.Conns {
			chatting[i] = true
		}
	}
	for i := range r.o.Conns {
		ip := sourceIP(i, r.o.PerIP)
		hc := transports[ip.String()]
		if hc == nil {
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
			hc = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
			transports[ip.String()] = hc
		}
		select {
		case sem <- struct{}{}:
		case <-cctx.Done():
			r.countDialError(cctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v := &visitor{r: r, id: i, chatting: chatting[i], replied: make(chan struct{}, 1), acked: make(chan ack, 1)}
			if err := v.connect(cctx, ctx, hc); err != nil {
				r.countDialError(err)
				return
			}
			r.mu.Lock()
			r.visitors = append(r.visitors, v)
			r.mu.Unlock()
		}()
		if (i+1)%1000 == 0 {
			r.logf("dialled %d", i+1)
		}
	}
	wg.Wait()
}

// keepalive pings every open connection once per 25 s, spread over the period, so the
// server's idle timeout (90 s) never closes one.
func (r *run) keepalive(ctx context.Context) {
	const period = 25 * time.Second
	r.mu.Lock()
	vs := slices.Clone(r.visitors)
	r.mu.Unlock()
	if len(vs) == 0 {
		return
	}
	tick := time.NewTicker(max(period/time.Duration(len(vs)), time.Millisecond))
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(vs) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		vs[i].send(ctx, map[string]any{"type": "ping"})
	}
}

// closeAll closes every connection, many at once.
func (r *run) closeAll() {
	r.mu.Lock()
	vs := r.visitors
	r.mu.Unlock()
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	for _, v := range vs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v.close()
		}()
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// jitter is d ± 20 %.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + time.Duration(rand.Int64N(int64(d*2/5)+1))
}
