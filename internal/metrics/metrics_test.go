package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The middleware labels a request with the pattern its mux matched (never the raw path), a
// bounded method and the status actually sent, and counts panics as 500s.
func TestMiddlewareLabels(t *testing.T) {
	m := New("test")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tickets/{number}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("POST /tickets", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("GET /flush", func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the middleware: %v", err)
		}
	})
	h := m.Middleware(mux)
	for _, tc := range []struct {
		method, path string
		route, code  string
	}{
		{"GET", "/tickets/10001", "GET /tickets/{number}", "200"},
		{"GET", "/tickets/10002", "GET /tickets/{number}", "200"},
		{"POST", "/tickets", "POST /tickets", "201"},
		{"GET", "/nowhere/42", "unmatched", "404"},
		{"BREW", "/tickets", "unmatched", "405"},
		{"GET", "/boom", "GET /boom", "500"},
		{"GET", "/flush", "GET /flush", "200"},
	} {
		func() {
			defer func() { recover() }() // the panic goes on to the outer middleware
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.path, nil))
		}()
	}
	want := map[string]int{
		`method="GET",route="GET /tickets/{number}",status="200"`: 2,
		`method="POST",route="POST /tickets",status="201"`:        1,
		`method="GET",route="unmatched",status="404"`:             1,
		`method="other",route="unmatched",status="405"`:           1,
		`method="GET",route="GET /boom",status="500"`:             1,
		`method="GET",route="GET /flush",status="200"`:            1,
	}
	got := samples(t, m, "kefu_http_request_duration_seconds")
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for labels, count := range want {
		if got[labels] != count {
			t.Errorf("%s: %d requests, want %d", labels, got[labels], count)
		}
	}
	if v := samples(t, m, "kefu_http_requests_in_flight")[""]; v != 0 {
		t.Errorf("in flight after all requests: %v", v)
	}
}

// samples gathers one family as labels → sample count (histograms) or value (gauges).
func samples(t *testing.T, m *Metrics, name string) map[string]int {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.Metric {
			var parts []string
			for _, lp := range mt.Label {
				parts = append(parts, lp.GetName()+`="`+lp.GetValue()+`"`)
			}
			key := strings.Join(parts, ",")
			switch {
			case mt.Histogram != nil:
				out[key] = int(mt.Histogram.GetSampleCount())
			case mt.Gauge != nil:
				out[key] = int(mt.Gauge.GetValue())
			}
		}
	}
	return out
}

func TestObserveDB(t *testing.T) {
	m := New("test")
	m.ObserveDB("write", time.Millisecond, nil)
	m.ObserveDB("write", time.Millisecond, http.ErrAbortHandler)
	m.ObserveDB("read", time.Millisecond, nil)
	want := map[string]int{`op="read",result="ok"`: 1, `op="write",result="error"`: 1, `op="write",result="ok"`: 1}
	if got := samples(t, m, "kefu_db_duration_seconds"); len(got) != 3 || got[`op="write",result="error"`] != 1 {
		t.Errorf("series %v, want %v", got, want)
	}
}
