package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report is what a run measured.
type Report struct {
	Conns, Chatting int
	Duration        time.Duration
	Interval        time.Duration
	ConnectTime     time.Duration  // opening every connection
	HeldIdle        int            // connections open once all were dialled
	Held            int            // connections open at the end
	Dropped         int            // connections the server closed during the run
	Drops           map[string]int // why, by close status or error
	DialErrors      map[string]int // connections that never got a welcome, by error
	FrameErrors     map[string]int // error frames and failed replies, by code
	Chats           int            // chats started
	Sent            int            // visitor messages sent
	Lost            int            // visitor messages whose answer did not arrive within 15 s
	ToAgent         Latency        // visitor message sent → the agent's event stream has it
	ToVisitor       Latency        // agent reply posted → the visitor's socket has it
	Before          ServerStats    // the server before the first connection
	Idle            ServerStats    // holding every connection, before any chat
	After           ServerStats    // at the end of the chatting
}

// Latency sums up delivery times.
type Latency struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

func (l Latency) String() string {
	if l.N == 0 {
		return "no samples"
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) }
	return fmt.Sprintf("p50 %s ms, p95 %s ms, p99 %s ms, max %s ms (n=%d)", ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), l.N)
}

// latencies collects samples from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) summary() Latency {
	l.mu.Lock()
	d := slices.Clone(l.d)
	l.mu.Unlock()
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return Latency{N: len(d), P50: at(.50), P95: at(.95), P99: at(.99), Max: d[len(d)-1]}
}

// ServerStats are the node's own figures from its /metrics.
type ServerStats struct {
	Err         string // why they could not be read
	RSS         float64
	HeapInuse   float64
	StackInuse  float64
	Sys         float64
	Goroutines  float64
	WidgetConns float64 // the node's own count of open widget sockets (kefu_widget_connections)
}

func (s ServerStats) String() string {
	if s.Err != "" {
		return "metrics not read: " + s.Err
	}
	return fmt.Sprintf("RSS %s, heap in use %s, stacks %s, Go sys %s, %.0f goroutines, %.0f widget sockets",
		mib(s.RSS), mib(s.HeapInuse), mib(s.StackInuse), mib(s.Sys), s.Goroutines, s.WidgetConns)
}

func mib(b float64) string { return strconv.FormatFloat(b/(1<<20), 'f', 1, 64) + " MiB" }

// scrape reads the server's /metrics (an admin's token: see internal/app/ops.go).
func (r *run) scrape(ctx context.Context) ServerStats {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A heap profile with gc=1 makes the server collect its garbage first, so the heap figure
	// is what it holds, not what it has yet to free (best effort: pprof needs an admin too).
	if u, err := url.Parse(r.o.MetricsURL); err == nil {
		u.Path, u.RawQuery = "/debug/pprof/heap", "gc=1"
		req, _ := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
		req.Header.Set("Authorization", "Bearer "+r.o.AdminToken)
		if resp, err := r.api.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", r.o.MetricsURL, nil)
	if r.o.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+r.o.AdminToken)
	}
	resp, err := r.api.Do(req)
	if err != nil {
		return ServerStats{Err: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		io.Copy(io.Discard, resp.Body)
		return ServerStats{Err: resp.Status + " (the metrics need an admin's token: --admin-token)"}
	}
	return parseMetrics(resp.Body)
}

// parseMetrics picks the series it needs out of Prometheus' text format.
func parseMetrics(rd io.Reader) ServerStats {
	var s ServerStats
	want := map[string]*float64{
		"process_resident_memory_bytes": &s.RSS,
		"go_memstats_heap_inuse_bytes":  &s.HeapInuse,
		"go_memstats_stack_inuse_bytes": &s.StackInuse,
		"go_memstats_sys_bytes":         &s.Sys,
		"go_goroutines":                 &s.Goroutines,
	}
	found := 0
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		if p := want[name]; p != nil {
			*p = v
			found++
		} else if name == "kefu_widget_connections" {
			s.WidgetConns = v
		}
	}
	if found == 0 {
		s.Err = "no Go runtime series in the answer"
	}
	return s
}

// Write prints the report.
func (rep *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "\nChat connections: %d asked, %d chatting, %s of chat, a message every %s per chat\n", rep.Conns, rep.Chatting, rep.Duration, rep.Interval)
	fmt.Fprintf(w, "  connected:      %d in %s (%d failed)\n", rep.HeldIdle, rep.ConnectTime.Round(time.Millisecond), sum(rep.DialErrors))
	fmt.Fprintf(w, "  held at end:    %d (%d closed by the server during the run)\n", rep.Held, rep.Dropped)
	for _, k := range keys(rep.DialErrors) {
		fmt.Fprintf(w, "    dial error %q × %d\n", k, rep.DialErrors[k])
	}
	for _, k := range keys(rep.Drops) {
		fmt.Fprintf(w, "    closed: %q × %d\n", k, rep.Drops[k])
	}
	fmt.Fprintf(w, "  server before:  %s\n", rep.Before)
	fmt.Fprintf(w, "  server idle:    %s\n", rep.Idle)
	if rep.Before.Err == "" && rep.Idle.Err == "" && rep.HeldIdle > 0 {
		per := func(a, b float64) string {
			return strconv.FormatFloat((b-a)/float64(rep.HeldIdle)/1024, 'f', 1, 64) + " KiB"
		}
		fmt.Fprintf(w, "  per connection: RSS %s, heap %s, stacks %s, Go sys %s, %.1f goroutines\n",
			per(rep.Before.RSS, rep.Idle.RSS), per(rep.Before.HeapInuse, rep.Idle.HeapInuse),
			per(rep.Before.StackInuse, rep.Idle.StackInuse), per(rep.Before.Sys, rep.Idle.Sys),
			(rep.Idle.Goroutines-rep.Before.Goroutines)/float64(rep.HeldIdle))
	}
	if rep.Chatting > 0 {
		fmt.Fprintf(w, "  server chatting: %s\n", rep.After)
		fmt.Fprintf(w, "  chats started:  %d; visitor messages %d, unanswered within 15 s %d\n", rep.Chats, rep.Sent, rep.Lost)
		fmt.Fprintf(w, "  visitor → agent: %s\n", rep.ToAgent)
		fmt.Fprintf(w, "  agent → visitor: %s\n", rep.ToVisitor)
	}
	for _, k := range keys(rep.FrameErrors) {
		fmt.Fprintf(w, "    error %q × %d\n", k, rep.FrameErrors[k])
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
