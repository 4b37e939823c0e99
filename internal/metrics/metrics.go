// Package metrics is what a Kefu node tells Prometheus: HTTP latency by route and status,
// time spent in the database, open tickets by status, and the Go runtime. Other packages add
// their own collectors (job queue depth, mail ingest lag, websocket connections) with
// Register; nothing here is global, so every node and every test has its own registry.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every Kefu series.
const Namespace = "kefu"

// Metrics is one node's registry and the series every node has.
type Metrics struct {
	// Registry holds every collector; Handler serves it.
	Registry *prometheus.Registry

	httpDuration *prometheus.HistogramVec
	httpInFlight prometheus.Gauge
	dbDuration   *prometheus.HistogramVec
}

// New makes a registry with the HTTP, database and Go runtime series.
func New(version string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern (not raw path), method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})
	m.httpInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.dbDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "db", Name: "duration_seconds",
		Help: "Time in the database: op=write is one command from queueing to durable commit (SQLite group commit " +
			"included), op=read one query until its first row; result=error counts failures.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"op", "result"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info", Help: "Always 1; the version label names the running build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.Registry.MustRegister(m.httpDuration, m.httpInFlight, m.dbDuration, build,
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler, collectors.MetricsGC)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Register adds collectors of other packages to the node's registry. It fails if a series
// of the same name is already registered.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveDB records one database operation; storage.DB calls it through its observer hook.
func (m *Metrics) ObserveDB(op string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.dbDuration.WithLabelValues(op, result).Observe(d.Seconds())
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (Server-Sent Events) that assert http.Flusher flush through
// the wrapper, and through any wrapper under it that offers Unwrap.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController (websocket hijacking, deadlines) the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware times every request. It must wrap the ServeMux directly: the mux (and any
// mux mounted under it) writes the matched pattern into the same *http.Request, which is
// read after the handler returns — so a route label is "GET /api/v1/tickets/{number}",
// never a raw path with ids in it, and the number of series stays bounded.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.httpInFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.httpInFlight.Dec()
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			if p := recover(); p != nil {
				status = http.StatusInternalServerError
				defer panic(p) // the outer middleware logs it and answers
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			m.httpDuration.WithLabelValues(method(r.Method), route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// method bounds the method label: a client may send any word as a method.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
