// Package widget is the public edge of live chat: the embeddable script (/widget.js), a demo
// page, the visitors' WebSocket (/widget/ws), uploads and file downloads. Nothing here needs
// a staff session; a visitor proves who they are with the token the server gave them, sent
// in the first frame (never a cookie), so the socket accepts any Origin: a page on another
// site gains nothing it could not get by opening the socket itself. Every public entry is
// rate limited per IP, and open connections are capped per IP (both per node).
package widget

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/realtime"
)

//go:embed widget.js
var script []byte

//go:embed demo.html
var demoPage []byte

// Limits bound what one IP may do on this node.
type Limits struct {
	ConnsPerIP  int           // open WebSockets per IP (default 20)
	Hello       Rate          // connections (hello frames) per IP (default 30 a minute, bursts of 30)
	Start       Rate          // chats started per IP (default 10 an hour, bursts of 5)
	Msg         Rate          // messages per IP (default 60 a minute, bursts of 20)
	Upload      Rate          // uploads per IP (default 20 an hour, bursts of 5)
	Typing      Rate          // typing frames per IP (default 60 a minute, bursts of 20); over it they are dropped
	FrameBytes  int64         // largest frame read (default 32 KiB)
	UploadBytes int64         // largest upload (default 10 MiB, never above the ticket attachment limit)
	IdleTimeout time.Duration // a socket silent this long is closed (default 90 s; the widget pings every 25 s)
}

func (l Limits) withDefaults() Limits {
	def := func(r *Rate, per int, every time.Duration, burst int) {
		if r.Per == 0 {
			*r = Rate{Per: per, Every: every, Burst: burst}
		}
	}
	if l.ConnsPerIP == 0 {
		l.ConnsPerIP = 20
	}
	def(&l.Hello, 30, time.Minute, 30)
	def(&l.Start, 10, time.Hour, 5)
	def(&l.Msg, 60, time.Minute, 20)
	def(&l.Upload, 20, time.Hour, 5)
	def(&l.Typing, 60, time.Minute, 20)
	if l.FrameBytes <= 0 {
		l.FrameBytes = 32 << 10
	}
	if l.UploadBytes <= 0 {
		l.UploadBytes = 10 << 20
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 90 * time.Second
	}
	return l
}

// Options configure the widget edge.
type Options struct {
	Chat     *chat.Service
	Realtime realtime.Broker
	Logger   *slog.Logger
	Limits   Limits
	// CatchUp is how often a connection following a chat re-reads it from the database even
	// when no hint arrived: the safety net for hints lost between nodes (default 20 s).
	CatchUp time.Duration
	Now     func() time.Time
}

// Handler serves the widget's public endpoints.
type Handler struct {
	chat    *chat.Service
	broker  realtime.Broker
	logger  *slog.Logger
	limits  Limits
	catchUp time.Duration
	now     func() time.Time
	rates   *limiter
	conns   counter
	open    atomic.Int64
	base    context.Context // ends at Close: every socket is closed with "going away"
	stop    context.CancelFunc
}

// New makes the widget handler.
func New(o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CatchUp <= 0 {
		o.CatchUp = 20 * time.Second
	}
	if o.Realtime == nil {
		o.Realtime = o.Chat.Broker()
	}
	base, stop := context.WithCancel(context.Background())
	return &Handler{chat: o.Chat, broker: o.Realtime, logger: o.Logger, limits: o.Limits.withDefaults(), catchUp: o.CatchUp,
		now: o.Now, rates: newLimiter(o.Now), conns: counter{n: map[string]int{}}, base: base, stop: stop}
}

// Close closes every open socket with "going away" (at shutdown: the widgets reconnect,
// to another node behind the balancer) and refuses new ones.
func (h *Handler) Close() { h.stop() }

// Connections is how many widget sockets this node holds open.
func (h *Handler) Connections() int64 { return h.open.Load() }

// Mount adds the widget's routes to mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /widget.js", h.serveScript)
	mux.HandleFunc("GET /widget/demo", h.serveDemo)
	mux.HandleFunc("GET /widget/ws", h.serveWS)
	mux.HandleFunc("POST /widget/upload", h.upload)
	mux.HandleFunc("OPTIONS /widget/upload", h.preflight)
	mux.HandleFunc("GET /widget/files/{id}", h.file)
}

// clientIP is the address the request came from. Behind a reverse proxy every visitor
// shares the proxy's address; the limits then apply to all of them together.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) allow(kind string, r Rate, ip string) bool { return h.rates.allow(kind+"|"+ip, r) }

func (h *Handler) serveScript(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, "widget.js", time.Time{}, strings.NewReader(string(script)))
}

func (h *Handler) serveDemo(w http.ResponseWriter, r *http.Request) {
	lang := "zh-CN"
	if strings.HasPrefix(r.URL.Query().Get("lang"), "en") {
		lang = "en"
	}
	team := r.URL.Query().Get("team")
	page := strings.NewReplacer("{{lang}}", lang, "{{team}}", htmlAttr(team)).Replace(string(demoPage))
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	w.Write([]byte(page))
}

func htmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `\`, "&#92;").Replace(s)
}

// errFrame translates a domain error into an error frame.
func errFrame(lang i18n.Lang, err error, cid string) map[string]any {
	e, ok := apperr.As(err)
	if !ok {
		e = &apperr.Error{Code: "internal"}
	}
	msg, fields := i18n.Error(lang, e)
	f := map[string]any{"type": "error", "code": e.Code, "message": msg}
	if len(fields) > 0 {
		f["fields"] = fields
	}
	if cid != "" {
		f["cid"] = cid
	}
	return f
}

var (
	errRateLimited = &apperr.Error{Kind: apperr.KindInvalid, Code: "rate_limited"}
	errBadFrame    = &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_frame"}
	errHelloFirst  = &apperr.Error{Kind: apperr.KindInvalid, Code: "hello_first"}
	errTooMany     = &apperr.Error{Kind: apperr.KindInvalid, Code: "too_many_connections"}
)

func isDomain(err error) bool {
	_, ok := apperr.As(err)
	return ok || errors.Is(err, errRateLimited)
}
