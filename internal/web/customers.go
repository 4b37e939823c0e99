package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/ticket"
)

// customersData fills the customer list.
type customersData struct {
	Items []*customer.Customer
	Next  string
	Q     string
	Tier  string
	Stage string
	Tiers []string
	Stgs  []string
}

// NextURL is the list URL of the following page.
func (d *customersData) NextURL() string {
	q := url.Values{"q": {d.Q}, "tier": {d.Tier}, "stage": {d.Stage}, "cursor": {d.Next}}
	return "/customers?" + q.Encode()
}

func (u *UI) customers(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	d := &customersData{Q: strings.TrimSpace(q.Get("q")), Tier: q.Get("tier"), Stage: q.Get("stage"), Tiers: customer.Tiers, Stgs: customer.Stages}
	page, err := u.Customers.List(r.Context(), c.Actor, customer.Filter{Query: d.Q, Tier: d.Tier, Stage: d.Stage, Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	d.Items, d.Next = page.Items, page.Next
	u.render(w, r, http.StatusOK, "customers", u.page(c, "customers", "customers.title", d))
	return nil
}

// customerData fills a customer's profile.
type customerData struct {
	C       *customer.Customer
	Tickets []*ticket.Ticket
	Events  []entry
	Tiers   []string
	Stgs    []string
	Err     *formError
	Notice  string
	CF      []cfInput                // custom fields
	typed   func(*customer.Customer) // puts back what was typed after an error
	cfTyped url.Values               // custom field values typed into a refused form
}

// customerPage opens a record; the domain logs the view (查阅登记).
func (u *UI) customerPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d := &customerData{}
	if r.URL.Query().Get("done") == "saved" {
		d.Notice = tr(c.Lang, "customer.saved")
	}
	return u.showCustomer(w, r, c, pathInt(r, "id"), http.StatusOK, d)
}

func (u *UI) showCustomer(w http.ResponseWriter, r *http.Request, c *reqCtx, id int64, status int, d *customerData) error {
	ctx := r.Context()
	cs, err := u.Customers.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	d.C, d.Tiers, d.Stgs = cs, customer.Tiers, customer.Stages
	if d.typed != nil {
		d.typed(cs)
	}
	page, err := u.Tickets.List(ctx, c.Actor, ticket.Filter{CustomerID: id, Limit: 20})
	if err != nil {
		return err
	}
	d.Tickets = page.Items
	defs, err := u.customFields(ctx, customfield.Customer)
	if err != nil {
		return err
	}
	d.CF = cfInputs(c.Lang, defs, cs.CustomFields, d.cfTyped, d.Err)
	labels := cfLabels(c.Lang, defs)
	events, err := u.Customers.Events(ctx, c.Actor, id, 0, 100)
	if err != nil {
		return err
	}
	for _, e := range events {
		d.Events = append(d.Events, entry{At: e.At, Actor: e.ActorName, Event: describeCustomerEvent(c.Lang, e, labels)})
	}
	u.render(w, r, status, "customer", u.page(c, "customers", "", d))
	return nil
}

// lines splits a textarea into its non-empty lines (one email or phone per line).
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == '，' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// updateCustomer saves the profile form; the domain records each change as an event.
func (u *UI) updateCustomer(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := pathInt(r, "id")
	val := func(k string) *string { v := r.PostFormValue(k); return &v }
	in := customer.Input{Name: val("name"), Organization: val("organization"), Tier: val("tier"), Stage: val("stage"), Notes: val("notes"),
		Emails: lines(r.PostFormValue("emails")), Phones: lines(r.PostFormValue("phones")), Tags: lines(r.PostFormValue("tags"))}
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		in.Version = &v
	}
	defs, err := u.customFields(r.Context(), customfield.Customer)
	if err != nil {
		return err
	}
	if cf := cfValues(r.PostForm, defs); len(cf) > 0 {
		in.CustomFields = cf
	}
	if _, err := u.Customers.Update(r.Context(), c.Actor, id, in); err != nil {
		fe, ok := cfFormError(c.Lang, err, defs)
		if !ok {
			return err
		}
		status := http.StatusUnprocessableEntity
		if fe.Stale {
			status = http.StatusConflict
		}
		d := &customerData{Err: fe}
		if !fe.Stale {
			d.cfTyped = r.PostForm
			d.typed = func(cs *customer.Customer) {
				cs.Name, cs.Organization, cs.Tier, cs.Stage, cs.Notes = *in.Name, *in.Organization, *in.Tier, *in.Stage, *in.Notes
				cs.Emails, cs.Phones, cs.Tags = in.Emails, in.Phones, in.Tags
			}
		}
		return u.showCustomer(w, r, c, id, status, d)
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
	return nil
}

// describeCustomerEvent tells a change to a customer record in the user's language.
func describeCustomerEvent(lang langT, e event.Event, cfLabels map[string]string) string {
	if s, ok := cfDescribe(lang, cfLabels, e.Field, e.Old, e.New); ok {
		return s
	}
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	field := e.Field
	if _, ok := uiCatalogs[lang]["field."+field]; ok {
		field = tr(lang, "field."+field)
	}
	old, nw := str(e.Old), str(e.New)
	switch e.Field {
	case "tier":
		old, nw = tr(lang, "tier."+old), tr(lang, "tier."+nw)
	case "stage":
		old, nw = tr(lang, "stage."+old), tr(lang, "stage."+nw)
	}
	if e.Action == "created" || e.Field == "" {
		return tr(lang, "event.customer_"+map[bool]string{true: "created", false: "changed"}[e.Action == "created"])
	}
	return tr(lang, "event.field", "field", field, "old", old, "new", nw)
}
