package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/ticket"
)

// bodyLimit is the largest request a message with attachments may need (base64 grows data
// by a third).
func (a *API) bodyLimit() int64 {
	l := a.Tickets.Limits()
	return int64(2*l.BodyBytes) + int64(l.AttachmentBytes)*8/3 + 64<<10
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	f, err := ticketFilter(r, actor)
	if err != nil {
		return err
	}
	if q := r.URL.Query(); q.Has("q") {
		page, err := a.Tickets.Search(r.Context(), actor, q.Get("q"), q.Get("rank"), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
	page, err := a.Tickets.List(r.Context(), actor, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// search is the one search box: the best ticket matches and customer matches together.
func (a *API) search(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	q := r.URL.Query().Get("q")
	tickets, err := a.Tickets.Search(r.Context(), actor, q, r.URL.Query().Get("rank"), ticket.Filter{Limit: 10})
	if err != nil {
		return err
	}
	customers := &customer.Page{Items: []*customer.Customer{}}
	if actor.ServesCustomers() || actor.IsAdmin() {
		if customers, err = a.Customers.List(r.Context(), actor, customer.Filter{Query: q, Limit: 5}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": tickets, "customers": customers})
	return nil
}

// ticketFilter reads list parameters; "me" and "none" stand for the caller and for unset.
func ticketFilter(r *http.Request, actor auth.Actor) (ticket.Filter, error) {
	q := r.URL.Query()
	f := ticket.Filter{
		Type: q.Get("type"), Priority: q.Get("priority"), Channel: q.Get("channel"), Tag: q.Get("tag"),
		Sort: q.Get("sort"), Order: q.Get("order"), Cursor: q.Get("cursor"), SLA: q.Get("sla"),
	}
	if s := q.Get("status"); s != "" {
		f.Statuses = strings.Split(s, ",")
	}
	fe := apperr.Fields{}
	id := func(name string) int64 {
		switch v := q.Get(name); v {
		case "":
			return 0
		case "none":
			return ticket.None
		case "me":
			if name != "assignee" && name != "owner" {
				fe.Add(name, "want_id", nil)
				return 0
			}
			return actor.ID
		default:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				fe.Add(name, "want_id", nil)
			}
			return n
		}
	}
	f.TeamID, f.AssigneeID, f.OwnerID = id("team"), id("assignee"), id("owner")
	f.DepartmentID, f.CustomerID = id("department"), id("customer")
	tm := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		if t, err := time.ParseInLocation("2006-01-02", v, shanghai); err == nil {
			return t
		}
		fe.Add(name, "want_time", nil)
		return time.Time{}
	}
	f.CreatedAfter, f.CreatedBefore = tm("created_after"), tm("created_before")
	f.UpdatedAfter, f.UpdatedBefore = tm("updated_after"), tm("updated_before")
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			fe.Add("limit", "want_positive_integer", nil)
		}
		f.Limit = n
	}
	return f, fe.Err()
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (a *API) createTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in ticket.CreateInput
	if err := decode(w, r, &in, a.bodyLimit()); err != nil {
		return err
	}
	in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	t, err := a.Tickets.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.Number, 10))
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads a version from If-Match ("3", W/"3").
func ifMatch(r *http.Request) (*int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, apperr.Invalid("If-Match", "want_version", nil)
	}
	return &v, nil
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	t, err := a.Tickets.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) updateTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var p ticket.Patch
	if err := decode(w, r, &p, 1<<20); err != nil {
		return err
	}
	v, err := ifMatch(r)
	if err != nil {
		return err
	}
	if v != nil {
		if p.Version != nil && *p.Version != *v {
			return apperr.Invalid("version", "differs_from_if_match", nil)
		}
		p.Version = v
	}
	t, err := a.Tickets.Update(r.Context(), actor, n, p)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	msgs, err := a.Tickets.Messages(r.Context(), actor, n, before, int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": msgs})
	return nil
}

func (a *API) addMessage(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in ticket.MessageInput
	if err := decode(w, r, &in, a.bodyLimit()); err != nil {
		return err
	}
	in.DedupKey = r.Header.Get("Idempotency-Key")
	m, err := a.Tickets.AddMessage(r.Context(), actor, n, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (a *API) transferTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in ticket.TransferInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	if v, err := ifMatch(r); err != nil {
		return err
	} else if v != nil {
		in.Version = v
	}
	t, err := a.Tickets.Transfer(r.Context(), actor, n, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) mergeTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in struct {
		Into int64 `json:"into"`
	}
	if err := decode(w, r, &in, 4<<10); err != nil {
		return err
	}
	t, err := a.Tickets.Merge(r.Context(), actor, n, in.Into)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) splitTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in ticket.SplitInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	t, err := a.Tickets.Split(r.Context(), actor, n, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) linkTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in struct {
		Number int64 `json:"number"`
	}
	if err := decode(w, r, &in, 4<<10); err != nil {
		return err
	}
	if in.Number <= 0 {
		return apperr.Invalid("number", "required", nil)
	}
	if err := a.Tickets.Link(r.Context(), actor, n, in.Number, true); err != nil {
		return err
	}
	return a.getTicket(w, r, actor)
}

func (a *API) unlinkTicket(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	other, err := pathID(r, "other")
	if err != nil {
		return err
	}
	if err := a.Tickets.Link(r.Context(), actor, n, other, false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) ticketEvents(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	evs, err := a.Tickets.Events(r.Context(), actor, n, after, int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(evs)})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *API) getAttachment(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("attachment")
	}
	at, data, err := a.Tickets.AttachmentFile(r.Context(), actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+pathEscape(at.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("ETag", `"`+at.SHA256+`"`)
	w.Write(data)
	return nil
}
