package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/ticket"
)

// The inbox topic: internal/chat announces every new chat on it (kind chat_new, Data naming
// the ticket) after the commit.
const (
	inboxTopic  = "inbox"
	kindChatNew = "chat_new"
)

// waitingCap bounds the header's count of waiting chats.
const waitingCap = 99

// chatsFilter is the "waiting chats" view: chats nobody has accepted yet.
func chatsFilter() ticket.Filter {
	return ticket.Filter{Channel: channelChat, AssigneeID: ticket.None, Statuses: []string{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPendingCustomer}}
}

// inboxNotice is what an agent's page hears of a new chat (or another change to the inbox)
// it may see; the text is already in the agent's language.
type inboxNotice struct {
	Number  int64  `json:"number"`
	URL     string `json:"url"`
	Text    string `json:"text"`
	Open    string `json:"open"`
	Title   string `json:"title"`
	Dismiss string `json:"dismiss"`
	Subject string `json:"subject"`
}

// eventNumber is the ticket an inbox event names in its Data ({"number": 10001}).
func eventNumber(e realtime.Event) int64 {
	var d struct {
		Number int64 `json:"number"`
		Ticket int64 `json:"ticket"`
	}
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return 0
	}
	if d.Number != 0 {
		return d.Number
	}
	return d.Ticket
}

// liveInbox streams the inbox topic to an agent's pages as Server-Sent Events: a new chat
// (chat_new) becomes a toast, a sound and a notification; other inbox changes refresh the
// list. Only events about tickets the agent may see pass: the check is the same one that
// guards the ticket page, made on this node for each event.
func (u *UI) liveInbox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if !c.Actor.ServesCustomers() {
		return errNotFoundPage
	}
	events, end := u.Realtime.Subscribe(inboxTopic)
	defer end()
	return u.stream(w, r, events, 5*time.Second, nil, func(e realtime.Event) (sseEvent, bool) {
		name, notice, ok := u.inboxEvent(r, c, e)
		return sseEvent{name, notice}, ok
	})
}

// inboxEvent turns an inbox event into what this agent's page hears, or false when the
// agent may not see its ticket.
func (u *UI) inboxEvent(r *http.Request, c *reqCtx, e realtime.Event) (string, inboxNotice, bool) {
	if e.Kind == realtime.KindResync {
		return "resync", inboxNotice{}, true
	}
	n := eventNumber(e)
	if n == 0 {
		return "", inboxNotice{}, false
	}
	t, err := u.Tickets.Get(r.Context(), c.Actor, n)
	if err != nil {
		if !errors.Is(err, apperr.ErrNotFound) {
			u.Logger.WarnContext(r.Context(), "live inbox", "number", n, "err", err)
		}
		return "", inboxNotice{}, false
	}
	notice := inboxNotice{Number: n, URL: "/tickets/" + strconv.FormatInt(n, 10), Subject: t.Subject,
		Open: tr(c.Lang, "chat.open"), Dismiss: tr(c.Lang, "chat.dismiss")}
	if e.Kind != kindChatNew {
		return "inbox", notice, true
	}
	notice.Title = tr(c.Lang, "chat.notify_title")
	notice.Text = tr(c.Lang, "chat.new_toast", "customer", t.Customer.Name, "number", n)
	return "chat_new", notice, true
}

// waitingChats is the header's "waiting chats" count, refreshed by htmx when the inbox
// stream says something changed.
func (u *UI) waitingChats(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if !c.Actor.ServesCustomers() {
		return errNotFoundPage
	}
	n, more, err := u.Tickets.CountUpTo(r.Context(), c.Actor, chatsFilter(), waitingCap)
	if err != nil {
		return err
	}
	b := u.page(c, "", "", waitingData{N: n, More: more})
	return u.renderBlock(w, http.StatusOK, "chat-waiting", b)
}

// waitingData fills the waiting-chats link.
type waitingData struct {
	N    int
	More bool
}
