package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
)

func pathEscape(s string) string { return url.PathEscape(s) }

func (a *API) listCustomers(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	q := r.URL.Query()
	f := customer.Filter{Query: q.Get("q"), Tier: q.Get("tier"), Stage: q.Get("stage"), Tag: q.Get("tag"), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return apperr.Invalid("limit", "want_positive_integer", nil)
		}
		f.Limit = n
	}
	page, err := a.Customers.List(r.Context(), actor, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (a *API) createCustomer(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in customer.Input
	if err := decode(w, r, &in, 256<<10); err != nil {
		return err
	}
	c, err := a.Customers.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/customers/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("customer")
	}
	c, err := a.Customers.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) updateCustomer(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("customer")
	}
	var in customer.Input
	if err := decode(w, r, &in, 256<<10); err != nil {
		return err
	}
	if v, err := ifMatch(r); err != nil {
		return err
	} else if v != nil {
		in.Version = v
	}
	c, err := a.Customers.Update(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) customerTickets(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("customer")
	}
	if err := a.Customers.Check(r.Context(), actor, id); err != nil {
		return err
	}
	f, err := ticketFilter(r, actor)
	if err != nil {
		return err
	}
	f.CustomerID = id
	page, err := a.Tickets.List(r.Context(), actor, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (a *API) customerEvents(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("customer")
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	evs, err := a.Customers.Events(r.Context(), actor, id, after, 500)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(evs)})
	return nil
}

func (a *API) customerViews(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("customer")
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	views, err := a.Customers.Views(r.Context(), actor, id, int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": views})
	return nil
}
