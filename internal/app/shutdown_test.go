package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// readListener tells, once per connection, that the server has read the first bytes of it:
// from then on the request is the server's to finish.
type readListener struct {
	net.Listener
	read chan struct{}
}

func (l *readListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &readConn{Conn: c, read: l.read}, nil
}

type readConn struct {
	net.Conn
	read chan struct{}
	once sync.Once
}

func (c *readConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.once.Do(func() {
			select {
			case c.read <- struct{}{}:
			default:
			}
		})
	}
	return n, err
}

// A graceful shutdown loses no acknowledged request and cuts off none in flight: clients
// create tickets while the node is told to stop; one request whose body is still arriving
// when the stop comes is finished and answered; new connections are refused; and every
// ticket that was answered 201 is in the database afterwards, exactly once.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := config.Defaults(t.TempDir())
			if d == storage.Postgres {
				cfg.DB = testutil.DSN(t, d)
			}
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			u, err := a.Users.Create(ctx, auth.System(), user.CreateInput{Email: "root@example.com", Name: "管理员", Role: auth.RoleAdmin, Password: "password-123456"})
			if err != nil {
				t.Fatal(err)
			}
			token, _ := a.Users.CreateToken(ctx, auth.System(), u.ID, "test")

			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &readListener{Listener: inner, read: make(chan struct{}, 1)}
			addr := inner.Addr().String()
			serveCtx, stopServing := context.WithCancel(ctx)
			served := make(chan error, 1)
			go func() { served <- a.ServeListener(serveCtx, ln) }()

			// The slow request: headers and half the body now, the rest after the stop.
			body := `{"subject":"停机时的工单","customer":{"email":"slow@example.com"},"message":{"body":"请在停机前处理"}}`
			slow, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			fmt.Fprintf(slow, "POST /api/v1/tickets HTTP/1.1\r\nHost: kefu\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				token, len(body), body[:len(body)/2])
			select {
			case <-ln.read:
			case <-time.After(time.Minute):
				t.Fatal("the server never read the slow request")
			}

			var mu sync.Mutex
			acked := map[int64]string{}
			load := make(chan struct{}, 64)
			var wg sync.WaitGroup
			for c := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := &http.Client{Transport: &http.Transport{}}
					for i := 0; ; i++ {
						subject := fmt.Sprintf("负载 %d-%d", c, i)
						b := fmt.Sprintf(`{"subject":%q,"customer":{"email":"load%d-%d@example.com"},"message":{"body":"退款"}}`, subject, c, i)
						req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(b))
						req.Header.Set("Authorization", "Bearer "+token)
						resp, err := client.Do(req)
						if err != nil {
							return // the node has stopped: this request was never acknowledged
						}
						var tk struct{ Number int64 }
						json.NewDecoder(resp.Body).Decode(&tk)
						resp.Body.Close()
						if resp.StatusCode == 201 {
							mu.Lock()
							acked[tk.Number] = subject
							mu.Unlock()
							select {
							case load <- struct{}{}:
							default:
							}
						}
					}
				}()
			}
			timeout := time.After(time.Minute)
			for range 20 {
				select {
				case <-load: // the load is running
				case <-timeout:
					t.Fatal("the load got no answers")
				}
			}
			stopServing()

			// New connections are refused once the listener is closed.
			deadline := time.Now().Add(10 * time.Second)
			for {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					break
				}
				c.Close()
				if time.Now().After(deadline) {
					t.Fatal("the node still accepts connections after the stop")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if _, err := io.WriteString(slow, body[len(body)/2:]); err != nil {
				t.Fatalf("finish the slow request: %v", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
			if err != nil {
				t.Fatalf("the request in flight at the stop got no answer: %v", err)
			}
			var slowTicket struct{ Number int64 }
			raw, _ := io.ReadAll(resp.Body)
			json.Unmarshal(raw, &slowTicket)
			if resp.StatusCode != 201 {
				t.Fatalf("the request in flight at the stop: %d %s", resp.StatusCode, raw)
			}
			if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Fatalf("serve: %v", err)
			}
			wg.Wait()
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			// Every acknowledged ticket is there once, read back from a fresh open.
			a2, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer a2.Close()
			acked[slowTicket.Number] = "停机时的工单"
			for n, subject := range acked {
				var got string
				var count int
				err := a2.DB.Read().QueryRowContext(ctx, `SELECT min(subject), count(*) FROM tickets WHERE number = $1`, n).Scan(&got, &count)
				if err != nil || got != subject || count != 1 {
					t.Errorf("acknowledged ticket %d: %q ×%d (%v), want %q once", n, got, count, err, subject)
				}
			}
			t.Logf("%d tickets acknowledged around the stop, all stored once", len(acked))
		})
	}
}
