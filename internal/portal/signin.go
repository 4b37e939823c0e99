package portal

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/portal/account"
)

// loginData fills the sign-in page.
type loginData struct {
	Email     string
	LinkError string // next to the link form
	PassError string // next to the password form
	Sent      bool   // a link was asked for
	MailReady bool   // sign-in links can be mailed
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if _, err := p.Accounts.Session(r.Context(), ck.Value); err == nil {
			http.Redirect(w, r, "/portal/", http.StatusFound)
			return
		}
	}
	p.renderLogin(w, r, http.StatusOK, loginData{Sent: r.URL.Query().Get("sent") != ""})
}

// renderLogin draws the sign-in page with a guest form token.
func (p *Portal) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	lang := guestLang(r)
	ready, err := p.mailReady(r)
	if err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	d.MailReady = ready
	token := guestToken(w, r)
	p.render(w, r, status, "login", &base{Lang: lang, CSRF: token, Title: tr(lang, "login.title"), Back: "/portal/login", Data: d})
}

// mailReady reports whether sign-in links can be sent: a public address to point them to
// and a mailbox to send them from. When not, the page says so (and the log does, for the
// admins) rather than promise a mail that never comes.
func (p *Portal) mailReady(r *http.Request) (bool, error) {
	if p.PublicURL == "" {
		return false, nil
	}
	ok, err := p.Accounts.CanMail(r.Context())
	if err == nil && !ok {
		// Say it in the log too, for the admins, but not on every page view.
		now := p.Now().UnixMilli()
		if last := p.mailWarned.Load(); now-last > 10*60*1000 && p.mailWarned.CompareAndSwap(last, now) {
			p.Logger.WarnContext(r.Context(), "portal: sign-in links cannot be mailed: no active mailbox has an SMTP server")
		}
	}
	return ok, err
}

// waitMessage says how long to wait, in minutes rounded up (at least one).
func waitMessage(lang i18n.Lang, key string, d time.Duration) string {
	return tr(lang, key, "minutes", max(1, int(math.Ceil(d.Minutes()))))
}

