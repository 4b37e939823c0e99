package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/gen"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/user"
)

// BenchmarkPages measures the server time of the inbox and the ticket page (the issue's
// budget: 20 ms p95 at 1,000,000 tickets on SQLite). KEFU_WEB_BENCH_TICKETS sets the size
// (default 20,000, so that it runs in seconds); the p95 is reported as a metric:
//
//	KEFU_WEB_BENCH_TICKETS=1000000 go test ./internal/web -run '^$' -bench Pages -benchtime 200x -timeout 60m
func BenchmarkPages(b *testing.B) {
	size := 20000
	if v, err := strconv.Atoi(os.Getenv("KEFU_WEB_BENCH_TICKETS")); err == nil && v > 0 {
		size = v
	}
	n := newNode(b, storage.SQLite)
	n.UI.PageSize = 50
	ctx := context.Background()
	if _, err := gen.Run(ctx, n.DB, gen.Options{Tickets: size, MessagesPerTicket: 3, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	teams, err := n.UI.Users.ListTeams(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var team int64
	for _, t := range teams {
		if t.Kind == user.KindTeam && t.ID != n.TeamA && t.ID != n.TeamB {
			team = t.ID
			break
		}
	}
	agent, err := n.UI.Users.Create(ctx, auth.System(), user.CreateInput{Email: "bench@example.com", Name: "压测", Role: auth.RoleAgent, Password: testPassword, Teams: []int64{team}})
	if err != nil {
		b.Fatal(err)
	}
	var number int64
	n.DB.Read().QueryRowContext(ctx, `SELECT max(number) FROM tickets WHERE team_id = $1`, team).Scan(&number)
	for _, who := range []struct {
		name string
		id   int64
	}{{"admin", n.Admin.ID}, {"agent", agent.ID}} {
		token, _, err := n.UI.Sessions.Create(ctx, who.id)
		if err != nil {
			b.Fatal(err)
		}
		for _, path := range []string{"/?view=open", "/?view=team", "/?view=recent&sort=priority", "/tickets/" + strconv.FormatInt(number, 10)} {
			b.Run(who.name+path, func(b *testing.B) {
				var times []time.Duration
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
					w := httptest.NewRecorder()
					start := time.Now()
					n.UI.ServeHTTP(w, req)
					times = append(times, time.Since(start))
					if w.Code != http.StatusOK {
						b.Fatalf("%s: %d", path, w.Code)
					}
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			})
		}
	}
}
