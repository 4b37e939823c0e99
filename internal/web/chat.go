package web

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// ChatDesk is what the chat page needs of the chat domain (internal/chat): accepting a chat
// respects the agent's cap of concurrent chats, closing it tells the visitor. Without one the
// page uses the ticket service's rules (assign to me; close).
type ChatDesk interface {
	Accept(ctx context.Context, a auth.Actor, number int64) error
	Close(ctx context.Context, a auth.Actor, number int64) error
}

// chatRow is one line of a chat's conversation: a message or an event.
type chatRow struct {
	Key   string // the row's element id: m<message id> or e<event id>
	At    time.Time
	Msg   *ticket.Message
	Event string
	Actor string
}

// chatData fills the chat page: the ticket page's data and the conversation.
type chatData struct {
	*ticketData
	Rows      []chatRow
	LastMsg   int64 // the newest message shown: the page fetches what comes after it
	LastEvent int64
	Accepted  bool // assigned to the signed-in agent
	Open      bool // neither resolved nor closed
}

// showChat draws a chat ticket as a conversation (showTicket sends chat tickets here).
func (u *UI) showChat(w http.ResponseWriter, r *http.Request, c *reqCtx, t *ticket.Ticket, status int, d *ticketData) error {
	ctx := r.Context()
	d.T = t
	d.CanWork = c.Actor.IsAdmin() || c.Actor.ServesCustomers()
	d.CanNote = d.CanWork || c.Actor.Role == auth.RoleDepartment
	if !d.CanWork {
		d.Kind = ticket.KindNote
	}
	d.AgentName = c.User.Name
	d.Idem = auth.RandomSecret(12)
	switch r.URL.Query().Get("done") {
	case "accepted":
		d.Notice = tr(c.Lang, "chat.accepted")
	case "chat_closed":
		d.Notice = tr(c.Lang, "chat.closed")
	}
	cd := &chatData{ticketData: d}
	names, err := u.chatNames(ctx, d)
	if err != nil {
		return err
	}
	if err := u.chatRows(ctx, c, t.Number, cd, 0, 0, func() (nameBook, error) { return names, nil }); err != nil {
		return err
	}
	if d.CanWork {
		if d.Customer, err = u.customerSummary(ctx, c.Actor, t.Customer.ID); err != nil {
			return err
		}
		if d.Phrases, err = u.Phrases.List(ctx); err != nil {
			return err
		}
	}
	u.render(w, r, status, "chat", u.page(c, "inbox", "", cd))
	return nil
}

// chatNames loads the team and user names events mention (and the teams to transfer to).
func (u *UI) chatNames(ctx context.Context, d *ticketData) (nameBook, error) {
	names := nameBook{teams: map[int64]string{}, users: map[int64]string{}}
	teams, err := u.Users.ListTeams(ctx)
	if err != nil {
		return names, err
	}
	users, err := u.Users.List(ctx)
	if err != nil {
		return names, err
	}
	for _, tm := range teams {
		names.teams[tm.ID] = tm.Name
		if tm.Kind != user.KindDepartment {
			d.Teams = append(d.Teams, tm)
		}
	}
	for _, us := range users {
		names.users[us.ID] = us.Name
	}
	return names, nil
}

// chatRows fills the conversation with the messages after message id afterMsg and the
// events after event id afterEvent, oldest first, and the state of the head.
func (u *UI) chatRows(ctx context.Context, c *reqCtx, n int64, cd *chatData, afterMsg, afterEvent int64, loadNames func() (nameBook, error)) error {
	t := cd.T
	cd.LastMsg, cd.LastEvent = afterMsg, afterEvent
	cd.Accepted = t.Assignee != nil && t.Assignee.ID == c.User.ID
	cd.Open = t.Status != ticket.StatusResolved && t.Status != ticket.StatusClosed
	// The newest 200 messages; on a first drawing that is the conversation's tail, and a page
	// that fell further behind than that reloads (chatUpdate says so).
	msgs, err := u.Tickets.Messages(ctx, c.Actor, n, 0, 200)
	if err != nil {
		return err
	}
	for i := range msgs {
		if msgs[i].ID > afterMsg {
			cd.Rows = append(cd.Rows, chatRow{Key: "m" + strconv.FormatInt(msgs[i].ID, 10), At: msgs[i].CreatedAt, Msg: &msgs[i]})
			cd.LastMsg = max(cd.LastMsg, msgs[i].ID)
		}
	}
	events, err := u.Tickets.Events(ctx, c.Actor, n, afterEvent, 500)
	if err != nil {
		return err
	}
	// The names events mention; an update with only messages (whose events the conversation
	// shows as the messages themselves) reads none.
	var names nameBook
	if slices.ContainsFunc(events, func(e event.Event) bool { return e.Action != "message_added" }) {
		if names, err = loadNames(); err != nil {
			return err
		}
	}
	for _, e := range events {
		cd.LastEvent = max(cd.LastEvent, e.ID)
		if s := describeEvent(c.Lang, e, names); s != "" {
			cd.Rows = append(cd.Rows, chatRow{Key: "e" + strconv.FormatInt(e.ID, 10), At: e.At, Event: s, Actor: e.ActorName})
		}
	}
	slices.SortStableFunc(cd.Rows, func(a, b chatRow) int { return a.At.Compare(b.At) })
	return nil
}

