package web

import (
	"bytes"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/ticket"
)

// In-app notifications (internal/notify): the header's bell with the unread count, loaded
// by htmx after the page and again whenever the user's realtime topic hints at a new one
// (static/notifications.js listens on /live/notifications), the notifications page, and
// marking read. And the SLA due badge that inbox rows and the ticket page show.

// notes is the notification service; one over the UI's database when none was wired.
func (u *UI) notes() *notify.Service {
	if u.Notify == nil {
		return notify.NewService(u.DB, u.Realtime, u.Now)
	}
	return u.Notify
}

// notificationsData fills the notifications page.
type notificationsData struct {
	Items  []notify.Notification
	Unread string
	Next   int64 // the id to page back from; 0 at the end
}

const notificationsPage = 50

// notificationsList shows the user's notifications, newest first.
func (u *UI) notificationsList(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	items, err := u.notes().List(r.Context(), c.Actor, before, notificationsPage+1)
	if err != nil {
		return err
	}
	d := &notificationsData{Items: items}
	if len(items) > notificationsPage {
		d.Items = items[:notificationsPage]
		d.Next = d.Items[len(d.Items)-1].ID
	}
	n, more, err := u.notes().Unread(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	d.Unread = bellCount(n, more)
	u.render(w, r, http.StatusOK, "notifications", u.page(c, "notifications", "notifications.title", d))
	return nil
}

// markNotificationsRead marks one notification (id) or all of them read, then goes back.
func (u *UI) markNotificationsRead(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid("id", "invalid", nil)
	}
	var id int64
	if s := r.PostForm.Get("id"); s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
			return apperr.Invalid("id", "invalid", nil)
		}
	}
	if err := u.notes().MarkRead(r.Context(), c.Actor, id); err != nil {
		return err
	}
	to := localPath(r.PostForm.Get("_back"))
	if to == "" || to == "/" {
		to = "/notifications"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// bellData fills the header's bell.
type bellData struct {
	Count string // "" when nothing is unread
	Label string
}

var bellTemplate = template.Must(template.New("bell").Parse(
	`<a href="/notifications" id="bell" class="bell{{if .Count}} unread{{end}}" hx-get="/notifications/bell" hx-trigger="kefu:notification from:body" hx-swap="outerHTML" aria-label="{{.Label}}">` +
		`<span aria-hidden="true">🔔</span>{{if .Count}}<span class="count">{{.Count}}</span>{{end}}</a>`))

// bell draws the header's bell with the unread count (htmx swaps it in place).
func (u *UI) bell(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	n, more, err := u.notes().Unread(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	d := bellData{Count: bellCount(n, more), Label: tr(c.Lang, "notifications.bell_none")}
	if n > 0 {
		d.Label = tr(c.Lang, "notifications.bell_unread", "n", d.Count)
	}
	var buf bytes.Buffer
	if err := bellTemplate.Execute(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

func bellCount(n int, more bool) string {
	switch {
	case n == 0:
		return ""
	case more:
		return strconv.Itoa(n) + "+"
	}
	return strconv.Itoa(n)
}

// liveNotifications streams hints of the user's new notifications as Server-Sent Events;
// the page then reloads its bell. Only the signed-in user's own topic is ever subscribed.
func (u *UI) liveNotifications(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	events, end := u.Realtime.Subscribe(notify.Topic(c.User.ID))
	defer end()
	return u.stream(w, r, events, 10*time.Second, nil, func(e realtime.Event) (sseEvent, bool) {
		if e.Kind != notify.KindNotification && e.Kind != realtime.KindResync {
			return sseEvent{}, false
		}
		return sseEvent{"notification", map[string]any{"kind": e.Kind, "at": e.At}}, true
	})
}

// slaBadge is what a due badge shows.
type slaBadge struct {
	State string // ticket.SLAOK, SLAWarning, SLABreached
	Label string // the state in words, so colour is never the only sign
	When  string // "in 25 min" / "2 h ago"
	ISO   string
	Title string // the due time in full
}

var slaBadgeTemplate = template.Must(template.New("sla").Parse(
	`<span class="sla sla-{{.State}}" title="{{.Title}}"><span class="sla-label">{{.Label}}</span> ` +
		`<time datetime="{{.ISO}}">{{.When}}</time></span>`))

// SLABadge draws a ticket's due badge: its state in words and colour and the due time
// relative to now; nothing when no target is due.
func (b *base) SLABadge(t *ticket.Ticket) template.HTML {
	if t == nil || t.SLADueAt == nil || t.SLAState == "" || t.SLAState == ticket.SLANone {
		return ""
	}
	due := *t.SLADueAt
	d := slaBadge{State: t.SLAState, Label: b.T("sla." + t.SLAState), ISO: b.ISO(due),
		Title: b.T("sla.due_at", "time", b.Time(due))}
	left := time.Until(due)
	if left >= 0 {
		d.When = b.T("sla.in", "d", humanDuration(b.Lang, left))
	} else {
		d.When = b.T("sla.ago", "d", humanDuration(b.Lang, -left))
	}
	var buf bytes.Buffer
	if err := slaBadgeTemplate.Execute(&buf, d); err != nil {
		return ""
	}
	return template.HTML(buf.String()) // escaped by html/template above
}

// humanDuration is a short duration in words: 45 分钟, 3 小时, 2 天.
func humanDuration(lang i18n.Lang, d time.Duration) string {
	unit := func(n float64, key string) string { return tr(lang, key, "n", strconv.Itoa(int(math.Max(1, n)))) }
	switch {
	case d < time.Hour:
		return unit(math.Ceil(d.Minutes()), "sla.minutes")
	case d < 48*time.Hour:
		return unit(math.Round(d.Hours()), "sla.hours")
	}
	return unit(math.Round(d.Hours()/24), "sla.days")
}
