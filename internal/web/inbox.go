package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/ticket"
)

// countCap bounds every inbox count: beyond it the inbox says "1,000+".
const countCap = 1000

// builtinViews are the inbox's views, in the sidebar's order.
var builtinViews = []string{"mine", "team", "chats", "open", "due_soon", "overdue", "department", "recent"}

var openStatuses = []string{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPendingCustomer, ticket.StatusPendingDepartment}

// viewFilter is the ticket filter of a built-in view for this actor.
func viewFilter(view string, a auth.Actor) ticket.Filter {
	switch view {
	case "team":
		f := ticket.Filter{AssigneeID: ticket.None, Statuses: []string{ticket.StatusNew, ticket.StatusOpen}}
		if len(a.Teams) == 1 {
			f.TeamID = a.Teams[0]
		}
		return f
	case "chats":
		return chatsFilter() // waiting chats: nobody accepted them yet
	case "open":
		return ticket.Filter{Statuses: []string{ticket.StatusNew, ticket.StatusOpen}}
	case "department":
		return ticket.Filter{Statuses: []string{ticket.StatusPendingDepartment}}
	case "due_soon", "overdue": // service levels, soonest due first (migration 0009)
		return ticket.Filter{SLA: view, Sort: "due", Order: "asc"}
	case "recent":
		return ticket.Filter{}
	default: // mine
		return ticket.Filter{AssigneeID: a.ID, Statuses: openStatuses}
	}
}

// viewLink is one entry of the sidebar.
type viewLink struct {
	Key   string // built-in view key, or "" for a saved view
	Name  string
	URL   string
	Count string
	ID    int64 // saved view id
	On    bool
}

// inboxData fills the inbox page.
type inboxData struct {
	View      string
	Views     []viewLink
	Saved     []viewLink
	Tickets   []*ticket.Ticket
	Snippets  map[int64]string
	Next      string
	Query     url.Values
	Q         string
	Total     string
	Searching bool
	Statuses  []string
	Prios     []string
	Types     []string
	Tags      []string
	Sort      string
	Notice    string
	Err       string
}

// inbox lists tickets: a built-in view narrowed by the filter bar, or search results.
func (u *UI) inbox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	view := q.Get("view")
	if !containsString(builtinViews, view) {
		view = "mine"
	}
	searching := strings.TrimSpace(q.Get("q")) != ""
	f := viewFilter(view, c.Actor)
	if searching {
		// A search looks through every ticket the user may see; the filter bar still applies.
		f = ticket.Filter{}
	}
	if s := q.Get("status"); s != "" {
		f.Statuses = strings.Split(s, ",")
	}
	f.Priority, f.Type, f.Tag = q.Get("priority"), q.Get("type"), q.Get("tag")
	if s := q.Get("sort"); s != "" || f.Sort == "" {
		f.Sort, f.Order = s, ""
	}
	f.Cursor, f.Limit = q.Get("cursor"), u.PageSize
	if s := q.Get("sla"); s != "" {
		f.SLA = s
	}
	if f.Sort == "" {
		f.Sort = "updated"
	}
	if f.Sort == "due" {
		f.Order = "asc" // soonest due first
	}
	d := &inboxData{View: view, Query: q, Q: strings.TrimSpace(q.Get("q")), Sort: f.Sort,
		Statuses: ticket.Statuses, Prios: ticket.Priorities, Types: ticket.Types, Snippets: map[int64]string{}}
	switch q.Get("done") {
	case "bulk":
		d.Notice = tr(c.Lang, "bulk.done", "ok", q.Get("ok"), "failed", q.Get("failed"))
	case "saved":
		d.Notice = tr(c.Lang, "views.saved")
	}
	var err error
	if searching {
		d.Searching = true
		f.Sort = ""
		var page *ticket.SearchPage
		page, err = u.Tickets.Search(r.Context(), c.Actor, d.Q, "", f)
		if err == nil {
			for _, h := range page.Items {
				d.Tickets = append(d.Tickets, h.Ticket)
				d.Snippets[h.Ticket.ID] = h.Match.Snippet
			}
			d.Next = page.Next
			d.Total = (&base{}).Count(page.Total, page.TotalMore)
		}
	} else {
		var page *ticket.Page
		page, err = u.Tickets.List(r.Context(), c.Actor, f)
		if err == nil {
			d.Tickets, d.Next = page.Items, page.Next
		}
	}
	status := http.StatusOK
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalid {
			return err
		}
		// A bad filter or search shows the reason above an empty list, not an error page.
		d.Err = formMessage(c, err)
		status = http.StatusUnprocessableEntity
	}
	// The list alone for htmx's "load more" and search-as-you-type; counts are not needed.
	if isHTMX(r) && r.Header.Get("HX-Target") == "list" && r.Header.Get("HX-Boosted") == "" {
		u.render(w, r, status, "inbox", u.page(c, "inbox", "inbox.title", d))
		return nil
	}
	for _, v := range builtinViews {
		n, more, err := u.Tickets.CountUpTo(r.Context(), c.Actor, viewFilter(v, c.Actor), countCap)
		if err != nil {
			return err
		}
		d.Views = append(d.Views, viewLink{Key: v, Name: tr(c.Lang, "view."+v), URL: "/?view=" + v,
			Count: (&base{}).Count(n, more), On: v == view && d.Q == ""})
	}
	saved, err := u.savedViews(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	for _, s := range saved {
		d.Saved = append(d.Saved, viewLink{Name: s.Name, URL: "/?" + s.Query, ID: s.ID, On: s.Query == r.URL.RawQuery})
	}
	tags, err := u.Tags.List(r.Context())
	if err != nil {
		return err
	}
	for _, t := range tags {
		d.Tags = append(d.Tags, t.Name)
	}
	u.render(w, r, status, "inbox", u.page(c, "inbox", "inbox.title", d))
	return nil
}

