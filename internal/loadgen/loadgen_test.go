package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.1.2.3"} {
		if err := Loopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "http://0.0.0.0:8080", "ftp://127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1.nip.io"} {
		if err := Loopback(u); err == nil {
			t.Errorf("%s was accepted", u)
		}
	}
	for name, o := range map[string]Options{
		"remote node":       {URL: "http://192.0.2.1:8080", Conns: 10, Duration: time.Second},
		"remote metrics":    {URL: "http://127.0.0.1:8080", MetricsURL: "http://192.0.2.1:9090/metrics", Conns: 10, Duration: time.Second},
		"no bound in time":  {URL: "http://127.0.0.1:8080", Conns: 10},
		"too long":          {URL: "http://127.0.0.1:8080", Conns: 10, Duration: 2 * time.Hour},
		"chats over conns":  {URL: "http://127.0.0.1:8080", Conns: 10, Chatting: 11, Token: "t", Duration: time.Second},
		"no agent token":    {URL: "http://127.0.0.1:8080", Conns: 10, Chatting: 1, Duration: time.Second},
		"too many chats/ip": {URL: "http://127.0.0.1:8080", Conns: 100, Chatting: 60, PerIP: 16, Token: "t", Duration: time.Second},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: ran", name)
		}
	}
}

// TestChatLoad runs the generator end to end against a real node, small: every connection
// is held, every chat starts, and messages travel both ways.
func TestChatLoad(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		var log strings.Builder
		rep, err := Run(context.Background(), Options{
			URL: s.URL, Conns: 40, Chatting: 6, Duration: 3 * time.Second, Interval: 500 * time.Millisecond,
			PerIP: 8, Token: s.Admin.Token, Log: &log,
		})
		var out strings.Builder
		if rep != nil {
			rep.Write(&out)
		}
		t.Log(log.String() + out.String())
		if err != nil {
			t.Fatal(err)
		}
		if rep.HeldIdle != 40 || rep.Held != 40 || rep.Dropped != 0 {
			t.Errorf("held %d then %d, dropped %d", rep.HeldIdle, rep.Held, rep.Dropped)
		}
		if rep.Chats != 6 || rep.Sent == 0 || rep.ToAgent.N == 0 || rep.ToVisitor.N == 0 {
			t.Errorf("chats %d, sent %d, heard by the agent %d, by visitors %d", rep.Chats, rep.Sent, rep.ToAgent.N, rep.ToVisitor.N)
		}
		if rep.ToAgent.N+rep.Lost < rep.Sent-rep.Chats || rep.ToAgent.P50 <= 0 || rep.ToAgent.P99 < rep.ToAgent.P50 {
			t.Errorf("visitor → agent: %+v of %d sent", rep.ToAgent, rep.Sent)
		}
		for name, st := range map[string]ServerStats{"before": rep.Before, "idle": rep.Idle, "after": rep.After} {
			if st.Err != "" || st.RSS == 0 || st.Goroutines == 0 {
				t.Errorf("server %s: %+v", name, st)
			}
		}
		if rep.Before.WidgetConns != 0 || rep.Idle.WidgetConns != 40 {
			t.Errorf("the server counted %v sockets before and %v holding them, want 0 and 40", rep.Before.WidgetConns, rep.Idle.WidgetConns)
		}
		if len(rep.FrameErrors) > 0 || len(rep.DialErrors) > 0 {
			t.Errorf("errors: %v %v", rep.FrameErrors, rep.DialErrors)
		}
	})
}
