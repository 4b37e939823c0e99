package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/session"
)

// Cookie names.
const (
	sessionCookie = "kefu_session"
	loginCSRF     = "kefu_login_csrf" // double-submit token of the sign-in form
	langCookie    = "kefu_lang"       // language before sign-in
)

// reqCtx is what a signed-in page knows about its request.
type reqCtx struct {
	User    *user.User
	Actor   auth.Actor
	Session *session.Session
	Lang    i18n.Lang
	Loc     *time.Location
	avail   func() string // the agent's availability for the header, read on first use
}

// pageFunc is a signed-in handler; a returned error becomes an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, c *reqCtx) error

// errNotFoundPage is a path that names no page.
var errNotFoundPage = apperr.NotFound("page")

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func location(name string) *time.Location {
	if name == "" {
		return shanghai
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return shanghai
	}
	return l
}

// safeMethod: requests that change nothing and need no CSRF token.
func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// signedIn runs h for a signed-in user; others are sent to the sign-in page. Every request
// that may change something must carry the session's CSRF token, in the form or in the
// X-CSRF-Token header that htmx sends.
func (u *UI) signedIn(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		if ck, err := r.Cookie(sessionCookie); err == nil {
			token = ck.Value
		}
		sess, err := u.Sessions.Lookup(r.Context(), token)
		var usr *user.User
		if err == nil {
			usr, err = u.Users.Get(r.Context(), sess.UserID)
			if err == nil && !usr.Active {
				err = apperr.ErrUnauthorized
			}
		}
		if err != nil {
			if !errors.Is(err, apperr.ErrUnauthorized) && !errors.Is(err, apperr.ErrNotFound) {
				u.serverError(w, r, guestLang(r), err)
				return
			}
			u.toLogin(w, r)
			return
		}
		c := &reqCtx{User: usr, Actor: usr.Actor(), Session: sess, Lang: i18n.Match(usr.Locale), Loc: location(usr.TimeZone)}
		c.avail = u.availabilityLoader(r.Context(), usr)
		if !safeMethod(r.Method) && !validCSRF(r, sess.CSRF) {
			u.renderError(w, r, c, http.StatusForbidden, "error.csrf")
			return
		}
		if err := h(w, r, c); err != nil {
			u.fail(w, r, c, err)
		}
	})
}

func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("_csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// toLogin sends a guest to the sign-in page and back to where they were going.
func (u *UI) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !safeMethod(r.Method) {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// localPath keeps a redirect target on this site ("/tickets/1", not "//evil.example").
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// guestLang is the language of someone not signed in: their earlier choice, else the
// browser's, else Chinese.
func guestLang(r *http.Request) i18n.Lang {
	if ck, err := r.Cookie(langCookie); err == nil {
		return i18n.Match(ck.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// setCookie writes a cookie the way every Kefu cookie is written: HttpOnly, SameSite=Lax,
// Secure when the request came over TLS.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, ck)
}

// back redirects to the page a form came from (or fallback), the PRG way.
func back(w http.ResponseWriter, r *http.Request, fallback string) {
	to := fallback
	if ref := r.PostFormValue("_back"); ref != "" {
		to = localPath(ref)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
