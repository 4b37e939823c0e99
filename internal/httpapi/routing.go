package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/routing"
)

// Routing settings: how a team hands out tickets, and each agent's availability, cap and
// skills.

func (a *API) getTeamRouting(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("team")
	}
	t, err := a.Routing.Team(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) updateTeamRouting(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("team")
	}
	var in routing.TeamInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	t, err := a.Routing.SetTeam(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) getAgentRouting(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("user")
	}
	ag, err := a.Routing.Agent(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ag)
	return nil
}

func (a *API) updateAgentRouting(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("user")
	}
	var in routing.AgentInput
	if err := decode(w, r, &in, 64<<10); err != nil {
		return err
	}
	ag, err := a.Routing.SetAgent(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ag)
	return nil
}
