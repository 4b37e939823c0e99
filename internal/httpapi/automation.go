package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/automation"
)

// Automation rules (admins and supervisors), their dry run, and a ticket's execution log.

func (a *API) listAutomationRules(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	rs, err := a.Automation.Rules(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
	return nil
}

func (a *API) createAutomationRule(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in automation.RuleInput
	if err := decode(w, r, &in, 256<<10); err != nil {
		return err
	}
	rule, err := a.Automation.SaveRule(r.Context(), actor, 0, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rule)
	return nil
}

func (a *API) getAutomationRule(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("automation_rule")
	}
	rule, err := a.Automation.Rule(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (a *API) updateAutomationRule(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("automation_rule")
	}
	var in automation.RuleInput
	if err := decode(w, r, &in, 256<<10); err != nil {
		return err
	}
	rule, err := a.Automation.SaveRule(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (a *API) deleteAutomationRule(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFound("automation_rule")
	}
	if err := a.Automation.DeleteRule(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) dryRunAutomationRule(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in automation.RuleInput
	if err := decode(w, r, &in, 256<<10); err != nil {
		return err
	}
	numbers, err := a.Automation.DryRun(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"numbers": numbers})
	return nil
}

func (a *API) ticketAutomationRuns(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	runs, err := a.Automation.Runs(r.Context(), actor, n, 50)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": runs})
	return nil
}
