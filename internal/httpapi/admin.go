package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/user"
)

func (a *API) me(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	u, err := a.Users.Get(r.Context(), actor.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// Staff directory reads are open to every staff member: agents pick teams and assignees.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	us, err := a.Users.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(us)})
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in user.CreateInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	u, err := a.Users.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("user")
	}
	u, err := a.Users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("user")
	}
	var in user.UpdateInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	u, err := a.Users.Update(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("user")
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in, 4<<10); err != nil {
		return err
	}
	token, err := a.Users.CreateToken(r.Context(), actor, id, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"token": token})
	return nil
}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	ts, err := a.Users.ListTeams(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(ts)})
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in user.TeamInput
	if err := decode(w, r, &in, 16<<10); err != nil {
		return err
	}
	t, err := a.Users.CreateTeam(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("team")
	}
	t, err := a.Users.GetTeam(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("team")
	}
	var in user.TeamInput
	if err := decode(w, r, &in, 16<<10); err != nil {
		return err
	}
	t, err := a.Users.UpdateTeam(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) setMember(w http.ResponseWriter, r *http.Request, actor auth.Actor, in bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("team")
	}
	uid, err := pathID(r, "user")
	if err != nil {
		return apperr.NotFound("user")
	}
	if err := a.Users.SetMember(r.Context(), actor, id, uid, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	return a.setMember(w, r, actor, true)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	return a.setMember(w, r, actor, false)
}

func (a *API) listTags(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	tags, err := a.Tags.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": tags})
	return nil
}

func (a *API) createTag(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.ServesCustomers() && !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in, 4<<10); err != nil {
		return err
	}
	t, err := a.Tags.Create(r.Context(), in.Name, a.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) listCustomFields(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	entity := r.URL.Query().Get("entity")
	if entity != "" && entity != customfield.Ticket && entity != customfield.Customer {
		return apperr.Invalid("entity", "one_of", map[string]any{"values": "ticket, customer"})
	}
	fs, err := a.CustomFields.List(r.Context(), entity)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": fs})
	return nil
}

func (a *API) createCustomField(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in customfield.Field
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	in.ID = 0
	f, err := a.CustomFields.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (a *API) updateCustomField(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("custom_field")
	}
	var p customfield.Patch
	if err := decode(w, r, &p, 64<<10); err != nil {
		return err
	}
	f, err := a.CustomFields.Update(r.Context(), actor, id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
