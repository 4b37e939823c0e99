package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/user"
)

// The email channel's administration: the mailboxes (with a connection check), the queue
// of received mail that could not become a message, and the outbox. Admins only; every
// rule is the mail service's.

// mailRoutes are the pages of the email administration.
func (u *UI) mailRoutes() []route {
	return []route{
		{"GET /admin/mailboxes", u.mailboxesPage},
		{"GET /admin/mailboxes/new", u.newMailboxPage},
		{"POST /admin/mailboxes", u.createMailbox},
		{"GET /admin/mailboxes/{id}", u.mailboxPage},
		{"POST /admin/mailboxes/{id}", u.updateMailbox},
		{"POST /admin/mailboxes/{id}/active", u.setMailboxActive},
		{"POST /admin/mailboxes/{id}/check", u.checkMailbox},
		{"GET /admin/mail/inbound", u.mailInboundPage},
		{"POST /admin/mail/inbound/{id}/reprocess", u.reprocessMail},
		{"GET /admin/mail/outbox", u.mailOutboxPage},
		{"POST /admin/mail/outbox/{id}/retry", u.retryMail},
	}
}

// mailAdminData fills the email administration pages.
type mailAdminData struct {
	Mailboxes []*mail.Mailbox
	Box       *mail.Mailbox // the mailbox edited; nil on the new-mailbox page
	Teams     []*user.Team
	TeamNames map[int64]string
	TLSModes  []string
	Check     *mail.ConnectionCheck
	Inbound   []mail.InboundMail
	Outbox    []mail.OutboxItem
	States    []string
	State     string // the list's state filter; "" for all
	Notice    string
	Err       *formError
	values    map[string]string // the form's fields: the mailbox's, or what was typed
	lang      i18n.Lang
}

// reasons are the beginnings of the mail service's reasons (stored in English, as the
// servers' own words that follow them are) and their translations.
var reasons = []struct{ prefix, key string }{
	{"cannot be parsed: ", "mail_reason.unparseable"},
	{"raw mail unreadable: ", "mail_reason.unreadable"},
	{"bounced: ", "mail_reason.bounced"},
	{"interrupted while sending; sent again with the same Message-ID", "mail_reason.interrupted"},
	{"the customer has no email address", "mail_reason.no_address"},
}

// Reason shows a failed mail's reason in the user's language where it is one of ours; the
// servers' words after it stay as they were said.
func (d *mailAdminData) Reason(s string) string {
	for _, r := range reasons {
		if rest, ok := strings.CutPrefix(s, r.prefix); ok {
			if rest == "" {
				return tr(d.lang, r.key)
			}
			return tr(d.lang, r.key) + "：" + rest
		}
	}
	return s
}

// V is the value of a form field.
func (d *mailAdminData) V(name string) string { return d.values[name] }

// Checked says whether a checkbox of the form is on.
func (d *mailAdminData) Checked(name string) bool { return d.values[name] == "1" }

// mailboxFields are the text fields of the mailbox form, in the order of MailboxInput.
var mailboxFields = []string{"name", "address", "team_id", "imap_host", "imap_port", "imap_tls", "imap_user", "imap_folder",
	"smtp_host", "smtp_port", "smtp_tls", "smtp_user", "from_name", "signature", "auto_reply"}

func mailboxValues(m *mail.Mailbox) map[string]string {
	v := map[string]string{"imap_tls": "tls", "imap_folder": "INBOX", "smtp_tls": "starttls", "active": "1"}
	if m == nil {
		return v
	}
	port := func(p int) string {
		if p == 0 {
			return ""
		}
		return strconv.Itoa(p)
	}
	v = map[string]string{
		"name": m.Name, "address": m.Address, "imap_host": m.IMAPHost, "imap_port": port(m.IMAPPort), "imap_tls": m.IMAPTLS,
		"imap_user": m.IMAPUser, "imap_folder": m.IMAPFolder, "smtp_host": m.SMTPHost, "smtp_port": port(m.SMTPPort),
		"smtp_tls": m.SMTPTLS, "smtp_user": m.SMTPUser, "from_name": m.FromName, "signature": m.Signature, "auto_reply": m.AutoReply,
	}
	if m.TeamID != nil {
		v["team_id"] = strconv.FormatInt(*m.TeamID, 10)
	}
	if m.DeleteAfterImport {
		v["delete_after_import"] = "1"
	}
	if m.Active {
		v["active"] = "1"
	}
	return v
}

