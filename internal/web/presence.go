package web

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/realtime"
)

// Presence ("王五 正在查看 / 正在输入") and typing are hints through the broker, never rows: each
// open ticket page beats every few seconds and the pages that hear it keep the list, dropping
// viewers gone silent. Nothing is kept in a node's memory, so it works the same across nodes.
const (
	kindPresence = "presence"
	kindTyping   = "typing"
)

// presenceStates are what a page says of its agent.
var presenceStates = []string{"viewing", "typing", "left"}

// presenceData is a presence hint's payload.
type presenceData struct {
	User  int64  `json:"user"`
	Name  string `json:"name"`
	State string `json:"state"`
}

// typingData is a typing hint's payload on a chat: the visitor's widget shows "typing…" for
// the agent, and the agent's page for the visitor.
type typingData struct {
	From string `json:"from"` // agent or visitor
	On   bool   `json:"on"`
	User int64  `json:"user,omitempty"`
	Name string `json:"name,omitempty"`
}

// liveEventName is the Server-Sent Events name a ticket page hears a hint as: presence and
// typing are not changes to the ticket.
func liveEventName(e realtime.Event) string {
	switch e.Kind {
	case kindPresence, kindTyping:
		return e.Kind
	}
	return "change"
}

// presence publishes the agent's presence on a ticket they may see; with typing=1 or 0 on a
// chat, it also tells the visitor that the agent is typing (or stopped).
func (u *UI) presence(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	state := r.PostFormValue("state")
	if !slices.Contains(presenceStates, state) {
		return apperr.Invalid("state", "one_of", map[string]any{"values": "viewing, typing, left"})
	}
	t, err := u.Tickets.Get(r.Context(), c.Actor, n)
	if err != nil {
		return err
	}
	now := u.Now()
	data, _ := json.Marshal(presenceData{User: c.User.ID, Name: c.User.Name, State: state})
	u.Realtime.Publish(realtime.Event{Topic: ticketTopic(n), Kind: kindPresence, ActorID: c.User.ID, Actor: c.User.Name, At: now, Data: data})
	if typing := r.PostFormValue("typing"); t.Channel == channelChat && c.Actor.ServesCustomers() && (typing == "1" || typing == "0") {
		data, _ := json.Marshal(typingData{From: "agent", On: typing == "1", User: c.User.ID, Name: c.User.Name})
		u.Realtime.Publish(realtime.Event{Topic: ticketTopic(n), Kind: kindTyping, ActorID: c.User.ID, Actor: c.User.Name, At: now, Data: data})
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// channelChat is the channel of a chat ticket (one of ticket.Channels).
const channelChat = "chat"
