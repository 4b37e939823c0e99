// Package web is the agent workspace in the browser: server-rendered pages from html/template,
// embedded in the binary, progressively enhanced with htmx and a little of our own script.
// Handlers only translate: they read a form, call a domain service with the signed-in user as
// actor, and render the answer; every rule lives in the domain packages.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/phrase"
	"github.com/kefuhq/kefu/internal/web/session"
)

//go:embed static
var staticFiles embed.FS

// Options are the services the UI serves.
type Options struct {
	DB           *storage.DB
	Users        *user.Service
	Customers    *customer.Service
	Tickets      *ticket.Service
	Tags         *tag.Service
	CustomFields *customfield.Service
	Mail         *mail.Service // the email channel's administration pages; off when nil
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time
	PageSize     int             // tickets per inbox page; 50 when zero
	Realtime     realtime.Broker // live updates; an in-process broker when nil
	SetupOpen    bool            // listening on loopback only: first-run setup from this machine needs no code

	// Chat (issue #5): Routing keeps agents' availability (the header switch, hidden when
	// nil); Chats accepts and closes chats (internal/chat; the ticket service's rules when nil).
	Routing *routing.Service
	Chats   ChatDesk

	Notify *notify.Service // in-app notifications: the header's bell (notifications.go)
}

// UI serves the web pages.
type UI struct {
	Options
	Sessions *session.Store
	Phrases  *phrase.Service
	pages    *pages
	mux      *http.ServeMux
	streams  atomic.Int64 // live-update streams open now (LiveStreams)
	setup    setupState   // this node's printed first-run setup code
}

// LiveStreams is how many live-update streams this node holds open, for the metrics.
func (u *UI) LiveStreams() int64 { return u.streams.Load() }

// New builds the UI and its routes.
func New(o Options) *UI {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.Realtime == nil {
		o.Realtime = realtime.NewLocal()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	u := &UI{
		Options:  o,
		Sessions: session.NewStore(o.DB, o.Now),
		Phrases:  phrase.NewService(o.DB, o.Now),
		pages:    mustParsePages(),
		mux:      http.NewServeMux(),
	}
	u.publishChanges()
	static, _ := fs.Sub(staticFiles, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	u.mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The file names carry no hash, so let browsers revalidate, but cheaply.
		w.Header().Set("Cache-Control", "public, max-age=300")
		fileServer.ServeHTTP(w, r)
	}))
	u.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	u.mux.HandleFunc("GET /login", u.loginOrSetup)
	u.mux.HandleFunc("GET /setup", u.setupPage)
	u.mux.HandleFunc("POST /setup", u.claimSetup)
	u.mux.HandleFunc("POST /login", u.login)
	u.mux.HandleFunc("POST /language", u.guestLanguage)
	for _, r := range append(u.routes(), u.mailRoutes()...) {
		u.mux.Handle(r.pattern, u.signedIn(r.handler))
	}
	u.mux.Handle("/", u.signedIn(func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		return errNotFoundPage
	}))
	return u
}

// ServeHTTP serves a page.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	u.mux.ServeHTTP(w, r)
}

type route struct {
	pattern string
	handler pageFunc
}

// routes lists every signed-in page and form.
func (u *UI) routes() []route {
	return []route{
		{"GET /{$}", u.inbox},
		{"POST /logout", u.logout},
		{"GET /settings", u.settingsPage},
		{"POST /settings/password", u.changePassword},
		{"POST /settings/language", u.changeLanguage},
		{"POST /views", u.saveView},
		{"POST /views/{id}/delete", u.deleteView},
		{"POST /tickets/bulk", u.bulk},
		{"GET /tickets/new", u.newTicketPage},
		{"POST /tickets", u.createTicket},
		{"GET /tickets/{number}", u.ticketPage},
		{"GET /tickets/{number}/live", u.live},
		{"POST /tickets/{number}/presence", u.presence},
		{"GET /tickets/{number}/chat/update", u.chatUpdate},
		{"POST /tickets/{number}/chat/send", u.chatSend},
		{"POST /tickets/{number}/chat/accept", u.chatAccept},
		{"POST /tickets/{number}/chat/close", u.chatClose},
		{"GET /live/inbox", u.liveInbox},
		{"GET /live/notifications", u.liveNotifications},
		{"GET /notifications", u.notificationsList},
		{"GET /notifications/bell", u.bell},
		{"POST /notifications/read", u.markNotificationsRead},
		{"GET /chats/waiting", u.waitingChats},
		{"POST /availability", u.setAvailability},
		{"POST /tickets/{number}/messages", u.addMessage},
		{"POST /tickets/{number}/fields", u.updateFields},
		{"POST /tickets/{number}/transfer", u.transfer},
		{"POST /tickets/{number}/merge", u.merge},
		{"POST /tickets/{number}/split", u.split},
		{"POST /tickets/{number}/links", u.link},
		{"GET /attachments/{id}", u.attachment},
		{"GET /customers", u.customers},
		{"GET /customers/{id}", u.customerPage},
		{"POST /customers/{id}", u.updateCustomer},
		{"GET /admin/phrases", u.phrasesPage},
		{"POST /admin/phrases", u.createPhrase},
		{"POST /admin/phrases/{id}/delete", u.deletePhrase},
		{"GET /admin/users", u.usersPage},
		{"POST /admin/users", u.createUser},
		{"POST /admin/users/{id}", u.updateUser},
		{"GET /admin/teams", u.teamsPage},
		{"POST /admin/teams", u.createTeam},
		{"POST /admin/teams/{id}/members", u.addMember},
		{"POST /admin/teams/{id}", u.updateTeam},
		{"POST /admin/teams/{id}/delete", u.deleteTeam},
		{"GET /admin/tags", u.tagsPage},
		{"POST /admin/tags", u.createTag},
		{"POST /admin/tags/{id}", u.renameTag},
		{"POST /admin/tags/{id}/delete", u.deleteTag},
		{"GET /admin/fields", u.fieldsPage},
		{"POST /admin/fields", u.createField},
		{"POST /admin/fields/{id}", u.updateField},
		{"POST /admin/fields/{id}/delete", u.deleteField},
	}
}
