package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

func ticketURL(n int64, done string) string {
	s := "/tickets/" + strconv.FormatInt(n, 10)
	if done != "" {
		s += "?done=" + done
	}
	return s
}

// formFailed re-renders the ticket page with a form's error (status 422, or 409 when the
// ticket moved on), keeping what was typed; other errors go back to the caller.
func (u *UI) formFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, n int64, form string, err error, d *ticketData) error {
	fe, ok := asFormError(c.Lang, err)
	if !ok {
		return err
	}
	d.Form, d.Err = form, fe
	status := http.StatusUnprocessableEntity
	if fe.Stale {
		status = http.StatusConflict
	}
	return u.showTicket(w, r, c, n, status, d)
}

func formVersion(r *http.Request) *int64 {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil {
		return nil
	}
	return &v
}

func formID(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue(name)), "#"), 10, 64)
	return v
}

// addMessage sends a reply or writes an internal note, with attachments, optionally setting
// the status in the same command.
func (u *UI) addMessage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	limits := u.Tickets.Limits()
	r.Body = http.MaxBytesReader(w, r.Body, int64(2*limits.BodyBytes)+int64(4*limits.AttachmentBytes)+64<<10)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return err
	}
	in := ticket.MessageInput{Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body"), Status: r.PostFormValue("status")}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			f, err := fh.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return err
			}
			in.Attachments = append(in.Attachments, ticket.AttachmentInput{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	// The form's idempotency key makes a double click or a resent form store one message.
	if k := r.PostFormValue("idem"); k != "" {
		in.DedupKey = "web:" + strconv.FormatInt(c.User.ID, 10) + ":" + k
	}
	if _, err := u.Tickets.AddMessage(r.Context(), c.Actor, n, in); err != nil {
		return u.formFailed(w, r, c, n, "reply", err, &ticketData{Body: in.Body, Kind: in.Kind})
	}
	http.Redirect(w, r, ticketURL(n, "sent"), http.StatusSeeOther)
	return nil
}

// updateFields saves the fields form: status, priority, type, assignee, department, tags.
// The form carries the version it was drawn from, so a change made meanwhile by someone
// else is reported, never overwritten.
func (u *UI) updateFields(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	p := ticket.Patch{Version: formVersion(r)}
	str := func(name string) *string {
		if !r.Form.Has(name) {
			return nil
		}
		v := r.PostFormValue(name)
		return &v
	}
	r.ParseForm()
	p.Status, p.Priority, p.Type, p.Subtype = str("status"), str("priority"), str("type"), str("subtype")
	if r.Form.Has("assignee_id") {
		p.AssigneeID = ticket.OptionalID{Set: true, Value: formID(r, "assignee_id")}
	}
	if r.Form.Has("department_id") {
		p.DepartmentID = ticket.OptionalID{Set: true, Value: formID(r, "department_id")}
	}
	if r.Form.Has("tags") {
		p.Tags = []string{}
		for _, t := range strings.FieldsFunc(r.PostFormValue("tags"), func(r rune) bool { return r == ',' || r == '，' }) {
			if t = strings.TrimSpace(t); t != "" {
				p.Tags = append(p.Tags, t)
			}
		}
	}
	defs, err := u.customFields(r.Context(), customfield.Ticket)
	if err != nil {
		return err
	}
	if cf := cfValues(r.PostForm, defs); len(cf) > 0 {
		p.CustomFields = cf
	}
	if _, err := u.Tickets.Update(r.Context(), c.Actor, n, p); err != nil {
		fe, ok := cfFormError(c.Lang, err, defs)
		if !ok {
			return err
		}
		d := &ticketData{Form: "fields", Err: fe}
		status := http.StatusUnprocessableEntity
		if fe.Stale {
			status = http.StatusConflict
		} else {
			d.cfTyped = r.PostForm
		}
		return u.showTicket(w, r, c, n, status, d)
	}
	http.Redirect(w, r, ticketURL(n, "saved"), http.StatusSeeOther)
	return nil
}

// transfer hands the ticket to another team with a reason; the owner stays.
func (u *UI) transfer(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	in := ticket.TransferInput{TeamID: formID(r, "team_id"), AssigneeID: formID(r, "assignee_id"), Reason: r.PostFormValue("reason"), Version: formVersion(r)}
	if _, err := u.Tickets.Transfer(r.Context(), c.Actor, n, in); err != nil {
		return u.formFailed(w, r, c, n, "transfer", err, &ticketData{Reason: in.Reason})
	}
	http.Redirect(w, r, ticketURL(n, "transferred"), http.StatusSeeOther)
	return nil
}

func (u *UI) merge(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	t, err := u.Tickets.Merge(r.Context(), c.Actor, n, formID(r, "into"))
	if err != nil {
		return u.formFailed(w, r, c, n, "merge", err, &ticketData{})
	}
	http.Redirect(w, r, ticketURL(t.Number, "saved"), http.StatusSeeOther)
	return nil
}

func (u *UI) split(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	t, err := u.Tickets.Split(r.Context(), c.Actor, n, ticket.SplitInput{MessageID: formID(r, "message_id"), Subject: r.PostFormValue("subject")})
	if err != nil {
		return u.formFailed(w, r, c, n, "split", err, &ticketData{})
	}
	http.Redirect(w, r, ticketURL(t.Number, "saved"), http.StatusSeeOther)
	return nil
}

func (u *UI) link(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	on := r.PostFormValue("remove") == ""
	if err := u.Tickets.Link(r.Context(), c.Actor, n, formID(r, "other"), on); err != nil {
		return u.formFailed(w, r, c, n, "link", err, &ticketData{})
	}
	http.Redirect(w, r, ticketURL(n, "saved"), http.StatusSeeOther)
	return nil
}

// attachment downloads a file the user may see; it is never shown inline, so a stored
// HTML file cannot run as this site.
func (u *UI) attachment(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	at, data, err := u.Tickets.AttachmentFile(r.Context(), c.Actor, pathInt(r, "id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(at.Filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
	return nil
}

// newTicketData fills the form that opens a ticket on a customer's behalf (a phone call, a
// walk-in, a mail forwarded by hand).
type newTicketData struct {
	Customer *customer.Customer // when opened from a customer's page
	Teams    []*user.Team
	Types    []string
	Prios    []string
	Channels []string
	CF       []cfInput
	Err      *formError
	Form     url.Values // what was typed, kept after an error
}

// Value is what was typed into a field, or def.
func (d *newTicketData) Value(name, def string) string {
	if d.Form != nil && d.Form.Has(name) {
		return d.Form.Get(name)
	}
	return def
}

// newTicketChannels are the channels an agent may record a ticket as arriving by.
var newTicketChannels = []string{"phone", "email", "chat", "portal"}

func (u *UI) newTicketPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return u.showNewTicket(w, r, c, http.StatusOK, &newTicketData{}, formIDQuery(r, "customer"))
}

func formIDQuery(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return v
}

func (u *UI) showNewTicket(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, d *newTicketData, customerID int64) error {
	if !c.Actor.IsAdmin() && !c.Actor.ServesCustomers() {
		return apperr.Forbidden("")
	}
	ctx := r.Context()
	if customerID != 0 {
		cs, err := u.customerSummary(ctx, c.Actor, customerID)
		if err != nil {
			return err
		}
		d.Customer = cs
	}
	teams, err := u.Users.ListTeams(ctx)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if t.Kind == user.KindTeam {
			d.Teams = append(d.Teams, t)
		}
	}
	defs, err := u.customFields(ctx, customfield.Ticket)
	if err != nil {
		return err
	}
	d.CF = cfInputs(c.Lang, defs, nil, d.Form, d.Err)
	d.Types, d.Prios, d.Channels = ticket.Types, ticket.Priorities, newTicketChannels
	u.render(w, r, status, "ticket_new", u.page(c, "inbox", "ticket_new.title", d))
	return nil
}

// createTicket opens a ticket with its first message (the customer's words as the agent
// took them down) and its custom fields, in one command.
func (u *UI) createTicket(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	r.Body = http.MaxBytesReader(w, r.Body, int64(2*u.Tickets.Limits().BodyBytes)+64<<10)
	if err := r.ParseForm(); err != nil {
		return err
	}
	defs, err := u.customFields(r.Context(), customfield.Ticket)
	if err != nil {
		return err
	}
	in := ticket.CreateInput{Subject: r.PostFormValue("subject"), Type: r.PostFormValue("type"), Priority: r.PostFormValue("priority"),
		Channel: r.PostFormValue("channel"), TeamID: formID(r, "team_id"),
		Message: &ticket.MessageInput{Author: "customer", Body: r.PostFormValue("body")}}
	customerID := formID(r, "customer_id")
	if customerID != 0 {
		in.Customer = ticket.CustomerRef{ID: customerID}
	} else {
		in.Customer = ticket.CustomerRef{Name: strings.TrimSpace(r.PostFormValue("customer_name")),
			Email: strings.TrimSpace(r.PostFormValue("customer_email")), Phone: strings.TrimSpace(r.PostFormValue("customer_phone"))}
	}
	if cf := cfValues(r.PostForm, defs); len(cf) > 0 {
		// An emptied field is simply absent on a new ticket.
		for k, v := range cf {
			if v == nil {
				delete(cf, k)
			}
		}
		in.CustomFields = cf
	}
	if k := r.PostFormValue("idem"); k != "" {
		in.IdempotencyKey = "web:" + strconv.FormatInt(c.User.ID, 10) + ":" + k
	}
	t, err := u.Tickets.Create(r.Context(), c.Actor, in)
	if err != nil {
		fe, ok := cfFormError(c.Lang, err, defs)
		if !ok {
			return err
		}
		return u.showNewTicket(w, r, c, http.StatusUnprocessableEntity, &newTicketData{Err: fe, Form: r.PostForm}, customerID)
	}
	http.Redirect(w, r, ticketURL(t.Number, "created"), http.StatusSeeOther)
	return nil
}
