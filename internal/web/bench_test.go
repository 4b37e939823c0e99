package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/gen"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// BenchmarkPages measures the pages agents live in — the inbox, a ticket, a customer and a
// search — through HTTP (a real listener on 127.0.0.1, a keep-alive client), as an admin
// and as an agent of one team, and reports p50 and p95 per page. The budget: 20 ms
// p95 for the inbox and the ticket page with 1,000,000 tickets on SQLite.
//
// The database is either one made beforehand with `kefu gen` (KEFU_WEB_BENCH_DB, a SQLite
// path or a PostgreSQL URL; the run adds two staff users and their sessions to it, and the
// customer page logs its views, as it does for real), or a fresh SQLite database of
// KEFU_WEB_BENCH_TICKETS tickets generated here (default 20,000, so it runs in a minute):
//
//	kefu gen --tickets 1000000 --messages-per-ticket 5 --db /tmp/webbench/kefu.db
//	KEFU_WEB_BENCH_DB=/tmp/webbench/kefu.db go test ./internal/web -run '^$' -bench Pages -benchtime 300x -timeout 60m
//	KEFU_WEB_BENCH_TICKETS=1000000 go test ./internal/web -run '^$' -bench Pages -benchtime 300x -timeout 120m
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	ui, db := benchUI(b)
	var team, number, cust int64
	err := db.Read().QueryRowContext(ctx, `SELECT t.id FROM teams t WHERE t.kind = 'team' AND EXISTS (SELECT 1 FROM tickets k WHERE k.team_id = t.id) ORDER BY t.id LIMIT 1`).Scan(&team)
	if err == nil {
		err = db.Read().QueryRowContext(ctx, `SELECT number, customer_id FROM tickets WHERE team_id = $1 ORDER BY id DESC LIMIT 1`, team).Scan(&number, &cust)
	}
	if err != nil {
		b.Fatalf("pick a team and ticket: %v", err)
	}
	admin := benchStaff(b, ui, "admin", auth.RoleAdmin, 0)
	agent := benchStaff(b, ui, "agent", auth.RoleAgent, team)
	srv := httptest.NewServer(ui)
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	pages := []struct{ name, path string }{
		{"inbox-open", "/?view=open"},
		{"inbox-team", "/?view=team"},
		{"inbox-recent-priority", "/?view=recent&sort=priority"},
		{"ticket", "/tickets/" + strconv.FormatInt(number, 10)},
		{"customer", "/customers/" + strconv.FormatInt(cust, 10)},
		{"search", "/?q=" + url.QueryEscape("退款")},
	}
	fmt.Fprintf(os.Stderr, "web bench: team %d, ticket #%d, customer %d\n", team, number, cust)
	for _, who := range []struct {
		name string
		u    *user.User
	}{{"admin", admin}, {"agent", agent}} {
		token, _, err := ui.Sessions.Create(ctx, who.u.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, pg := range pages {
			b.Run(who.name+"/"+pg.name, func(b *testing.B) {
				get := func() time.Duration {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+pg.path, nil)
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
					start := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					took := time.Since(start)
					if res.StatusCode != http.StatusOK {
						b.Fatalf("%s: %d", pg.path, res.StatusCode)
					}
					return took
				}
				get() // warm the connection and the caches
				var times []time.Duration
				for b.Loop() {
					times = append(times, get())
				}
				slices.Sort(times)
				ms := func(q int) float64 { return float64(times[(len(times)-1)*q/100].Microseconds()) / 1000 }
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(ms(50), "p50-ms")
				b.ReportMetric(ms(95), "p95-ms")
			})
		}
	}
}

// benchUI opens the benchmark's database and builds the UI on it.
func benchUI(b *testing.B) (*UI, *storage.DB) {
	ctx := context.Background()
	var db *storage.DB
	if dsn := os.Getenv("KEFU_WEB_BENCH_DB"); dsn != "" {
		var err error
		if db, err = storage.Open(ctx, dsn, storage.Options{}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		size := 20000
		if v, err := strconv.Atoi(os.Getenv("KEFU_WEB_BENCH_TICKETS")); err == nil && v > 0 {
			size = v
		}
		db = newNode(b, storage.SQLite).DB
		if _, err := gen.Run(ctx, db, gen.Options{Tickets: size, MessagesPerTicket: 3, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	var blobs blob.Store = blob.Files{Dir: filepath.Join(b.TempDir(), "attachments")}
	if db.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	users := user.NewService(db, nil)
	customers := customer.NewService(db, nil)
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs})
	return New(Options{DB: db, Users: users, Customers: customers, Tickets: tickets, Tags: tag.NewService(db),
		CustomFields: customfield.NewService(db, nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), db
}

// benchStaff finds or makes the benchmark's user of a role (in team, for an agent).
func benchStaff(b *testing.B, ui *UI, name string, role auth.Role, team int64) *user.User {
	ctx := context.Background()
	email := "web-bench-" + name + "@example.com"
	if u, err := ui.Users.GetByEmail(ctx, email); err == nil {
		if team != 0 {
			if err := ui.Users.SetTeams(ctx, auth.System(), u.ID, []int64{team}); err != nil {
				b.Fatal(err)
			}
		}
		return u
	}
	in := user.CreateInput{Email: email, Name: "压测" + name, Role: role, Password: testPassword}
	if team != 0 {
		in.Teams = []int64{team}
	}
	u, err := ui.Users.Create(ctx, auth.System(), in)
	if err != nil {
		b.Fatal(err)
	}
	return u
}
