package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
	"github.com/kefuhq/kefu/internal/user"
)

// scrape reads a Prometheus text page into series → value ("name{labels}" as printed).
func scrape(t *testing.T, url, token string) (int, map[string]float64) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	series := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		series[line[:i]] = v
	}
	return resp.StatusCode, series
}

func status(t *testing.T, method, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// /metrics shows the named series, and they move with the requests: HTTP latency by route
// pattern and status, database time, open tickets by status, the Go runtime. Only admins
// may read it, and pprof, on the public address.
func TestMetricsSeriesExistAndMove(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		agent := s.NewUser("agent@example.com", "坐席", auth.RoleAgent)
		for _, tc := range []struct {
			path  string
			token string
			want  int
		}{
			{"/metrics", "", 401},
			{"/metrics", "kefu_not_a_real_token_000", 401},
			{"/metrics", agent.Token, 403},
			{"/debug/pprof/", "", 401},
			{"/debug/pprof/", agent.Token, 403},
			{"/debug/pprof/", s.Admin.Token, 200},
			{"/debug/pprof/cmdline", s.Admin.Token, 200},
			{"/debug/pprof/heap?debug=1", s.Admin.Token, 200},
		} {
			if got := status(t, "GET", s.URL+tc.path, tc.token); got != tc.want {
				t.Errorf("GET %s with token %q: %d, want %d", tc.path, tc.token, got, tc.want)
			}
		}

		code, before := scrape(t, s.URL+"/metrics", s.Admin.Token)
		if code != 200 {
			t.Fatalf("GET /metrics as admin: %d", code)
		}
		var numbers []int64
		for i := range 3 {
			tk := s.Admin.Must(201, "POST", "/api/v1/tickets", map[string]any{
				"subject": fmt.Sprintf("指标 %d", i), "customer": map[string]any{"email": fmt.Sprintf("m%d@example.com", i)},
				"message": map[string]any{"body": "发票开错了"},
			})
			numbers = append(numbers, apitest.Num(tk, "number"))
		}
		s.Admin.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", numbers[0]), nil)
		s.Admin.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", numbers[1]), nil)
		s.Admin.Must(404, "GET", "/api/v1/tickets/999999", nil)
		s.Admin.Must(200, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", numbers[2]), map[string]any{"status": "pending_customer"})
		_, after := scrape(t, s.URL+"/metrics", s.Admin.Token)

		moved := func(series string, want float64) {
			t.Helper()
			if got := after[series] - before[series]; got != want {
				t.Errorf("%s moved by %v, want %v", series, got, want)
			}
		}
		moved(`kefu_http_request_duration_seconds_count{method="POST",route="POST /api/v1/tickets",status="201"}`, 3)
		moved(`kefu_http_request_duration_seconds_count{method="GET",route="GET /api/v1/tickets/{number}",status="200"}`, 2)
		moved(`kefu_http_request_duration_seconds_count{method="GET",route="GET /api/v1/tickets/{number}",status="404"}`, 1)
		moved(`kefu_http_request_duration_seconds_count{method="PATCH",route="PATCH /api/v1/tickets/{number}",status="200"}`, 1)
		moved(`kefu_http_request_duration_seconds_count{method="GET",route="GET /metrics",status="200"}`, 1)
		moved(`kefu_tickets_open{status="new"}`, 2)
		moved(`kefu_tickets_open{status="pending_customer"}`, 1)
		if w := after[`kefu_db_duration_seconds_count{op="write",result="ok"}`] - before[`kefu_db_duration_seconds_count{op="write",result="ok"}`]; w < 4 {
			t.Errorf("database writes observed: %v, want at least the 4 commands", w)
		}
		if r := after[`kefu_db_duration_seconds_count{op="read",result="ok"}`] - before[`kefu_db_duration_seconds_count{op="read",result="ok"}`]; r < 3 {
			t.Errorf("database reads observed: %v, want at least 3", r)
		}
		for _, name := range []string{`go_goroutines`, `go_memstats_heap_alloc_bytes`, `kefu_http_requests_in_flight`,
			`kefu_build_info{version="dev"}`, `kefu_tickets_open{status="pending_department"}`,
			`kefu_jobs_waiting`, `kefu_jobs_lag_seconds`, `kefu_mail_waiting`, `kefu_mail_ingest_lag_seconds`,
			`kefu_mail_outbox_waiting`, `kefu_mail_outbox_lag_seconds`, `kefu_web_live_streams`} {
			if _, ok := after[name]; !ok {
				t.Errorf("series %s is missing", name)
			}
		}
		for series := range after {
			if strings.Contains(series, fmt.Sprint(numbers[0])) {
				t.Errorf("a raw path made it into a label: %s", series)
			}
		}
	})
}

// With --metrics-addr the public address no longer serves /metrics or pprof; the separate
// listener serves /metrics without a token and pprof to admins only.
func TestMetricsOnSeparateAddress(t *testing.T) {
	cfg := config.Defaults(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsAddr = ln.Addr().String()
	ln.Close()
	cfg.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.Users.Create(ctx, auth.System(), user.CreateInput{Email: "root@example.com", Name: "管理员", Role: auth.RoleAdmin, Password: "password-123456"})
	if err != nil {
		t.Fatal(err)
	}
	token, _ := a.Users.CreateToken(ctx, auth.System(), u.ID, "test")
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	ops := "http://" + cfg.MetricsAddr
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get(ops + "/metrics"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the metrics listener never answered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, series := scrape(t, ops+"/metrics", ""); code != 200 || series["go_goroutines"] == 0 {
		t.Errorf("GET /metrics on --metrics-addr without a token: %d, %d series", code, len(series))
	}
	if got := status(t, "GET", ops+"/debug/pprof/", ""); got != 401 {
		t.Errorf("pprof on --metrics-addr without a token: %d, want 401", got)
	}
	if got := status(t, "GET", ops+"/debug/pprof/", token); got != 200 {
		t.Errorf("pprof on --metrics-addr as admin: %d, want 200", got)
	}
	main := httptest.NewServer(a.Handler())
	defer main.Close()
	// Whatever the public address answers for /metrics now (the web UI's "not found"), it
	// is not the metrics.
	req, _ := http.NewRequest("GET", main.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics is still served on the public address with --metrics-addr set")
	}
}