// mailAdmin checks the user is an admin and the node has the email channel.
func (u *UI) mailAdmin(c *reqCtx) error {
	if u.Mail == nil {
		return errNotFoundPage
	}
	return adminOnly(c, false)
}

func (u *UI) renderMailAdmin(w http.ResponseWriter, r *http.Request, c *reqCtx, name, titleKey string, status int, d *mailAdminData) error {
	teams, err := u.Users.ListTeams(r.Context())
	if err != nil {
		return err
	}
	d.TeamNames = map[int64]string{}
	for _, t := range teams {
		d.TeamNames[t.ID] = t.Name
		if t.Kind == user.KindTeam {
			d.Teams = append(d.Teams, t)
		}
	}
	d.TLSModes = mail.TLSModes
	d.lang = c.Lang
	if d.values == nil {
		d.values = map[string]string{}
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		d.Notice = tr(c.Lang, "admin_mailboxes.saved")
	case "reprocess":
		d.Notice = tr(c.Lang, "mail_inbound.requeued")
	case "retry":
		d.Notice = tr(c.Lang, "mail_outbox.requeued")
	}
	u.render(w, r, status, name, u.page(c, "admin", titleKey, d))
	return nil
}

func (u *UI) mailboxesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	boxes, err := u.Mail.Mailboxes(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "admin_mailboxes", "admin_mailboxes.title", http.StatusOK, &mailAdminData{Mailboxes: boxes})
}

func (u *UI) newMailboxPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "admin_mailbox", "admin_mailbox.new", http.StatusOK, &mailAdminData{values: mailboxValues(nil)})
}

func (u *UI) mailboxPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	box, err := u.Mail.Mailbox(r.Context(), c.Actor, pathInt(r, "id"))
	if err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "admin_mailbox", "admin_mailbox.title", http.StatusOK, &mailAdminData{Box: box, values: mailboxValues(box)})
}

// mailboxInput reads the mailbox form. A password field left empty keeps the stored
// password (passwords are never shown back); its "remove" box removes it.
func mailboxInput(r *http.Request) (mail.MailboxInput, error) {
	f := apperr.Fields{}
	str := func(name string) *string {
		v := r.PostFormValue(name)
		return &v
	}
	// An empty port is the usual one of the TLS mode chosen (993, 143, 465, 587).
	port := func(proto string) *int {
		name := proto + "_port"
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			if proto == "smtp" && strings.TrimSpace(r.PostFormValue("smtp_host")) == "" {
				return nil
			}
			p := mail.DefaultPort(proto, r.PostFormValue(proto+"_tls"))
			return &p
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Add(name, "out_of_range", map[string]any{"min": 1, "max": 65535})
			return nil
		}
		return &n
	}
	in := mail.MailboxInput{
		Name: str("name"), Address: str("address"),
		IMAPHost: str("imap_host"), IMAPPort: port("imap"), IMAPTLS: str("imap_tls"), IMAPUser: str("imap_user"), IMAPFolder: str("imap_folder"),
		SMTPHost: str("smtp_host"), SMTPPort: port("smtp"), SMTPTLS: str("smtp_tls"), SMTPUser: str("smtp_user"),
		FromName: str("from_name"), Signature: str("signature"), AutoReply: str("auto_reply"),
	}
	team := int64(0)
	if v := r.PostFormValue("team_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			f.Add("team_id", "unknown_team", nil)
		}
		team = n
	}
	in.TeamID = &team
	del := r.PostFormValue("delete_after_import") == "1"
	in.DeleteAfterImport = &del
	for _, p := range []struct {
		field string
		dst   **string
	}{{"imap_password", &in.IMAPPassword}, {"smtp_password", &in.SMTPPassword}} {
		if v := r.PostFormValue(p.field); v != "" {
			*p.dst = &v
		} else if r.PostFormValue(p.field+"_clear") == "1" {
			empty := ""
			*p.dst = &empty
		}
	}
	return in, f.Err()
}

