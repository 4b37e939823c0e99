package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/calendar"
	"github.com/kefuhq/kefu/internal/sla"
)

// Business calendars (admins edit; supervisors read) and SLA policies (supervisors edit).

func (a *API) listCalendars(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	cs, err := a.Calendars.List(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(cs)})
	return nil
}

func (a *API) createCalendar(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in calendar.Input
	if err := decode(w, r, &in, 1<<20); err != nil {
		return err
	}
	c, err := a.Calendars.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) getCalendar(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("calendar")
	}
	c, err := a.Calendars.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) updateCalendar(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("calendar")
	}
	var in calendar.Input
	if err := decode(w, r, &in, 1<<20); err != nil {
		return err
	}
	c, err := a.Calendars.Update(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) deleteCalendar(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("calendar")
	}
	if err := a.Calendars.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importCalendar takes an iCalendar file as the body (text/calendar); ?kind=workday imports
// make-up working days instead of holidays.
func (a *API) importCalendar(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("calendar")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	c, n, err := a.Calendars.ImportICS(r.Context(), actor, id, r.URL.Query().Get("kind"), r.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": n, "calendar": c})
	return nil
}

func (a *API) listSLAPolicies(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	ps, err := a.SLA.Policies(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps})
	return nil
}

func (a *API) createSLAPolicy(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in sla.PolicyInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	p, err := a.SLA.CreatePolicy(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) getSLAPolicy(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("sla_policy")
	}
	p, err := a.SLA.Policy(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) updateSLAPolicy(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("sla_policy")
	}
	var in sla.PolicyInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	p, err := a.SLA.UpdatePolicy(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) deleteSLAPolicy(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("sla_policy")
	}
	if err := a.SLA.DeletePolicy(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ticketSLA shows a ticket's service-level clock: due times, warnings, breaches. A ticket no
// policy applies to answers {"sla": null}.
func (a *API) ticketSLA(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	st, err := a.SLA.TicketState(r.Context(), a.Tickets, actor, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sla": st})
	return nil
}
