package portal

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/ticket"
)

// listData fills "my tickets".
type listData struct {
	Items []*ticket.Ticket
	Next  string // the next page's link, "" at the end
	First bool   // this is the first page
}

// tickets lists the customer's tickets across every channel, most recently updated first.
func (p *Portal) tickets(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	cursor := r.URL.Query().Get("cursor")
	page, err := p.Tickets.List(r.Context(), c.Actor, ticket.Filter{Limit: 25, Cursor: cursor})
	if _, ok := apperr.As(err); ok && cursor != "" {
		return errNotFound // a mangled cursor
	}
	if err != nil {
		return err
	}
	d := listData{Items: page.Items, First: cursor == ""}
	if page.Next != "" {
		d.Next = "/portal/?cursor=" + url.QueryEscape(page.Next)
	}
	p.render(w, r, http.StatusOK, "tickets", p.page(c, "tickets", "tickets.title", d))
	return nil
}

// ticketData fills a ticket's page.
type ticketData struct {
	Ticket   *ticket.Ticket
	Messages []ticket.Message
	Earlier  string // link to earlier messages, "" if none
	Body     string // the reply being written (kept after an error)
	Err      *formError
	Ratable  bool
	Rating   *rating.Rating
	Score    int // the score being given (kept after an error)
	Comment  string
	RateErr  *formError
}

// messagesPerPage is how many messages a ticket page shows at once.
const messagesPerPage = 100

// ticketNumber reads the ticket number of the path; anything but a number is not found.
func ticketNumber(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotFound
	}
	return n, nil
}

// loadTicket reads what a ticket's page shows: the ticket, its public messages (the ticket
// package leaves out internal notes for a customer) and its rating.
func (p *Portal) loadTicket(ctx context.Context, c *reqCtx, number, before int64, d *ticketData) error {
	t, err := p.Tickets.Get(ctx, c.Actor, number)
	if err != nil {
		return err
	}
	msgs, err := p.Tickets.Messages(ctx, c.Actor, number, before, messagesPerPage+1)
	if err != nil {
		return err
	}
	if len(msgs) > messagesPerPage {
		msgs = msgs[1:]
		d.Earlier = fmt.Sprintf("/portal/tickets/%d?before=%d", number, msgs[0].ID)
	}
	d.Ticket, d.Messages = t, msgs
	if p.Ratings != nil {
		if d.Ratable, err = rating.Ratable(ctx, p.DB.Read(), t); err != nil {
			return err
		}
		if d.Rating, err = p.Ratings.Get(ctx, c.Actor, number); err != nil {
			return err
		}
		if d.Rating != nil && d.Score == 0 {
			d.Score, d.Comment = d.Rating.Score, d.Rating.Comment
		}
	}
	return nil
}

func (p *Portal) ticketPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	number, err := ticketNumber(r)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	var d ticketData
	if err := p.loadTicket(r.Context(), c, number, before, &d); err != nil {
		return err
	}
	b := p.page(c, "tickets", "", d)
	b.Title = tr(c.Lang, "ticket.title", "number", number, "subject", d.Ticket.Subject)
	p.render(w, r, http.StatusOK, "ticket", b)
	return nil
}

