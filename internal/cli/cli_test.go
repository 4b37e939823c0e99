package cli

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, args)
	return out.String(), errb.String(), code
}

func TestCommands(t *testing.T) {
	data := t.TempDir()
	db := "--data=" + data
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // regexp the output must match
	}{
		{"version", []string{"version"}, 0, `^kefu `},
		{"help", []string{"help"}, 0, `serve`},
		{"unknown", []string{"frobnicate"}, 2, ``},
		{"check before migrate", []string{"migrate", "--check", db}, 0, `would apply 0001_core`},
		{"migrate", []string{"migrate", db}, 0, `applied 0001_core`},
		{"check after migrate", []string{"migrate", "--check", db}, 0, `up to date`},
		{"user create", []string{"user", "create", db, "--email", "Li.Na@Example.com", "--name", "李娜", "--role", "agent"}, 0, `created user \d+ li.na@example.com \(agent\)\npassword: \S+`},
		{"duplicate user", []string{"user", "create", db, "--email", "li.na@example.com", "--name", "李娜", "--role", "agent"}, 1, ``},
		{"bad role", []string{"user", "create", db, "--email", "x@example.com", "--name", "X", "--role", "boss"}, 1, ``},
		{"unknown team", []string{"user", "create", db, "--email", "y@example.com", "--name", "Y", "--team", "无此组"}, 1, ``},
		{"token", []string{"token", "create", db, "--user", "li.na@example.com"}, 0, `^kefu_[A-Za-z0-9_-]{40,}\n$`},
		{"token for nobody", []string{"token", "create", db, "--user", "nobody@example.com"}, 1, ``},
		{"bad flag value", []string{"migrate", db, "--sqlite-sync", "off"}, 1, ``},
		{"user without create", []string{"user", db}, 2, ``},
		{"reindex", []string{"reindex", db}, 0, `^indexed 0 messages and 0 customers in `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if tc.out != "" && !regexp.MustCompile(tc.out).MatchString(out) {
				t.Fatalf("stdout %q does not match %q", out, tc.out)
			}
		})
	}
}

func TestErrorsAreExplainedInBothLanguages(t *testing.T) {
	db := "--data=" + t.TempDir()
	_, errs, code := run(t, "user", "create", db, "--email", "not-an-address", "--name", "X", "--role", "agent")
	if code != 1 || !regexp.MustCompile(`\p{Han}`).MatchString(errs) || !strings.Contains(strings.ToLower(errs), "email") {
		t.Fatalf("exit %d, stderr %q: want a Chinese and English explanation naming the email", code, errs)
	}
}

func TestServeRefusesNewerSchema(t *testing.T) {
	data := t.TempDir()
	if _, _, code := run(t, "migrate", "--data="+data); code != 0 {
		t.Fatal("migrate failed")
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "kefu.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, errs, code := run(t, "serve", "--data="+data, "--addr=127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "newer") {
		t.Fatalf("serve on a newer schema: exit %d, stderr %q", code, errs)
	}
}

// serve on an empty folder migrates, prints the first admin's login once, answers health
// checks, accepts the printed token, and stops cleanly when its context ends.
func TestServeFirstStart(t *testing.T) {
	data := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, Env{Stdout: &out, Stderr: &errb}, []string{"serve", "--data=" + data, "--addr=" + addr})
	}()
	var token string
	deadline := time.Now().Add(20 * time.Second)
	for token == "" && time.Now().Before(deadline) {
		if m := regexp.MustCompile(`API token: (kefu_\S+)`).FindStringSubmatch(out.String()); m != nil {
			token = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if token == "" || !strings.Contains(out.String(), "admin@kefu.local") {
		cancel()
		t.Fatalf("no admin login printed: %q / %q", out.String(), errb.String())
	}
	waitOK(t, "http://"+addr+"/healthz", "")
	waitOK(t, "http://"+addr+"/readyz", "")
	waitOK(t, "http://"+addr+"/api/v1/me", token)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	// A second start prints no new login.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var out2 syncBuffer
	go func() {
		done <- Run(ctx2, Env{Stdout: &out2, Stderr: &errb}, []string{"serve", "--data=" + data, "--addr=" + addr})
	}()
	waitOK(t, "http://"+addr+"/healthz", "")
	cancel2()
	<-done
	if strings.Contains(out2.String(), "password") {
		t.Fatalf("second start printed a login again: %q", out2.String())
	}
}

func waitOK(t *testing.T, url, token string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
