// Package httpapi is Kefu's REST API under /api/v1. Handlers only translate: they decode the
// request, call a domain service with the caller as actor, and encode the answer. Domain
// errors become HTTP statuses in one place (errors.go).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/automation"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/sla"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// Options are the services the API serves.
type Options struct {
	DB           *storage.DB
	Users        *user.Service
	Customers    *customer.Service
	Tickets      *ticket.Service
	Tags         *tag.Service
	CustomFields *customfield.Service
	Mail         *mail.Service
	Calendars    *calendar.Store
	SLA          *sla.Service
	Routing      *routing.Service
	Automation   *automation.Service
	Chat         *chat.Service   // live chat (chats.go)
	Ratings      *rating.Service // customers' ratings (chats.go)
	Realtime     realtime.Broker // change hints for GET /api/v1/events/stream; in-process when nil
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time
}

// API serves /api/v1.
type API struct {
	Options
	mux *http.ServeMux
}

// New builds the API and its routes.
func New(o Options) *API {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Realtime == nil {
		o.Realtime = realtime.NewLocal()
	}
	a := &API{Options: o, mux: http.NewServeMux()}
	for _, r := range a.routes() {
		a.mux.Handle(r.method+" "+r.path, a.authenticated(r.handler))
	}
	a.mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	a.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, &apperr.Error{Kind: apperr.KindNotFound, Code: "no_route"})
	})
	return a
}

// ServeHTTP serves an API request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type route struct {
	method, path string
	handler      handlerFunc
}

// handlerFunc is an API handler: it gets the caller and returns an error for the edge to map.
type handlerFunc func(w http.ResponseWriter, r *http.Request, actor auth.Actor) error