// requestLink mails a sign-in link, answering the same whether or not the address is a
// customer's.
func (p *Portal) requestLink(w http.ResponseWriter, r *http.Request) {
	lang := guestLang(r)
	email := strings.TrimSpace(r.PostFormValue("email"))
	d := loginData{Email: email}
	if email == "" {
		d.LinkError = tr(lang, "login.email_required")
		p.renderLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	ready, err := p.mailReady(r)
	if err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	if !ready {
		p.renderLogin(w, r, http.StatusServiceUnavailable, d)
		return
	}
	// Both limits count every request alike, known address or not.
	for _, lim := range []struct {
		key string
		n   int
	}{{"link-ip:" + clientIP(r), p.Limits.LinksPerIP}, {"link-address:" + strings.ToLower(email), p.Limits.LinksPerAddress}} {
		ok, retry, err := p.Accounts.Allow(r.Context(), lim.key, lim.n, p.Limits.Window)
		if err != nil {
			p.serverError(w, r, lang, err)
			return
		}
		if !ok {
			d.LinkError = waitMessage(lang, "login.too_many", retry)
			p.renderLogin(w, r, http.StatusTooManyRequests, d)
			return
		}
	}
	err = p.Accounts.RequestLink(r.Context(), email, p.PublicURL+"/portal/link?t=", func(url string) (string, string) {
		return tr(lang, "mail.link_subject"), tr(lang, "mail.link_body", "url", url, "minutes", int(account.LinkLifetime.Minutes()))
	})
	if errors.Is(err, account.ErrMailNotConfigured) {
		p.renderLogin(w, r, http.StatusServiceUnavailable, d)
		return
	}
	if err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	http.Redirect(w, r, "/portal/login?sent=1", http.StatusSeeOther)
}

// passwordLogin signs in with an email address and the password the customer set.
func (p *Portal) passwordLogin(w http.ResponseWriter, r *http.Request) {
	lang := guestLang(r)
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	d := loginData{Email: email}
	if email == "" || password == "" {
		d.PassError = tr(lang, "login.required")
		p.renderLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	ok, retry, err := p.Accounts.Allow(r.Context(), "password-ip:"+clientIP(r), p.Limits.PasswordsPerIP, p.Limits.Window)
	if err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	if !ok {
		d.PassError = waitMessage(lang, "login.too_many", retry)
		p.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	if until, err := p.Accounts.LockedUntil(r.Context(), email); err != nil {
		p.serverError(w, r, lang, err)
		return
	} else if !until.IsZero() {
		d.PassError = waitMessage(lang, "login.locked", until.Sub(p.Now()))
		p.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	customerID, err := p.Accounts.CheckPassword(r.Context(), email, password)
	if errors.Is(err, apperr.ErrUnauthorized) {
		until, ferr := p.Accounts.Failed(r.Context(), email)
		if ferr != nil {
			p.serverError(w, r, lang, ferr)
			return
		}
		d.PassError = tr(lang, "login.bad")
		if !until.IsZero() {
			d.PassError = waitMessage(lang, "login.locked", until.Sub(p.Now()))
		}
		p.renderLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	if err := p.Accounts.Succeeded(r.Context(), email); err != nil {
		p.serverError(w, r, lang, err)
		return
	}
	p.startSession(w, r, customerID)
}

func (p *Portal) startSession(w http.ResponseWriter, r *http.Request, customerID int64) {
	token, _, err := p.Accounts.CreateSession(r.Context(), customerID)
	if err != nil {
		p.serverError(w, r, guestLang(r), err)
		return
	}
	setCookie(w, r, sessionCookie, token, account.SessionLifetime)
	setCookie(w, r, guestCSRF, "", -1)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// linkData fills the page a sign-in link opens.
type linkData struct {
	Token string
}

// linkPage is where a mailed link lands. Opening it changes nothing: mail scanners that
// fetch every link must not use up the customer's; the button posts the token.
func (p *Portal) linkPage(w http.ResponseWriter, r *http.Request) {
	lang := guestLang(r)
	token := r.URL.Query().Get("t")
	if token == "" || len(token) > 100 {
		p.renderError(w, r, nil, http.StatusBadRequest, "link.bad")
		return
	}
	csrf := guestToken(w, r)
	p.render(w, r, http.StatusOK, "link", &base{Lang: lang, CSRF: csrf, Title: tr(lang, "link.title"), Back: "/portal/login", Data: linkData{Token: token}})
}

// useLink signs in with a link's token; a link works once, for 15 minutes.
func (p *Portal) useLink(w http.ResponseWriter, r *http.Request) {
	customerID, err := p.Accounts.UseLink(r.Context(), r.PostFormValue("t"))
	if errors.Is(err, apperr.ErrUnauthorized) {
		p.renderError(w, r, nil, http.StatusGone, "link.bad")
		return
	}
	if err != nil {
		p.serverError(w, r, guestLang(r), err)
		return
	}
	p.startSession(w, r, customerID)
}

// language switches the language: a cookie for everyone, and the customer's setting when
// the request comes from a signed-in page with its form token.
func (p *Portal) language(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	lang := i18n.Match(r.PostFormValue("lang"))
	setCookie(w, r, langCookie, string(lang), 365*24*time.Hour)
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if sess, err := p.Accounts.Session(r.Context(), ck.Value); err == nil && validCSRF(r, sess.CSRF) {
			if err := p.Accounts.SetLocale(r.Context(), sess.CustomerID, string(lang)); err != nil {
				p.serverError(w, r, lang, err)
				return
			}
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("_back")), http.StatusSeeOther)
}

// localPath keeps a redirect inside the portal.
func localPath(s string) string {
	if !strings.HasPrefix(s, "/portal/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return "/portal/"
	}
	return s
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := p.Accounts.EndSession(r.Context(), c.Session.ID); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
	return nil
}
