// Package apitest runs a whole Kefu node in a test: the real app on a fresh database of
// either engine, behind a real HTTP server on 127.0.0.1, with clients that sign in as any
// staff member.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// Server is a running node.
type Server struct {
	App   *app.App
	URL   string
	Admin *Client
	t     testing.TB
}

// New starts a node on a fresh database of the given engine; it stops with the test.
func New(t testing.TB, d storage.Dialect) *Server {
	t.Helper()
	cfg := config.Defaults(t.TempDir())
	cfg.DB = testutil.DSN(t, d)
	if d == storage.SQLite {
		cfg.DB = cfg.DataDir + "/kefu.db"
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.Open(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	s := &Server{App: a, URL: srv.URL, t: t}
	s.Admin = s.NewUser("admin@example.com", "管理员", auth.RoleAdmin)
	return s
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// ForEachEngine runs f as a parallel subtest on a fresh node per engine.
func ForEachEngine(t *testing.T, f func(t *testing.T, s *Server)) {
	t.Helper()
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, New(t, d))
		})
	}
}

// Team creates a service team ("team") or department ("department") and returns its id.
func (s *Server) Team(name, kind string) int64 {
	s.t.Helper()
	tm, err := s.App.Users.CreateTeam(context.Background(), auth.System(), user.TeamInput{Name: &name, Kind: &kind})
	if err != nil {
		s.t.Fatalf("create team %s: %v", name, err)
	}
	return tm.ID
}

// NewUser creates a staff member in the given teams and returns a client signed in as them.
func (s *Server) NewUser(email, name string, role auth.Role, teams ...int64) *Client {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.App.Users.Create(ctx, auth.System(), user.CreateInput{Email: email, Name: name, Role: role, Teams: teams, Password: "password-" + email})
	if err != nil {
		s.t.Fatalf("create user %s: %v", email, err)
	}
	token, err := s.App.Users.CreateToken(ctx, auth.System(), u.ID, "test")
	if err != nil {
		s.t.Fatal(err)
	}
	return &Client{s: s, Token: token, UserID: u.ID, Lang: "zh-CN"}
}

// Client calls the API as one user.
type Client struct {
	s      *Server
	Token  string
	UserID int64
	Lang   string
}

// Response is an answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode parses the body as JSON into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map parses the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	m := map[string]any{}
	r.Decode(t, &m)
	return m
}

// ErrorCode is the error.code of an error answer ("" otherwise).
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte. Extra headers
// come as name, value pairs.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	if err != nil {
		c.s.t.Fatal(err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Must sends a request and fails the test unless the status is want; it returns the body
// as a JSON object.
func (c *Client) Must(want int, method, path string, body any, headers ...string) map[string]any {
	c.s.t.Helper()
	r := c.Do(method, path, body, headers...)
	if r.Status != want {
		c.s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.Map(c.s.t)
}

// Num reads a JSON number field as int64.
func Num(m map[string]any, key string) int64 {
	v, ok := m[key].(float64)
	if !ok {
		panic(fmt.Sprintf("field %q is %T, not a number", key, m[key]))
	}
	return int64(v)
}