// chatUpdate is what a chat page fetches when its stream says the ticket changed: the head
// drawn anew and the rows after the last ones it shows (?m= message id, ?e= event id), so
// nothing is redrawn under the agent's hands.
func (u *UI) chatUpdate(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	q := r.URL.Query()
	afterMsg, _ := strconv.ParseInt(q.Get("m"), 10, 64)
	afterEvent, _ := strconv.ParseInt(q.Get("e"), 10, 64)
	return u.writeChatUpdate(w, r, c, n, afterMsg, afterEvent, http.StatusOK)
}

func (u *UI) writeChatUpdate(w http.ResponseWriter, r *http.Request, c *reqCtx, n, afterMsg, afterEvent int64, status int) error {
	ctx := r.Context()
	t, err := u.Tickets.Get(ctx, c.Actor, n)
	if err != nil {
		return err
	}
	d := &ticketData{T: t, CanWork: c.Actor.IsAdmin() || c.Actor.ServesCustomers(), AgentName: c.User.Name}
	cd := &chatData{ticketData: d}
	if err := u.chatRows(ctx, c, n, cd, afterMsg, afterEvent, func() (nameBook, error) { return u.chatNames(ctx, d) }); err != nil {
		return err
	}
	b := u.page(c, "inbox", "", cd)
	b.Path = "/tickets/" + strconv.FormatInt(n, 10)
	return u.renderBlock(w, status, "chat-update", b)
}

// chatSend sends a reply (or writes a note) from the chat composer. The page's script posts
// it with X-Kefu-Chat and gets the new rows back; a plain form is redirected, the PRG way.
func (u *UI) chatSend(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	limits := u.Tickets.Limits()
	r.Body = http.MaxBytesReader(w, r.Body, int64(2*limits.BodyBytes)+64<<10)
	script := r.Header.Get("X-Kefu-Chat") == "1"
	// Only a chat's messages go through here (a mail ticket's replies must go out as mail).
	if t, err := u.Tickets.Get(r.Context(), c.Actor, n); err != nil {
		return err
	} else if t.Channel != channelChat {
		return errNotFoundPage
	}
	in := ticket.MessageInput{Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body"), Channel: channelChat}
	if k := r.PostFormValue("idem"); k != "" {
		in.DedupKey = "web:" + strconv.FormatInt(c.User.ID, 10) + ":" + k
	}
	if _, err := u.Tickets.AddMessage(r.Context(), c.Actor, n, in); err != nil {
		if !script {
			return u.formFailed(w, r, c, n, "reply", err, &ticketData{Body: in.Body, Kind: in.Kind})
		}
		fe, ok := asFormError(c.Lang, err)
		if !ok {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		msg := fe.Message
		for _, m := range fe.Fields {
			msg = m
		}
		w.Write([]byte(msg))
		return nil
	}
	if !script {
		http.Redirect(w, r, ticketURL(n, ""), http.StatusSeeOther)
		return nil
	}
	afterMsg, _ := strconv.ParseInt(r.PostFormValue("m"), 10, 64)
	afterEvent, _ := strconv.ParseInt(r.PostFormValue("e"), 10, 64)
	return u.writeChatUpdate(w, r, c, n, afterMsg, afterEvent, http.StatusOK)
}

// chatAccept assigns the chat to the signed-in agent, within their cap of chats.
func (u *UI) chatAccept(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	var err error
	if u.Chats != nil {
		err = u.Chats.Accept(r.Context(), c.Actor, n)
	} else {
		p := ticket.Patch{AssigneeID: ticket.OptionalID{Set: true, Value: c.User.ID}}
		_, err = u.Tickets.Update(r.Context(), c.Actor, n, p)
	}
	if err != nil {
		return u.formFailed(w, r, c, n, "chat", err, &ticketData{})
	}
	http.Redirect(w, r, ticketURL(n, "accepted"), http.StatusSeeOther)
	return nil
}

// chatClose ends the chat: the visitor is asked for a rating.
func (u *UI) chatClose(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	var err error
	if u.Chats != nil {
		err = u.Chats.Close(r.Context(), c.Actor, n)
	} else {
		st := ticket.StatusClosed
		_, err = u.Tickets.Update(r.Context(), c.Actor, n, ticket.Patch{Status: &st})
	}
	if err != nil {
		return u.formFailed(w, r, c, n, "chat", err, &ticketData{})
	}
	http.Redirect(w, r, ticketURL(n, "chat_closed"), http.StatusSeeOther)
	return nil
}

// renderBlock writes one named template of the chat page's set (a fragment for a script or
// htmx); the layout's blocks are in every set.
func (u *UI) renderBlock(w http.ResponseWriter, status int, block string, b *base) error {
	var buf bytes.Buffer
	if err := u.pages.byName["chat"].ExecuteTemplate(&buf, block, b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}
