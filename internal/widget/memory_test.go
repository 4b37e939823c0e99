package widget_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
	"github.com/kefuhq/kefu/internal/widget"
)

// The memory an idle widget connection costs the server: the clients run in a child
// process (this test binary again), so only the server's side is measured. 1,000
// connections by default; KEFU_WIDGET_CONNS=10000 for the full figure on an idle machine:
//
//	KEFU_WIDGET_CONNS=10000 go test ./internal/widget -run TestIdleConnectionMemory -v
func TestIdleConnectionMemory(t *testing.T) {
	if os.Getenv("KEFU_WIDGET_CLIENT_URL") != "" {
		t.Skip("client side")
	}
	if testing.Short() {
		t.Skip("short")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("KEFU_WIDGET_CONNS")); err == nil && v > 0 {
		n = v
	}
	node := apitest.New(t, storage.SQLite)
	e := newEnv(t, node, widget.Options{Limits: widget.Limits{ConnsPerIP: n + 10, Hello: widget.Rate{Per: n * 2, Every: time.Second, Burst: n * 2}}}, true)
	// Warm up what every node has anyway (pools, code paths) before the baseline.
	warm := e.dial()
	warm.hello("", 0)
	before := memNow()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestIdleClients$", "-test.v")
	cmd.Env = append(os.Environ(), "KEFU_WIDGET_CLIENT_URL="+e.url, "KEFU_WIDGET_CONNS="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if sc.Text() == "READY" {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatal("clients did not connect")
	}
	after := memNow()
	if os.Getenv("KEFU_WIDGET_HEAPPROFILE") != "" {
		f, _ := os.Create(os.Getenv("KEFU_WIDGET_HEAPPROFILE"))
		pprof.WriteHeapProfile(f)
		f.Close()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Logf("heap in use %d KB, stacks %d KB, goroutines %d", m.HeapInuse>>10, m.StackInuse>>10, runtime.NumGoroutine())
	}
	per := float64(after-before) / float64(n)
	t.Logf("%d idle widget connections: %.1f KB each on the server (heap + goroutine stacks)", n, per/1024)
	if per > 50<<10 {
		t.Errorf("%.1f KB per idle connection, over the 50 KB target", per/1024)
	}
}

// memNow is the heap in use plus goroutine stacks, after a collection.
func memNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// TestIdleClients is the child side of TestIdleConnectionMemory: it opens the connections,
// says hello on each, prints READY and holds them until its input closes.
func TestIdleClients(t *testing.T) {
	url := os.Getenv("KEFU_WIDGET_CLIENT_URL")
	if url == "" {
		t.Skip("run by TestIdleConnectionMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("KEFU_WIDGET_CONNS"))
	conns := make([]*client, 0, n)
	for range n {
		c := dial(t, url)
		c.send(map[string]any{"type": "hello", "lang": "zh-CN", "team": "售前"})
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.next("welcome", nil)
	}
	fmt.Println("READY")
	os.Stdin.Read(make([]byte, 1)) // until the parent closes our input
	for _, c := range conns {
		c.ws.Close(websocket.StatusNormalClosure, "")
	}
}
