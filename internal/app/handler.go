package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// Handler is the whole HTTP surface of a node.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", a.API)
	mux.HandleFunc("POST /api/v1/auth/token", a.login)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("/", a.Web) // the web UI: /, /login, /static/, /tickets/…
	a.Widget.Mount(mux)    // the chat widget: /widget.js, /widget/ws, /widget/upload, /widget/files/{id}, /widget/demo
	// The customer portal.
	mux.Handle("/portal", a.Portal)
	mux.Handle("/portal/", a.Portal)
	mux.HandleFunc("GET /api/v1/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{
			"name": "Kefu 客服", "version": Version, "api": "/api/v1", "openapi": "/api/v1/openapi.json",
		})
	})
	if a.Config.MetricsAddr == "" {
		a.mountOps(mux, true)
	}
	// The metrics middleware wraps the mux itself, so it sees the pattern the mux matched.
	return a.middleware(a.Metrics.Middleware(mux))
}

// ready answers 200 only when the database answers and its schema is the one this binary knows.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	v, err := a.DB.SchemaVersion(ctx)
	status, body := http.StatusOK, map[string]any{"database": "ok", "schema": v}
	if err != nil {
		status, body = http.StatusServiceUnavailable, map[string]any{"database": "unreachable"}
	} else if v != a.DB.KnownVersion() {
		status, body["database"] = http.StatusServiceUnavailable, "schema mismatch"
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (websocket upgrades, flushes).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush serves handlers that stream (Server-Sent Events) and assert http.Flusher.
func (s *statusRecorder) Flush() { http.NewResponseController(s.ResponseWriter).Flush() }

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDs adds request_id to every record logged with a request's context (the
// *Context logging calls), so one id ties a request's log lines together with nginx's.
type requestIDs struct{ slog.Handler }

func withRequestIDs(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(requestIDs); ok {
		return l
	}
	return slog.New(requestIDs{l.Handler()})
}

func (h requestIDs) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDs) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDs{h.Handler.WithAttrs(as)}
}
func (h requestIDs) WithGroup(name string) slog.Handler { return requestIDs{h.Handler.WithGroup(name)} }

// middleware gives every request an id, a log line and a guard against panics.
func (a *App) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				a.Logger.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				http.Error(rec, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
			}
			level := slog.LevelDebug
			if rec.status >= 500 {
				level = slog.LevelError
			}
			a.Logger.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "ms", float64(time.Since(start).Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}
