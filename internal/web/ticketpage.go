package web

import (
	"context"
	"github.com/kefuhq/kefu/internal/i18n"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/phrase"
)

// entry is one line of a ticket's timeline: a message or an event.
type entry struct {
	At    time.Time
	Msg   *ticket.Message
	Event string // the event told as a sentence
	Actor string
}

// ticketData fills the ticket page.
type ticketData struct {
	T         *ticket.Ticket
	Timeline  []entry
	Customer  *customer.Customer
	Others    []*ticket.Ticket
	Teams     []*user.Team
	Depts     []*user.Team
	Agents    []*user.User
	Phrases   []phrase.Phrase
	Statuses  []string
	Prios     []string
	Types     []string
	Subtypes  []string
	CanWork   bool   // may reply, change fields, transfer, merge, split
	CanNote   bool   // may write internal notes (department staff too)
	HandBack  bool   // department staff may hand the ticket back to the service team
	Form      string // the form whose error is shown: reply, fields, transfer, merge, split, link
	Err       *formError
	Body      string // the composer's text, kept after an error
	Kind      string
	Reason    string
	Notice    string
	AgentName string
	Idem      string     // this rendering's idempotency key: a double submit stores one message
	CF        []cfInput  // the ticket's custom fields (customfields.go)
	cfTyped   url.Values // what a refused fields form carried
}

// ticketPage shows one ticket: the timeline, the composer, the fields and the customer.
func (u *UI) ticketPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	d := &ticketData{Kind: ticket.KindReply}
	switch r.URL.Query().Get("done") {
	case "sent":
		d.Notice = tr(c.Lang, "ticket.sent")
	case "saved":
		d.Notice = tr(c.Lang, "ticket.saved")
	case "transferred":
		d.Notice = tr(c.Lang, "ticket.transferred")
	case "created":
		d.Notice = tr(c.Lang, "ticket.created")
	}
	return u.showTicket(w, r, c, n, http.StatusOK, d)
}

// showTicket loads everything the page needs and renders it with d's form state.
func (u *UI) showTicket(w http.ResponseWriter, r *http.Request, c *reqCtx, n int64, status int, d *ticketData) error {
	ctx := r.Context()
	t, err := u.Tickets.Get(ctx, c.Actor, n)
	if err != nil {
		return err
	}
	if t.MergedInto != nil {
		http.Redirect(w, r, "/tickets/"+strconv.FormatInt(*t.MergedInto, 10), http.StatusFound)
		return nil
	}
	if t.Channel == channelChat && r.URL.Query().Get("as") != "ticket" {
		return u.showChat(w, r, c, t, status, d) // a conversation; ?as=ticket shows the full ticket page
	}
	d.T = t
	d.Statuses, d.Prios, d.Types, d.Subtypes = ticket.Statuses, ticket.Priorities, ticket.Types, ticket.Subtypes
	d.CanWork = c.Actor.IsAdmin() || c.Actor.ServesCustomers()
	d.CanNote = d.CanWork || c.Actor.Role == auth.RoleDepartment
	d.HandBack = !d.CanWork && t.Status == ticket.StatusPendingDepartment
	if !d.CanWork {
		d.Kind = ticket.KindNote
	}
	d.AgentName = c.User.Name
	d.Idem = auth.RandomSecret(12)
	msgs, err := u.Tickets.Messages(ctx, c.Actor, n, 0, 200)
	if err != nil {
		return err
	}
	events, err := u.Tickets.Events(ctx, c.Actor, n, 0, 500)
	if err != nil {
		return err
	}
	teams, err := u.Users.ListTeams(ctx)
	if err != nil {
		return err
	}
	users, err := u.Users.List(ctx)
	if err != nil {
		return err
	}
	defs, err := u.customFields(ctx, customfield.Ticket)
	if err != nil {
		return err
	}
	d.CF = cfInputs(c.Lang, defs, t.CustomFields, d.cfTyped, d.Err)
	names := nameBook{teams: map[int64]string{}, users: map[int64]string{}, fields: cfLabels(c.Lang, defs)}
	for _, tm := range teams {
		names.teams[tm.ID] = tm.Name
		if tm.Kind == user.KindDepartment {
			d.Depts = append(d.Depts, tm)
		} else {
			d.Teams = append(d.Teams, tm)
		}
	}
	for _, us := range users {
		names.users[us.ID] = us.Name
		if us.Active && us.Role != auth.RoleDepartment {
			d.Agents = append(d.Agents, us)
		}
	}
	for i := range msgs {
		d.Timeline = append(d.Timeline, entry{At: msgs[i].CreatedAt, Msg: &msgs[i]})
	}
	for _, e := range events {
		if s := describeEvent(c.Lang, e, names); s != "" {
			d.Timeline = append(d.Timeline, entry{At: e.At, Event: s, Actor: e.ActorName})
		}
	}
	slices.SortStableFunc(d.Timeline, func(a, b entry) int { return a.At.Compare(b.At) })
	if d.CanWork {
		if d.Customer, err = u.customerSummary(ctx, c.Actor, t.Customer.ID); err != nil {
			return err
		}
		page, err := u.Tickets.List(ctx, c.Actor, ticket.Filter{CustomerID: t.Customer.ID, Limit: 8})
		if err != nil {
			return err
		}
		for _, o := range page.Items {
			if o.Number != t.Number {
				d.Others = append(d.Others, o)
			}
		}
		if d.Phrases, err = u.Phrases.List(ctx); err != nil {
			return err
		}
	}
	u.render(w, r, status, "ticket", u.page(c, "inbox", "", d))
	return nil
}