// mailboxFailed shows the mailbox form again with the error and what was typed (never the
// passwords).
func (u *UI) mailboxFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, box *mail.Mailbox, err error) error {
	fe, ok := asFormError(c.Lang, err)
	if !ok {
		return err
	}
	values := map[string]string{}
	for _, k := range mailboxFields {
		values[k] = r.PostFormValue(k)
	}
	if r.PostFormValue("delete_after_import") == "1" {
		values["delete_after_import"] = "1"
	}
	title := "admin_mailbox.new"
	if box != nil {
		title = "admin_mailbox.title"
	}
	return u.renderMailAdmin(w, r, c, "admin_mailbox", title, http.StatusUnprocessableEntity, &mailAdminData{Box: box, Err: fe, values: values})
}

func (u *UI) createMailbox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	in, err := mailboxInput(r)
	if err != nil {
		return u.mailboxFailed(w, r, c, nil, err)
	}
	if *in.TeamID == 0 {
		in.TeamID = nil
	}
	box, err := u.Mail.CreateMailbox(r.Context(), c.Actor, in)
	if err != nil {
		return u.mailboxFailed(w, r, c, nil, err)
	}
	http.Redirect(w, r, "/admin/mailboxes/"+strconv.FormatInt(box.ID, 10)+"?done=saved", http.StatusSeeOther)
	return nil
}

func (u *UI) updateMailbox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	box, err := u.Mail.Mailbox(r.Context(), c.Actor, pathInt(r, "id"))
	if err != nil {
		return err
	}
	in, err := mailboxInput(r)
	if err == nil {
		_, err = u.Mail.UpdateMailbox(r.Context(), c.Actor, box.ID, in)
	}
	if err != nil {
		return u.mailboxFailed(w, r, c, box, err)
	}
	http.Redirect(w, r, "/admin/mailboxes/"+strconv.FormatInt(box.ID, 10)+"?done=saved", http.StatusSeeOther)
	return nil
}

func (u *UI) setMailboxActive(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	active := r.PostFormValue("active") == "1"
	if _, err := u.Mail.UpdateMailbox(r.Context(), c.Actor, pathInt(r, "id"), mail.MailboxInput{Active: &active}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/mailboxes", http.StatusSeeOther)
	return nil
}

func (u *UI) checkMailbox(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	box, err := u.Mail.Mailbox(r.Context(), c.Actor, pathInt(r, "id"))
	if err != nil {
		return err
	}
	check, err := u.Mail.CheckConnection(r.Context(), c.Actor, box.ID)
	if err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "admin_mailbox", "admin_mailbox.title", http.StatusOK, &mailAdminData{Box: box, Check: check, values: mailboxValues(box)})
}

// listState reads the state filter of a queue page: one of states, "all" for every state,
// or def when none is given.
func listState(r *http.Request, states []string, def string) string {
	s := r.URL.Query().Get("state")
	switch {
	case s == "all":
		return ""
	case s == "" || !slices.Contains(states, s):
		return def
	}
	return s
}

func (u *UI) mailInboundPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	state := listState(r, mail.InboundStates, "failed")
	list, err := u.Mail.Inbound(r.Context(), c.Actor, state, 100)
	if err != nil {
		return err
	}
	boxes, err := u.Mail.Mailboxes(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "mail_inbound", "mail_inbound.title", http.StatusOK,
		&mailAdminData{Inbound: list, Mailboxes: boxes, States: mail.InboundStates, State: state})
}

// MailboxName names a mailbox of the page's list by id.
func (d *mailAdminData) MailboxName(id int64) string {
	for _, m := range d.Mailboxes {
		if m.ID == id {
			return m.Name
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (u *UI) reprocessMail(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	if err := u.Mail.Reprocess(r.Context(), c.Actor, pathInt(r, "id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/mail/inbound?"+url.Values{"state": {"failed"}, "done": {"reprocess"}}.Encode(), http.StatusSeeOther)
	return nil
}

func (u *UI) mailOutboxPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	state := listState(r, mail.OutboxStates, "")
	list, err := u.Mail.Outbox(r.Context(), c.Actor, 0, state, 100)
	if err != nil {
		return err
	}
	return u.renderMailAdmin(w, r, c, "mail_outbox", "mail_outbox.title", http.StatusOK,
		&mailAdminData{Outbox: list, States: mail.OutboxStates, State: state})
}

func (u *UI) retryMail(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.mailAdmin(c); err != nil {
		return err
	}
	if _, err := u.Mail.Retry(r.Context(), c.Actor, pathInt(r, "id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/mail/outbox?"+url.Values{"state": {"failed"}, "done": {"retry"}}.Encode(), http.StatusSeeOther)
	return nil
}
