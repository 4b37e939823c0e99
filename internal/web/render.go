package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one template set per page: the layout, the shared partials and the page.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"join":     strings.Join,
	"contains": func(list []string, s string) bool { return containsString(list, s) },
	"add":      func(a, b int) int { return a + b },
	// A search snippet is escaped by the search package, which adds only <mark>.
	"safeSnippet": func(s string) template.HTML { return template.HTML(s) },
	// A message's HTML was sanitised with bluemonday when it was stored.
	"safeHTML": func(s string) template.HTML { return template.HTML(s) },
	"str": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func mustParsePages() *pages {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || name == "partials.html" || path.Ext(name) != ".html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", "templates/"+name))
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	return p
}

// base is what every page's template can reach: the user, the language, the CSRF token
// and the translations.
type base struct {
	C     *reqCtx
	Lang  i18n.Lang
	CSRF  string
	Title string
	Nav   string
	Path  string
	Flash string
	Data  any
}

// T translates a UI string; args are name, value pairs for {name} placeholders.
func (b *base) T(key string, args ...any) string { return tr(b.Lang, key, args...) }

// Time shows an instant in the user's time zone.
func (b *base) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := shanghai
	if b.C != nil {
		loc = b.C.Loc
	}
	t = t.In(loc)
	now := time.Now().In(loc)
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		if b.Lang == i18n.ZH {
			return t.Format("1月2日 15:04")
		}
		return t.Format("Jan 2 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// TimePtr is Time for optional instants.
func (b *base) TimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return b.Time(*t)
}

// ISO is an instant for a <time datetime> attribute.
func (b *base) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Count shows a bounded count: "1,000+" when there are more.
func (b *base) Count(n int, more bool) string {
	s := fmt.Sprint(n)
	if n >= 1000 {
		s = fmt.Sprintf("%d,%03d", n/1000, n%1000)
	}
	if more {
		s += "+"
	}
	return s
}

// render writes a whole page, or only its named block for an htmx request that targets it.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, b *base) {
	t, ok := u.pages.byName[name]
	if !ok {
		panic("web: no page " + name)
	}
	if b.Path == "" {
		b.Path = r.URL.RequestURI()
		if r.Method != http.MethodGet {
			// A page drawn in answer to a form (its errors) belongs to the page the form was on.
			b.Path = "/"
			if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
				b.Path = localPath(ref.RequestURI())
			}
		}
	}
	if isHTMX(r) {
		// The address bar shows the page drawn: after a form's redirect the page it led to, and
		// after a refused form the page the form was on, never the form's action.
		push := "false"
		if r.Method == http.MethodGet {
			push = r.URL.RequestURI()
		}
		w.Header().Set("HX-Push-Url", push)
	}
	exec := "layout.html"
	if target := r.Header.Get("HX-Target"); isHTMX(r) && r.Header.Get("HX-Boosted") == "" && target != "" && t.Lookup("part:"+target) != nil {
		exec = "part:" + target
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, exec, b); err != nil {
		u.Logger.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page makes the base of a signed-in page.
func (u *UI) page(c *reqCtx, nav, titleKey string, data any) *base {
	return &base{C: c, Lang: c.Lang, CSRF: c.Session.CSRF, Title: tr(c.Lang, titleKey), Nav: nav, Data: data}
}

// errorData is what the error page shows.
type errorData struct {
	Status  int
	Message string
}

func (u *UI) renderError(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, key string) {
	lang := guestLang(r)
	b := &base{Lang: lang}
	if c != nil {
		b = u.page(c, "", "", nil)
	}
	b.Title = tr(b.Lang, "error.title")
	b.Data = errorData{Status: status, Message: tr(b.Lang, key)}
	u.render(w, r, status, "error", b)
}

func (u *UI) serverError(w http.ResponseWriter, r *http.Request, lang i18n.Lang, err error) {
	u.Logger.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	b := &base{Lang: lang, Title: tr(lang, "error.title"), Data: errorData{Status: 500, Message: tr(lang, "error.internal")}}
	u.render(w, r, http.StatusInternalServerError, "error", b)
}

// fail turns a handler's error into an error page: invisible things are "not found", as in
// the API, so an agent cannot learn that another team's ticket exists.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	e, ok := apperr.As(err)
	if !ok {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			u.renderError(w, r, c, http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		u.serverError(w, r, c.Lang, err)
		return
	}
	switch e.Kind {
	case apperr.KindNotFound:
		u.renderError(w, r, c, http.StatusNotFound, "error.not_found")
	case apperr.KindForbidden:
		u.renderError(w, r, c, http.StatusForbidden, "error.forbidden")
	case apperr.KindUnauthorized:
		u.toLogin(w, r)
	default:
		b := u.page(c, "", "error.title", errorData{Status: http.StatusUnprocessableEntity, Message: formMessage(c, e)})
		u.render(w, r, http.StatusUnprocessableEntity, "error", b)
	}
}

// formError is a domain error made ready for a form: a message for the whole form and one
// per field, in the user's language.
type formError struct {
	Message string
	Fields  map[string]string
	Stale   bool
}

// asFormError returns the form error for a domain validation or conflict error, and false
// for anything else (which the caller returns as is).
func asFormError(lang i18n.Lang, err error) (*formError, bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
		return nil, false
	}
	msg, fields := i18n.Error(lang, e)
	fe := &formError{Message: msg, Fields: map[string]string{}, Stale: e.Code == "stale_version"}
	for k, f := range fields {
		fe.Fields[k] = f.Message
	}
	return fe, true
}

// Field returns the message for one field ("" if none); templates call it as .Err.Field "x".
func (f *formError) Field(name string) string {
	if f == nil {
		return ""
	}
	return f.Fields[name]
}
