package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/session"
)

// loginData fills the sign-in form.
type loginData struct {
	Email string
	Next  string
	Error string
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if _, err := u.Sessions.Lookup(r.Context(), ck.Value); err == nil {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
	}
	u.renderLogin(w, r, http.StatusOK, loginData{Next: localPath(r.URL.Query().Get("next"))})
}

// renderLogin shows the form with a fresh double-submit token: before sign-in there is no
// session to hold a CSRF token, so the cookie and the hidden field must agree.
func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	// Keep a token the browser already holds: a second tab, or the browser's own request for
	// a favicon, must not invalidate the form on screen.
	var token string
	if ck, err := r.Cookie(loginCSRF); err == nil && len(ck.Value) == 32 { // 24 random bytes in base64
		token = ck.Value
	} else {
		token = auth.RandomSecret(24)
	}
	setCookie(w, r, loginCSRF, token, time.Hour)
	lang := guestLang(r)
	u.render(w, r, status, "login", &base{Lang: lang, CSRF: token, Title: tr(lang, "login.title"), Data: d})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	lang := guestLang(r)
	ck, err := r.Cookie(loginCSRF)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("_csrf"))) != 1 {
		u.renderError(w, r, nil, http.StatusForbidden, "error.csrf")
		return
	}
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	d := loginData{Email: email, Next: localPath(r.PostFormValue("next"))}
	if email == "" || password == "" {
		d.Error = tr(lang, "login.required")
		u.renderLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if until, err := u.Sessions.LockedUntil(r.Context(), email); err != nil {
		u.serverError(w, r, lang, err)
		return
	} else if !until.IsZero() {
		d.Error = lockedMessage(lang, until, u.Now())
		u.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	usr, err := u.Users.CheckPassword(r.Context(), email, password)
	if errors.Is(err, apperr.ErrUnauthorized) {
		until, ferr := u.Sessions.Failed(r.Context(), email)
		if ferr != nil {
			u.serverError(w, r, lang, ferr)
			return
		}
		d.Error = tr(lang, "login.bad")
		if !until.IsZero() {
			d.Error = lockedMessage(lang, until, u.Now())
		}
		u.renderLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if err != nil {
		u.serverError(w, r, lang, err)
		return
	}
	if err := u.Sessions.Succeeded(r.Context(), email); err != nil {
		u.serverError(w, r, lang, err)
		return
	}
	token, _, err := u.Sessions.Create(r.Context(), usr.ID)
	if err != nil {
		u.serverError(w, r, lang, err)
		return
	}
	setCookie(w, r, sessionCookie, token, session.Lifetime)
	setCookie(w, r, loginCSRF, "", -1)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func lockedMessage(lang i18n.Lang, until, now time.Time) string {
	secs := int(until.Sub(now).Round(time.Second).Seconds())
	return tr(lang, "login.locked", "seconds", max(secs, 1))
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.Sessions.Delete(r.Context(), c.Session.ID); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// guestLanguage lets someone choose the language on the sign-in page.
func (u *UI) guestLanguage(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Match(r.PostFormValue("lang"))
	setCookie(w, r, langCookie, string(lang), 365*24*time.Hour)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// settingsData fills the settings page.
type settingsData struct {
	Err   *formError
	Saved string
}

func (u *UI) settingsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d := settingsData{}
	if r.URL.Query().Get("saved") != "" {
		d.Saved = tr(c.Lang, "settings.saved")
	}
	u.render(w, r, http.StatusOK, "settings", u.page(c, "settings", "settings.title", d))
	return nil
}

func (u *UI) changePassword(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	fe := &formError{Fields: map[string]string{}}
	if next != again {
		fe.Fields["again"] = tr(c.Lang, "settings.mismatch")
	}
	if until, err := u.Sessions.LockedUntil(r.Context(), c.User.Email); err != nil {
		return err
	} else if !until.IsZero() {
		fe.Fields["current"] = lockedMessage(c.Lang, until, u.Now())
	} else if _, err := u.Users.CheckPassword(r.Context(), c.User.Email, current); errors.Is(err, apperr.ErrUnauthorized) {
		if _, err := u.Sessions.Failed(r.Context(), c.User.Email); err != nil {
			return err
		}
		fe.Fields["current"] = tr(c.Lang, "settings.wrong_current")
	} else if err != nil {
		return err
	}
	if len(fe.Fields) == 0 {
		_, err := u.Users.Update(r.Context(), c.Actor, c.User.ID, user.UpdateInput{Password: &next})
		if e, ok := asFormError(c.Lang, err); ok {
			fe = e
		} else if err != nil {
			return err
		} else {
			if err := u.Sessions.DeleteOthers(r.Context(), c.User.ID, c.Session.ID); err != nil {
				return err
			}
			http.Redirect(w, r, "/settings?saved=password", http.StatusSeeOther)
			return nil
		}
	}
	u.render(w, r, http.StatusUnprocessableEntity, "settings", u.page(c, "settings", "settings.title", settingsData{Err: fe}))
	return nil
}

// changeLanguage remembers the user's language (and time zone) on their record.
func (u *UI) changeLanguage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	in := user.UpdateInput{}
	if l := r.PostFormValue("lang"); l != "" {
		lang := string(i18n.Match(l))
		in.Locale = &lang
	}
	if tz := r.PostFormValue("time_zone"); tz != "" {
		in.TimeZone = &tz
	}
	if _, err := u.Users.Update(r.Context(), c.Actor, c.User.ID, in); err != nil {
		if fe, ok := asFormError(c.Lang, err); ok {
			u.render(w, r, http.StatusUnprocessableEntity, "settings", u.page(c, "settings", "settings.title", settingsData{Err: fe}))
			return nil
		}
		return err
	}
	back(w, r, "/settings?saved=language")
	return nil
}
