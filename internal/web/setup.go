package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/session"
)

// First-run setup: while the database has no active admin, the sign-in page gives way to a
// form that creates one. `kefu serve` still makes and prints an admin on an empty database;
// the setup page is for a database made otherwise (kefu migrate, kefu user with other roles)
// or whose admins were all switched off. A stranger must not be able to claim a server on a
// public address, so unless Kefu listens on loopback and the request comes from loopback
// without a proxy in between, the form asks for a one-time code that a node printed in its
// log (user.NewSetupCode keeps only its hash, in the shared database).

// setupState is this node's own printed code, so that it prints one code, not one per visit.
// Whether a code is valid is always read from the database.
type setupState struct {
	mu   sync.Mutex
	code string
}

// IsLoopbackAddr reports whether a listen address ("127.0.0.1:8080", "[::1]:80",
// "localhost:8080") accepts connections from this machine only. ":8080" and "0.0.0.0:8080"
// listen on every interface.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// setupNeedsCode reports whether this request must carry a setup code.
func (u *UI) setupNeedsCode(r *http.Request) bool {
	if !u.SetupOpen {
		return true
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return true // a proxy on this machine may be serving the world
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return true
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// AnnounceSetupCode makes sure this node has printed a setup code, if the installation has no
// admin: it makes one, logs it, and returns it ("" when there is an admin or this node's code
// is still unused). `kefu serve` calls it at start; the setup page calls it too, for a
// server whose last admin was switched off while it ran.
func (u *UI) AnnounceSetupCode(ctx context.Context) (string, error) {
	u.setup.mu.Lock()
	defer u.setup.mu.Unlock()
	if u.setup.code != "" {
		ok, err := u.Users.SetupCodeValid(ctx, u.setup.code)
		if err != nil || ok {
			return "", err
		}
	}
	code, err := u.Users.NewSetupCode(ctx)
	if err != nil || code == "" {
		return "", err
	}
	u.setup.code = code
	u.Logger.Warn("Kefu has no administrator yet: open /setup in a browser and enter this one-time setup code (首次设置码)", "setup_code", code)
	return code, nil
}

// setupData fills the setup form.
type setupData struct {
	NeedCode bool
	Name     string
	Email    string
	Locale   string
	TimeZone string
	Zones    []string
	Err      *formError
	Done     bool // someone else finished setup meanwhile
}

// Common time zones offered on the setup page; any IANA name may be typed.
var setupZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"}

// loginOrSetup shows the sign-in page, or the setup page while there is no admin.
func (u *UI) loginOrSetup(w http.ResponseWriter, r *http.Request) {
	has, err := u.Users.HasAdmin(r.Context())
	if err != nil {
		u.serverError(w, r, guestLang(r), err)
		return
	}
	if !has {
		http.Redirect(w, r, "/setup", http.StatusFound)
		return
	}
	u.loginPage(w, r)
}

func (u *UI) setupPage(w http.ResponseWriter, r *http.Request) {
	has, err := u.Users.HasAdmin(r.Context())
	if err != nil {
		u.serverError(w, r, guestLang(r), err)
		return
	}
	if has {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	d := setupData{NeedCode: u.setupNeedsCode(r), Locale: string(guestLang(r)), TimeZone: "Asia/Shanghai"}
	if d.NeedCode {
		if _, err := u.AnnounceSetupCode(r.Context()); err != nil {
			u.serverError(w, r, guestLang(r), err)
			return
		}
	}
	u.renderSetup(w, r, http.StatusOK, d)
}

// renderSetup draws the form with a double-submit token, as the sign-in form does.
func (u *UI) renderSetup(w http.ResponseWriter, r *http.Request, status int, d setupData) {
	var token string
	if ck, err := r.Cookie(loginCSRF); err == nil && len(ck.Value) == 32 {
		token = ck.Value
	} else {
		token = auth.RandomSecret(24)
	}
	setCookie(w, r, loginCSRF, token, time.Hour)
	d.Zones = setupZones
	lang := guestLang(r)
	u.render(w, r, status, "setup", &base{Lang: lang, CSRF: token, Title: tr(lang, "setup.title"), Data: d})
}

func (u *UI) claimSetup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	lang := guestLang(r)
	ck, err := r.Cookie(loginCSRF)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("_csrf"))) != 1 {
		u.renderError(w, r, nil, http.StatusForbidden, "error.csrf")
		return
	}
	in := user.SetupInput{Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Password: r.PostFormValue("password"), Again: r.PostFormValue("again"), Locale: r.PostFormValue("locale"),
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), Code: r.PostFormValue("code")}
	if in.Locale != "" {
		in.Locale = string(i18n.Match(in.Locale))
	}
	d := setupData{NeedCode: u.setupNeedsCode(r), Name: in.Name, Email: in.Email, Locale: in.Locale, TimeZone: in.TimeZone}
	usr, err := u.Users.ClaimSetup(r.Context(), in, d.NeedCode)
	if err != nil {
		fe, ok := asFormError(lang, err)
		if !ok {
			u.serverError(w, r, lang, err)
			return
		}
		d.Err = fe
		status := http.StatusUnprocessableEntity
		if errors.Is(err, &apperr.Error{Kind: apperr.KindConflict, Code: "setup_done"}) {
			d.Done, status = true, http.StatusConflict
		}
		u.renderSetup(w, r, status, d)
		return
	}
	token, _, err := u.Sessions.Create(r.Context(), usr.ID)
	if err != nil {
		u.serverError(w, r, lang, err)
		return
	}
	setCookie(w, r, sessionCookie, token, session.Lifetime)
	setCookie(w, r, loginCSRF, "", -1)
	setCookie(w, r, langCookie, usr.Locale, 365*24*time.Hour)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}
