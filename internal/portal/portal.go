// Package portal is the customer portal at /portal: customers sign in with a one-time link
// mailed to them (or a password they chose), follow their own tickets across every
// channel, reply, open new requests and rate resolved ones.
//
// It is an edge like internal/web: handlers read a form, call a domain service and render
// the answer. Every ticket call is made as the customer (auth.ActorCustomer), so the ticket
// package's own rules decide what they see: their own tickets, public messages only, no
// internal notes, fields or events. Whatever a customer may not see is the same "not found"
// page as what does not exist, so a guessed ticket number tells nothing.
package portal

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/internal/portal/account"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

//go:embed static
var staticFiles embed.FS

// Options are what the portal needs.
type Options struct {
	DB       *storage.DB
	Accounts *account.Service
	Tickets  *ticket.Service
	Ratings  *rating.Service
	Logger   *slog.Logger
	Now      func() time.Time
	// PublicURL is where customers reach this server ("https://help.example.com"); sign-in
	// links point there. It must come from configuration, never from the request's Host
	// header, or anyone could have a customer mailed a link to their own site.
	PublicURL string
	// MaxUpload bounds one form with its files, in bytes (default 60 MiB).
	MaxUpload int64
	// Limits on requests for sign-in links and on password attempts; zero values take the
	// defaults below.
	Limits Limits
}

// Limits are the portal's rate limits, per window.
type Limits struct {
	Window          time.Duration // default 15 minutes
	LinksPerIP      int           // default 10
	LinksPerAddress int           // default 3
	PasswordsPerIP  int           // default 20
}

func (l Limits) withDefaults() Limits {
	if l.Window <= 0 {
		l.Window = 15 * time.Minute
	}
	if l.LinksPerIP <= 0 {
		l.LinksPerIP = 10
	}
	if l.LinksPerAddress <= 0 {
		l.LinksPerAddress = 3
	}
	if l.PasswordsPerIP <= 0 {
		l.PasswordsPerIP = 20
	}
	return l
}

// Portal serves /portal.
type Portal struct {
	Options
	pages      *pages
	mux        *http.ServeMux
	mailWarned atomic.Int64 // when the log last said the mail is not configured (ms)
}

// New builds the portal and its routes.
func New(o Options) *Portal {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxUpload <= 0 {
		o.MaxUpload = 60 << 20
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	o.Limits = o.Limits.withDefaults()
	p := &Portal{Options: o, pages: mustParsePages(), mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/portal/static/", http.FileServerFS(static))
	p.mux.Handle("GET /portal/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	}))
	p.mux.HandleFunc("GET /portal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/portal/", http.StatusMovedPermanently)
	})
	// Guests.
	p.mux.HandleFunc("GET /portal/login", p.loginPage)
	p.mux.HandleFunc("POST /portal/login/link", p.guest(p.requestLink))
	p.mux.HandleFunc("POST /portal/login/password", p.guest(p.passwordLogin))
	p.mux.HandleFunc("GET /portal/link", p.linkPage)
	p.mux.HandleFunc("POST /portal/link", p.guest(p.useLink))
	p.mux.HandleFunc("POST /portal/language", p.language)
	// Signed-in customers.
	for pattern, h := range map[string]pageFunc{
		"GET /portal/{$}":                       p.tickets,
		"GET /portal/tickets/new":               p.newTicketPage,
		"POST /portal/tickets":                  p.createTicket,
		"GET /portal/tickets/{number}":          p.ticketPage,
		"POST /portal/tickets/{number}/replies": p.reply,
		"POST /portal/tickets/{number}/rating":  p.rate,
		"GET /portal/attachments/{id}":          p.attachment,
		"GET /portal/account":                   p.accountPage,
		"POST /portal/account/password":         p.setPassword,
		"POST /portal/logout":                   p.logout,
	} {
		p.mux.Handle(pattern, p.signedIn(h))
	}
	p.mux.Handle("/portal/", p.signedIn(func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		return errNotFound
	}))
	return p
}

// ServeHTTP serves a portal page.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	p.mux.ServeHTTP(w, r)
}
