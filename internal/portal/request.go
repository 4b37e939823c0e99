package portal

import (
	"crypto/subtle"
	"errors"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/portal/account"
)

// Cookies of the portal. They are scoped to /portal, so the agent workspace's cookies and
// these never meet.
const (
	sessionCookie = "kefu_portal_session"
	guestCSRF     = "kefu_portal_csrf" // double-submit token of the guest forms
	langCookie    = "kefu_portal_lang"
	cookiePath    = "/portal"
)

// reqCtx is what a signed-in page knows about its request.
type reqCtx struct {
	Customer *account.Customer
	Actor    auth.Actor
	Session  *account.Session
	Lang     i18n.Lang
	Loc      *time.Location
}

// pageFunc is a signed-in handler; a returned error becomes an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, c *reqCtx) error

// errNotFound is every "not found" of the portal: no such page, no such ticket, and a
// ticket, attachment or rating that is someone else's.
var errNotFound = apperr.NotFound("page")

// shanghai is the portal's time zone: customers have no setting, and the help desk's
// customers are in China.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// setCookie writes a portal cookie: HttpOnly, SameSite=Lax, Secure over TLS, path /portal.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, ck)
}

// guestLang is the language of someone not signed in: their earlier choice, else the
// browser's, else Chinese.
func guestLang(r *http.Request) i18n.Lang {
	if ck, err := r.Cookie(langCookie); err == nil {
		return i18n.Match(ck.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// clientIP is the address the request came from, for the rate limits. Forwarded headers
// are not trusted: anyone can write them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// guestToken returns the guest form token the browser holds, or a new one, and (re)sets
// the cookie. Before sign-in there is no session to keep a CSRF token, so the cookie and the
// form's hidden field must agree (double submit).
func guestToken(w http.ResponseWriter, r *http.Request) string {
	token := ""
	if ck, err := r.Cookie(guestCSRF); err == nil && len(ck.Value) == 32 { // 24 random bytes in base64
		token = ck.Value
	} else {
		token = auth.RandomSecret(24)
	}
	setCookie(w, r, guestCSRF, token, time.Hour)
	return token
}

// guest wraps a guest form handler with the double-submit check.
func (p *Portal) guest(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		ck, err := r.Cookie(guestCSRF)
		if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("_csrf"))) != 1 {
			p.renderError(w, r, nil, http.StatusForbidden, "error.csrf")
			return
		}
		h(w, r)
	}
}

// signedIn runs h for a signed-in customer and sends anyone else to the sign-in page. Every
// request that may change something must carry the session's CSRF token.
func (p *Portal) signedIn(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		if ck, err := r.Cookie(sessionCookie); err == nil {
			token = ck.Value
		}
		sess, err := p.Accounts.Session(r.Context(), token)
		var cust *account.Customer
		if err == nil {
			cust, err = p.Accounts.Customer(r.Context(), sess.CustomerID)
		}
		if errors.Is(err, apperr.ErrUnauthorized) {
			p.toLogin(w, r)
			return
		}
		if err != nil {
			p.serverError(w, r, guestLang(r), err)
			return
		}
		lang := guestLang(r)
		if cust.Locale != "" {
			lang = i18n.Match(cust.Locale)
		}
		c := &reqCtx{Customer: cust, Actor: cust.Actor(), Session: sess, Lang: lang, Loc: shanghai}
		c.Actor.Lang = string(lang)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, p.MaxUpload)
			if err := parseForm(r); err != nil {
				p.fail(w, r, c, err)
				return
			}
			if !validCSRF(r, sess.CSRF) {
				p.renderError(w, r, c, http.StatusForbidden, "error.csrf")
				return
			}
		}
		if err := h(w, r, c); err != nil {
			p.fail(w, r, c, err)
		}
	})
}

// parseForm reads a posted form, with files when it is multipart (up to 4 MiB of them in
// memory, the rest in temporary files the server removes after the request).
func parseForm(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(4 << 20)
	}
	return r.ParseForm()
}

// validCSRF checks the form's token (parsed by parseForm).
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.Form.Get("_csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// toLogin sends a guest to the sign-in page.
func (p *Portal) toLogin(w http.ResponseWriter, r *http.Request) {
	status := http.StatusFound
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, "/portal/login", status)
}