// files reads the files of a form's "files" input.
func files(r *http.Request) ([]ticket.AttachmentInput, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []ticket.AttachmentInput
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser's empty file input
		}
		data, err := readFile(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, ticket.AttachmentInput{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// reply adds the customer's reply; a reply to a resolved or closed ticket reopens it (the
// ticket package's rule).
func (p *Portal) reply(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	number, err := ticketNumber(r)
	if err != nil {
		return err
	}
	atts, err := files(r)
	if err != nil {
		return err
	}
	body := r.Form.Get("body")
	_, err = p.Tickets.AddMessage(r.Context(), c.Actor, number, ticket.MessageInput{Body: body, Channel: "portal", Attachments: atts})
	if fe, ok := asFormError(c.Lang, err); ok {
		d := ticketData{Body: body, Err: fe}
		if err := p.loadTicket(r.Context(), c, number, 0, &d); err != nil {
			return err
		}
		b := p.page(c, "tickets", "", d)
		b.Title = tr(c.Lang, "ticket.title", "number", number, "subject", d.Ticket.Subject)
		b.Back = fmt.Sprintf("/portal/tickets/%d", number)
		p.render(w, r, http.StatusUnprocessableEntity, "ticket", b)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/portal/tickets/%d#latest", number), http.StatusSeeOther)
	return nil
}

// rate records the customer's rating of a resolved or closed ticket.
func (p *Portal) rate(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	number, err := ticketNumber(r)
	if err != nil {
		return err
	}
	if p.Ratings == nil {
		return errNotFound
	}
	score, _ := strconv.Atoi(r.Form.Get("score"))
	comment := r.Form.Get("comment")
	_, err = p.Ratings.Rate(r.Context(), c.Actor, number, rating.Input{Score: score, Comment: comment})
	if fe, ok := asFormError(c.Lang, err); ok {
		d := ticketData{RateErr: fe, Score: score, Comment: comment}
		if err := p.loadTicket(r.Context(), c, number, 0, &d); err != nil {
			return err
		}
		b := p.page(c, "tickets", "", d)
		b.Title = tr(c.Lang, "ticket.title", "number", number, "subject", d.Ticket.Subject)
		b.Back = fmt.Sprintf("/portal/tickets/%d", number)
		p.render(w, r, http.StatusUnprocessableEntity, "ticket", b)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/portal/tickets/%d?rated=1#rating", number), http.StatusSeeOther)
	return nil
}

// newData fills the new-request form.
type newData struct {
	Types   []string
	Type    string
	Subject string
	Body    string
	Err     *formError
}

// customerTypes are the request types a customer may choose; complaints and praise are
// among them, as the product asks.
var customerTypes = ticket.Types

func (p *Portal) newTicketPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	p.render(w, r, http.StatusOK, "new", p.page(c, "new", "new.title", newData{Types: customerTypes, Type: "consultation"}))
	return nil
}

// createTicket opens a request with channel "portal".
func (p *Portal) createTicket(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	atts, err := files(r)
	if err != nil {
		return err
	}
	d := newData{Types: customerTypes, Type: r.Form.Get("type"), Subject: r.Form.Get("subject"), Body: r.Form.Get("body")}
	t, err := p.Tickets.Create(r.Context(), c.Actor, ticket.CreateInput{
		Subject: d.Subject, Type: d.Type, Channel: "portal",
		Message: &ticket.MessageInput{Body: d.Body, Attachments: atts},
	})
	if fe, ok := asFormError(c.Lang, err); ok {
		d.Err = fe
		b := p.page(c, "new", "new.title", d)
		b.Back = "/portal/tickets/new"
		p.render(w, r, http.StatusUnprocessableEntity, "new", b)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/portal/tickets/%d", t.Number), http.StatusSeeOther)
	return nil
}

// attachment sends a file of a public message on one of the customer's tickets; any other
// id is not found.
func (p *Portal) attachment(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	at, data, err := p.Tickets.AttachmentFile(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	// Always a download: a file is never run as a page of this site.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(at.Filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
	return nil
}

// accountData fills the account page.
type accountData struct {
	Err   *formError
	Saved bool
}

func (p *Portal) accountPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	p.render(w, r, http.StatusOK, "account", p.page(c, "account", "account.title", accountData{Saved: r.URL.Query().Get("saved") != ""}))
	return nil
}

// setPassword sets the optional password; other browsers of the customer are signed out.
func (p *Portal) setPassword(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	password, again := r.Form.Get("password"), r.Form.Get("again")
	var err error
	if password != again {
		err = apperr.Invalid("again", "mismatch", nil)
	} else {
		err = p.Accounts.SetPassword(r.Context(), c.Customer, password)
	}
	if fe, ok := asFormError(c.Lang, err); ok {
		b := p.page(c, "account", "account.title", accountData{Err: fe})
		b.Back = "/portal/account"
		p.render(w, r, http.StatusUnprocessableEntity, "account", b)
		return nil
	}
	if err != nil {
		return err
	}
	if err := p.Accounts.EndOtherSessions(r.Context(), c.Customer.ID, c.Session.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/account?saved=1", http.StatusSeeOther)
	return nil
}