// routes lists every route; the OpenAPI test checks this list against the document.
func (a *API) routes() []route {
	return []route{
		{"GET", "/api/v1/me", a.me},
		{"GET", "/api/v1/search", a.search},
		{"GET", "/api/v1/tickets", a.listTickets},
		{"POST", "/api/v1/tickets", a.createTicket},
		{"GET", "/api/v1/tickets/{number}", a.getTicket},
		{"PATCH", "/api/v1/tickets/{number}", a.updateTicket},
		{"GET", "/api/v1/tickets/{number}/messages", a.listMessages},
		{"POST", "/api/v1/tickets/{number}/messages", a.addMessage},
		{"POST", "/api/v1/tickets/{number}/transfer", a.transferTicket},
		{"POST", "/api/v1/tickets/{number}/merge", a.mergeTicket},
		{"POST", "/api/v1/tickets/{number}/split", a.splitTicket},
		{"POST", "/api/v1/tickets/{number}/links", a.linkTicket},
		{"DELETE", "/api/v1/tickets/{number}/links/{other}", a.unlinkTicket},
		{"GET", "/api/v1/tickets/{number}/events", a.ticketEvents},
		{"GET", "/api/v1/attachments/{id}", a.getAttachment},
		{"GET", "/api/v1/customers", a.listCustomers},
		{"POST", "/api/v1/customers", a.createCustomer},
		{"GET", "/api/v1/customers/{id}", a.getCustomer},
		{"PATCH", "/api/v1/customers/{id}", a.updateCustomer},
		{"GET", "/api/v1/customers/{id}/tickets", a.customerTickets},
		{"GET", "/api/v1/customers/{id}/events", a.customerEvents},
		{"GET", "/api/v1/customers/{id}/views", a.customerViews},
		{"GET", "/api/v1/users", a.listUsers},
		{"POST", "/api/v1/users", a.createUser},
		{"GET", "/api/v1/users/{id}", a.getUser},
		{"PATCH", "/api/v1/users/{id}", a.updateUser},
		{"POST", "/api/v1/users/{id}/tokens", a.createToken},
		{"GET", "/api/v1/teams", a.listTeams},
		{"POST", "/api/v1/teams", a.createTeam},
		{"GET", "/api/v1/teams/{id}", a.getTeam},
		{"PATCH", "/api/v1/teams/{id}", a.updateTeam},
		{"PUT", "/api/v1/teams/{id}/members/{user}", a.addMember},
		{"DELETE", "/api/v1/teams/{id}/members/{user}", a.removeMember},
		{"GET", "/api/v1/tags", a.listTags},
		{"POST", "/api/v1/tags", a.createTag},
		{"GET", "/api/v1/custom-fields", a.listCustomFields},
		{"POST", "/api/v1/custom-fields", a.createCustomField},
		{"PATCH", "/api/v1/custom-fields/{id}", a.updateCustomField},
		{"GET", "/api/v1/mailboxes", a.listMailboxes},
		{"POST", "/api/v1/mailboxes", a.createMailbox},
		{"GET", "/api/v1/mailboxes/{id}", a.getMailbox},
		{"PATCH", "/api/v1/mailboxes/{id}", a.updateMailbox},
		{"GET", "/api/v1/mail/inbound", a.listInboundMail},
		{"POST", "/api/v1/mail/inbound/{id}/reprocess", a.reprocessMail},
		{"GET", "/api/v1/mail/outbox", a.listOutbox},
		{"POST", "/api/v1/mail/outbox/{id}/retry", a.retryOutbox},
		{"GET", "/api/v1/calendars", a.listCalendars},
		{"POST", "/api/v1/calendars", a.createCalendar},
		{"GET", "/api/v1/calendars/{id}", a.getCalendar},
		{"PUT", "/api/v1/calendars/{id}", a.updateCalendar},
		{"DELETE", "/api/v1/calendars/{id}", a.deleteCalendar},
		{"POST", "/api/v1/calendars/{id}/import", a.importCalendar},
		{"GET", "/api/v1/sla-policies", a.listSLAPolicies},
		{"POST", "/api/v1/sla-policies", a.createSLAPolicy},
		{"GET", "/api/v1/sla-policies/{id}", a.getSLAPolicy},
		{"PUT", "/api/v1/sla-policies/{id}", a.updateSLAPolicy},
		{"DELETE", "/api/v1/sla-policies/{id}", a.deleteSLAPolicy},
		{"GET", "/api/v1/tickets/{number}/sla", a.ticketSLA},
		{"GET", "/api/v1/teams/{id}/routing", a.getTeamRouting},
		{"PATCH", "/api/v1/teams/{id}/routing", a.updateTeamRouting},
		{"GET", "/api/v1/users/{id}/routing", a.getAgentRouting},
		{"PATCH", "/api/v1/users/{id}/routing", a.updateAgentRouting},
		{"GET", "/api/v1/automation/rules", a.listAutomationRules},
		{"POST", "/api/v1/automation/rules", a.createAutomationRule},
		{"GET", "/api/v1/automation/rules/{id}", a.getAutomationRule},
		{"PUT", "/api/v1/automation/rules/{id}", a.updateAutomationRule},
		{"DELETE", "/api/v1/automation/rules/{id}", a.deleteAutomationRule},
		{"POST", "/api/v1/automation/dry-run", a.dryRunAutomationRule},
		{"GET", "/api/v1/tickets/{number}/automation-runs", a.ticketAutomationRuns},
		{"GET", "/api/v1/events/stream", a.eventStream},
		{"GET", "/api/v1/chats", a.listChats},
		{"POST", "/api/v1/chats/{number}/accept", a.acceptChat},
		{"POST", "/api/v1/chats/{number}/close", a.closeChat},
		{"GET", "/api/v1/chat/settings", a.getChatSettings},
		{"PUT", "/api/v1/chat/settings", a.updateChatSettings},
		{"POST", "/api/v1/tickets/{number}/typing", a.ticketTyping},
		{"GET", "/api/v1/tickets/{number}/rating", a.ticketRating},
	}
}

type ctxKey int

const langKey ctxKey = 1

// authenticated resolves the bearer token into an actor and runs h with it.
func (a *API) authenticated(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), langKey, i18n.Match(r.Header.Get("Accept-Language"))))
		authz := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(authz, " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kefu"`)
			a.fail(w, r, apperr.ErrUnauthorized)
			return
		}
		u, err := a.Users.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kefu", error="invalid_token"`)
			a.fail(w, r, err)
			return
		}
		if r.Header.Get("Accept-Language") == "" {
			r = r.WithContext(context.WithValue(r.Context(), langKey, i18n.Match(u.Locale)))
		}
		if err := h(w, r, u.Actor()); err != nil {
			a.fail(w, r, err)
		}
	})
}

func lang(r *http.Request) i18n.Lang {
	if l, ok := r.Context().Value(langKey).(i18n.Lang); ok {
		return l
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}
