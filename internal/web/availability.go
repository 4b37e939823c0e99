package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/user"
)

// availabilityLoader reads the agent's availability (online, away, offline) the first time
// a page asks for it, so requests that draw no header (streams, hints) cost no read. It is
// "" when the header shows no switch: routing is not wired, or the user does not serve
// customers (department staff take no chats).
func (u *UI) availabilityLoader(ctx context.Context, usr *user.User) func() string {
	if u.Routing == nil {
		return func() string { return "" }
	}
	return sync.OnceValue(func() string {
		a := usr.Actor()
		if !a.ServesCustomers() {
			return ""
		}
		ag, err := u.Routing.Agent(ctx, a, usr.ID)
		if err != nil {
			u.Logger.WarnContext(ctx, "availability", "user_id", usr.ID, "err", err)
			return ""
		}
		return ag.Availability
	})
}

// Availability is the signed-in agent's availability for the header switch; "" hides it.
func (b *base) Availability() string {
	if b.C == nil || b.C.avail == nil {
		return ""
	}
	return b.C.avail()
}

// setAvailability is the header switch: an agent sets their own availability. htmx gets the
// switch back; a plain form goes back to its page.
func (u *UI) setAvailability(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if u.Routing == nil {
		return errNotFoundPage
	}
	v := r.PostFormValue("availability")
	ag, err := u.Routing.SetAgent(r.Context(), c.Actor, c.User.ID, routing.AgentInput{Availability: &v})
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		back(w, r, "/")
		return nil
	}
	c.avail = func() string { return ag.Availability }
	b := u.page(c, "", "", nil)
	b.Path = localPath(r.PostFormValue("_back"))
	return u.renderBlock(w, http.StatusOK, "availability", b)
}
