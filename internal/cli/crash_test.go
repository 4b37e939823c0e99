package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// When the test binary runs with KEFU_CRASH_CHILD set it is `kefu serve` and nothing else:
// the crash test starts it as a separate process so that it can kill it for real.
func TestMain(m *testing.M) {
	if args := os.Getenv("KEFU_CRASH_CHILD"); args != "" {
		var argv []string
		json.Unmarshal([]byte(args), &argv)
		os.Exit(Run(context.Background(), Env{Stdout: os.Stdout, Stderr: os.Stderr}, argv))
	}
	os.Exit(m.Run())
}

// A process crash never loses an acknowledged write: 8 clients create tickets as fast as
// they can, the server is killed with SIGKILL in the middle, and after a restart every
// ticket whose creation was answered 201 is there, exactly once.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			data := t.TempDir()
			dbArg := "--data=" + data
			if d == storage.Postgres {
				dbArg = "--db=" + testutil.DSN(t, d)
			}
			addr := freeAddr(t)
			args := []string{"serve", dbArg, "--addr=" + addr, "--data=" + data}
			child, out := startChild(t, args)
			token := waitToken(t, out)
			waitOK(t, "http://"+addr+"/healthz", "")

			var mu sync.Mutex
			acked := map[float64]string{} // ticket number → subject
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for c := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						subject := fmt.Sprintf("崩溃测试 %d-%d", c, i)
						body := fmt.Sprintf(`{"subject":%q,"customer":{"email":"crash%d-%d@example.com"},"message":{"body":"退款进度？"}}`, subject, c, i)
						req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", bytes.NewBufferString(body))
						req.Header.Set("Authorization", "Bearer "+token)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							return // the server is gone
						}
						var tk struct{ Number float64 }
						json.NewDecoder(resp.Body).Decode(&tk)
						resp.Body.Close()
						if resp.StatusCode == 201 {
							mu.Lock()
							acked[tk.Number] = subject
							mu.Unlock()
						}
					}
				}()
			}
			time.Sleep(1500 * time.Millisecond)
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			close(stop)
			wg.Wait()
			if len(acked) < 10 {
				t.Fatalf("only %d tickets acknowledged before the kill: the load did not run", len(acked))
			}

			child2, out2 := startChild(t, args)
			defer func() { child2.Process.Signal(syscall.SIGTERM); child2.Wait() }()
			waitOK(t, "http://"+addr+"/healthz", "")
			_ = out2
			for n, subject := range acked {
				req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/tickets/%d", addr, int64(n)), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var tk struct {
					Subject      string
					MessageCount int `json:"message_count"`
				}
				json.NewDecoder(resp.Body).Decode(&tk)
				resp.Body.Close()
				if resp.StatusCode != 200 || tk.Subject != subject || tk.MessageCount != 1 {
					t.Errorf("acknowledged ticket %d: status %d subject %q messages %d; want %q with 1 message",
						int64(n), resp.StatusCode, tk.Subject, tk.MessageCount, subject)
				}
			}
			t.Logf("%d acknowledged tickets all survived SIGKILL", len(acked))
		})
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startChild(t *testing.T, args []string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KEFU_CRASH_CHILD="+string(argv))
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out
}

func waitToken(t *testing.T, out *syncBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`API token: (kefu_\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no token printed: %s", out.String())
	return ""
}