// customerSummary is the side panel's view of the customer: read without logging a view of
// the record (查阅登记 is for opening the record itself).
func (u *UI) customerSummary(ctx context.Context, a auth.Actor, id int64) (*customer.Customer, error) {
	if err := u.Customers.Check(ctx, a, id); err != nil {
		return nil, err
	}
	cs, err := customer.Load(ctx, u.DB.Read(), []int64{id})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}

// nameBook turns the ids in events into names.
type nameBook struct {
	teams, users map[int64]string
	fields       map[string]string // custom field labels by "custom_fields.<key>"
}

func (nb nameBook) name(m map[int64]string, v *string) string {
	if v == nil || *v == "" {
		return ""
	}
	id, err := strconv.ParseInt(*v, 10, 64)
	if err != nil {
		return *v
	}
	if s, ok := m[id]; ok {
		return s
	}
	return "#" + *v
}

// describeEvent tells an event as the timeline shows it ("转给 售后二组 · 原因：…"); ""
// for events the timeline shows otherwise (a message is its own entry).
func describeEvent(lang langT, e event.Event, nb nameBook) string {
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	reason, _ := e.Detail["reason"].(string)
	switch {
	case e.Action == "message_added":
		return ""
	case e.Action == "transferred" && e.Field == "team":
		return tr(lang, "event.transferred_team", "team", nb.name(nb.teams, e.New), "reason", reason)
	case e.Action == "transferred" && e.Field == "assignee":
		return tr(lang, "event.transferred_assignee", "user", orNobody(lang, nb.name(nb.users, e.New)))
	case e.Field == "assignee":
		return tr(lang, "event.assigned", "user", orNobody(lang, nb.name(nb.users, e.New)))
	case e.Field == "owner":
		return tr(lang, "event.owner", "user", nb.name(nb.users, e.New))
	case e.Field == "department":
		return tr(lang, "event.department", "team", orNobody(lang, nb.name(nb.teams, e.New)))
	case e.Field == "status":
		return tr(lang, "event.status", "status", tr(lang, "status."+str(e.New)))
	case e.Field == "priority":
		return tr(lang, "event.field", "field", tr(lang, "field.priority"), "old", tr(lang, "priority."+str(e.Old)), "new", tr(lang, "priority."+str(e.New)))
	case e.Field == "type":
		return tr(lang, "event.field", "field", tr(lang, "field.type"), "old", tr(lang, "type."+str(e.Old)), "new", tr(lang, "type."+str(e.New)))
	case e.Field == "tags":
		return tr(lang, "event.tags", "new", str(e.New))
	case strings.HasPrefix(e.Field, "custom_fields."):
		s, _ := cfDescribe(lang, nb.fields, e.Field, e.Old, e.New)
		return s
	case e.Field != "":
		return tr(lang, "event.field", "field", fieldLabel(lang, e.Field), "old", str(e.Old), "new", str(e.New))
	default:
		return tr(lang, "event.other", "action", e.Action, "detail", str(e.New))
	}
}

// fieldLabel names a changed field in the trail: its translation when the catalog has one
// (every field a ticket event carries does: see dynamicKeys), else its name.
func fieldLabel(lang langT, field string) string {
	if _, ok := uiCatalogs[lang][fieldKey(field)]; ok {
		return tr(lang, fieldKey(field))
	}
	return field
}

func fieldKey(field string) string { return "field." + field }

func orNobody(lang langT, s string) string {
	if s == "" {
		return tr(lang, "ticket.nobody")
	}
	return s
}

func pathInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n
}

type langT = i18n.Lang