// formMessage is a domain error's message with its field messages, for a banner.
func formMessage(c *reqCtx, err error) string {
	fe, ok := asFormError(c.Lang, err)
	if !ok {
		return err.Error()
	}
	parts := []string{}
	for _, m := range fe.Fields {
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		return fe.Message
	}
	sort.Strings(parts)
	return strings.Join(parts, "；")
}

// NextURL is the inbox URL of the following page.
func (d *inboxData) NextURL() string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	q.Set("cursor", d.Next)
	return "/?" + q.Encode()
}

// With is the inbox URL with one parameter changed (and the page reset).
func (d *inboxData) With(key, value string) string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	q.Del("cursor")
	q.Del("done")
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	return "/?" + q.Encode()
}

// bulk applies one action to the selected tickets: assign to me, close, or add a tag. Each
// ticket is its own command through the domain, so one refusal does not undo the others.
func (u *UI) bulk(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid("number", "invalid", nil)
	}
	var ok, failed int
	action := r.PostForm.Get("action")
	for _, s := range r.PostForm["numbers"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			failed++
			continue
		}
		var p ticket.Patch
		switch action {
		case "assign_me":
			p.AssigneeID = ticket.OptionalID{Set: true, Value: c.User.ID}
		case "close":
			st := ticket.StatusClosed
			p.Status = &st
		case "tag":
			t, err := u.Tickets.Get(r.Context(), c.Actor, n)
			if err != nil {
				failed++
				continue
			}
			names, err := tag.Normalize("tags", append(append([]string{}, t.Tags...), r.PostForm.Get("tag")))
			if err != nil {
				failed++
				continue
			}
			p.Tags = names
			p.Version = &t.Version
		default:
			return apperr.Invalid("action", "one_of", map[string]any{"values": "assign_me, close, tag"})
		}
		if _, err := u.Tickets.Update(r.Context(), c.Actor, n, p); err != nil {
			if _, isApp := apperr.As(err); !isApp {
				return err
			}
			failed++
			continue
		}
		ok++
	}
	to, err := url.Parse(localPath(r.PostForm.Get("_back")))
	if err != nil {
		to = &url.URL{Path: "/"}
	}
	q := to.Query()
	q.Set("done", "bulk")
	q.Set("ok", strconv.Itoa(ok))
	q.Set("failed", strconv.Itoa(failed))
	to.RawQuery = q.Encode()
	http.Redirect(w, r, to.String(), http.StatusSeeOther)
	return nil
}
