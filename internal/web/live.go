package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// heartbeat keeps idle streams open through proxies that close silent connections.
const heartbeat = 25 * time.Second

func ticketTopic(number int64) string { return "ticket:" + strconv.FormatInt(number, 10) }

// publishChanges tells open ticket pages about every committed change, whoever made it
// (this UI, the API, mail, automations): the hook runs in the command's transaction and
// publishes only after the commit, so a page never hears of a change that rolled back.
func (u *UI) publishChanges() {
	u.Tickets.OnChange(func(tx *storage.Tx, c ticket.Change) error {
		if c.After == nil {
			return nil
		}
		e := realtime.Event{Topic: ticketTopic(c.After.Number), Kind: c.Kind, Actor: c.Actor.Name, At: c.At}
		if c.Actor.IsStaff() {
			e.ActorID = c.Actor.ID
		}
		tx.AfterCommit(func() { u.Realtime.Publish(e) })
		return nil
	})
}

// live streams a ticket's changes as Server-Sent Events; the page shows "changed, reload"
// rather than redrawing under the agent's hands.
func (u *UI) live(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n := pathInt(r, "number")
	// Subscribe first, then read the ticket: a change made between the page's drawing and
	// this subscription shows as a version newer than the page's (?v=), so none slips by.
	events, end := u.Realtime.Subscribe(ticketTopic(n))
	defer end()
	t, err := u.Tickets.Get(r.Context(), c.Actor, n)
	if err != nil {
		return err
	}
	var missed []sseEvent
	if v, err := strconv.ParseInt(r.URL.Query().Get("v"), 10, 64); err == nil && v != t.Version {
		missed = append(missed, sseEvent{"change", realtime.Event{Topic: ticketTopic(n), Kind: "updated", At: t.UpdatedAt}})
	}
	return u.stream(w, r, events, 5*time.Second, missed, func(e realtime.Event) (sseEvent, bool) {
		return sseEvent{liveEventName(e), e}, true // presence and typing are not changes
	})
}

// Close ends the open event streams, so a server shutting down need not wait for them.
func (u *UI) Close() { u.Realtime.Close() }
