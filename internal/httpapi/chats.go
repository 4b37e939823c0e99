package httpapi

import (
	"context"
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/chat"
)

// Live chat for agents and integrations: the waiting and own chats, accept, close, typing
// hints to the visitor, and the rating of a ticket. Visitors use /widget/ws, not this API.

func (a *API) listChats(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	view := r.URL.Query().Get("view")
	if view == "" {
		view = chat.ViewWaiting
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if limit > 100 {
		return apperr.Invalid("limit", "out_of_range", map[string]any{"min": 1, "max": 100})
	}
	list, err := a.Chat.List(r.Context(), actor, view, int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

// chatDo runs an agent's action on a chat and answers with the ticket as it is now.
func (a *API) chatDo(w http.ResponseWriter, r *http.Request, actor auth.Actor, do func(context.Context, auth.Actor, int64) error) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("chat")
	}
	if err := do(r.Context(), actor, n); err != nil {
		return err
	}
	t, err := a.Tickets.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) acceptChat(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	return a.chatDo(w, r, actor, a.Chat.Accept)
}

func (a *API) closeChat(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	return a.chatDo(w, r, actor, a.Chat.Close)
}

// ticketTyping tells a chat's visitor that the agent is typing ({"on": true}) or stopped.
func (a *API) ticketTyping(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	var in struct {
		On bool `json:"on"`
	}
	if err := decode(w, r, &in, 1<<10); err != nil {
		return err
	}
	if err := a.Chat.Typing(r.Context(), actor, n, in.On); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ticketRating returns a ticket's rating; {"rating": null} when the customer has not rated.
func (a *API) ticketRating(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	n, err := pathID(r, "number")
	if err != nil {
		return apperr.NotFound("ticket")
	}
	rt, err := a.Ratings.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"rating": rt})
	return nil
}

// chatSettings are the chat settings: the team that takes chats when a widget names none.
type chatSettings struct {
	DefaultTeamID int64 `json:"default_team_id"`
}

func (a *API) getChatSettings(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.IsStaff() && !actor.IsAdmin() {
		return apperr.Forbidden("")
	}
	id, err := a.Chat.DefaultTeam(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, chatSettings{DefaultTeamID: id})
	return nil
}

func (a *API) updateChatSettings(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	var in chatSettings
	if err := decode(w, r, &in, 1<<10); err != nil {
		return err
	}
	if err := a.Chat.SetDefaultTeam(r.Context(), actor, in.DefaultTeamID); err != nil {
		return err
	}
	return a.getChatSettings(w, r, actor)
}
