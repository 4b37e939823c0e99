package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/metrics"
	"github.com/kefuhq/kefu/internal/storage"
)

// newMetrics builds the node's registry and hooks the database's timing into it.
func newMetrics(db *storage.DB) *metrics.Metrics {
	m := metrics.New(Version)
	db.SetObserver(m.ObserveDB)
	m.Registry.MustRegister(metrics.NewTicketCollector(db))
	return m
}

// mountOps adds /metrics and /debug/pprof/ to mux. On the public address (adminOnly) both
// need an admin's API token; on the separate --metrics-addr, which is meant to be reachable
// only from the monitoring network, /metrics is open and pprof still needs the token.
func (a *App) mountOps(mux *http.ServeMux, adminOnly bool) {
	m := a.Metrics.Handler()
	if adminOnly {
		m = a.adminOnly(m)
	}
	mux.Handle("GET /metrics", m)
	mux.Handle("/debug/pprof/", a.adminOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", a.adminOnly(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", a.adminOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", a.adminOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", a.adminOnly(http.HandlerFunc(pprof.Trace)))
}

// OpsHandler is what the separate --metrics-addr listener serves.
func (a *App) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	a.mountOps(mux, false)
	return a.middleware(a.Metrics.Middleware(mux))
}

// adminOnly lets a request through only with the bearer token of an active admin: the same
// tokens the API takes (POST /api/v1/auth/token or kefu token create).
func (a *App) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Match(r.Header.Get("Accept-Language"))
		fail := func(status int, e *apperr.Error) {
			msg, _ := i18n.Error(lang, e)
			writeJSON(w, status, map[string]any{"error": map[string]any{"code": e.Code, "message": msg}})
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kefu"`)
			fail(http.StatusUnauthorized, apperr.ErrUnauthorized)
			return
		}
		u, err := a.Users.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil && !errors.Is(err, apperr.ErrUnauthorized) {
			a.Logger.Error("authenticate", "err", err)
			fail(http.StatusInternalServerError, &apperr.Error{Code: "internal"})
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kefu", error="invalid_token"`)
			fail(http.StatusUnauthorized, apperr.ErrUnauthorized)
			return
		}
		if u.Role != auth.RoleAdmin {
			fail(http.StatusForbidden, apperr.ErrForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// startOps serves OpsHandler on --metrics-addr until the returned stop is called; the main
// server stops first, so a shutdown can be watched on the metrics to the end.
func (a *App) startOps() (stop func(), err error) {
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (--metrics-addr): %w", a.Config.MetricsAddr, err)
	}
	srv := &http.Server{
		Handler:           a.OpsHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	go srv.Serve(ln)
	a.Logger.Info("metrics and pprof are serving", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
