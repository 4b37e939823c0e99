package portal

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one template set per page: the layout and the page.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	// A message's HTML was sanitised with bluemonday when it was stored.
	"safeHTML": func(s string) template.HTML { return template.HTML(s) },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func mustParsePages() *pages {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || path.Ext(name) != ".html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name))
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	return p
}

// base is what every page's template reaches: the customer (nil for guests), the language,
// the form token and the page's own data.
type base struct {
	C     *reqCtx
	Lang  i18n.Lang
	CSRF  string
	Title string
	Nav   string
	Back  string // where the language switch returns to
	Data  any
}

// T translates a portal string; args are name, value pairs for {name} placeholders.
func (b *base) T(key string, args ...any) string { return tr(b.Lang, key, args...) }

// Time shows an instant in the portal's time zone (Asia/Shanghai).
func (b *base) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(shanghai)
	if b.Lang == i18n.ZH {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// ISO is an instant for a <time datetime> attribute.
func (b *base) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Status is the customer's name of a ticket status. Internal stages (waiting for a
// department) are "in progress" to the customer.
func (b *base) Status(s string) string { return b.T("status." + customerStatus(s)) }

func customerStatus(s string) string {
	switch s {
	case "new", "pending_customer", "resolved", "closed":
		return s
	}
	return "open"
}

// StatusClass is the badge style of a status.
func (b *base) StatusClass(s string) string { return "st-" + customerStatus(s) }

// Channel is the customer's name of a channel.
func (b *base) Channel(c string) string {
	switch c {
	case "email", "chat", "portal", "phone":
		return b.T("channel." + c)
	}
	return b.T("channel.other")
}

// Scores are the choices of a rating, best first.
func (b *base) Scores() []int { return []int{5, 4, 3, 2, 1} }

// Size shows a file size.
func (b *base) Size(n int) string {
	switch {
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return itoa(n) + " B"
}

// render writes a whole page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, b *base) {
	t, ok := p.pages.byName[name]
	if !ok {
		panic("portal: no page " + name)
	}
	if b.Back == "" && r.Method == http.MethodGet && status == http.StatusOK {
		b.Back = r.URL.RequestURI()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", b); err != nil {
		p.Logger.Error("portal render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page makes the base of a signed-in page.
func (p *Portal) page(c *reqCtx, nav, titleKey string, data any) *base {
	return &base{C: c, Lang: c.Lang, CSRF: c.Session.CSRF, Title: tr(c.Lang, titleKey), Nav: nav, Data: data}
}

// errorData is what the error page shows.
type errorData struct {
	Status  int
	Message string
}

// renderError shows an error page. Its text depends only on the status and the key, never
// on what was asked for, so two "not found" pages are the same page.
func (p *Portal) renderError(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, key string, args ...any) {
	b := &base{Lang: guestLang(r)}
	if c != nil {
		b = p.page(c, "", "", nil)
	}
	b.Title = tr(b.Lang, "error.title")
	b.Back = "/portal/"
	b.Data = errorData{Status: status, Message: tr(b.Lang, key, args...)}
	p.render(w, r, status, "error", b)
}

func (p *Portal) serverError(w http.ResponseWriter, r *http.Request, lang i18n.Lang, err error) {
	p.Logger.ErrorContext(r.Context(), "portal page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	b := &base{Lang: lang, Title: tr(lang, "error.title"), Back: "/portal/", Data: errorData{Status: 500, Message: tr(lang, "error.internal")}}
	p.render(w, r, http.StatusInternalServerError, "error", b)
}

// fail turns a handler's error into an error page. Not found and forbidden are the same
// page: a customer learns nothing from a ticket number that is not theirs.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		p.renderError(w, r, c, http.StatusRequestEntityTooLarge, "error.too_large", "max", (&base{}).Size(int(tooLarge.Limit)))
		return
	}
	e, ok := apperr.As(err)
	if !ok {
		p.serverError(w, r, c.Lang, err)
		return
	}
	switch e.Kind {
	case apperr.KindNotFound, apperr.KindForbidden:
		p.renderError(w, r, c, http.StatusNotFound, "error.not_found")
	case apperr.KindUnauthorized:
		p.toLogin(w, r)
	default:
		msg, _ := i18n.Error(c.Lang, e)
		b := p.page(c, "", "error.title", errorData{Status: http.StatusUnprocessableEntity, Message: msg})
		b.Back = "/portal/"
		p.render(w, r, http.StatusUnprocessableEntity, "error", b)
	}
}

// formError is a domain error made ready for a form: a message for the whole form and one
// per field, in the customer's language.
type formError struct {
	Message string
	Fields  map[string]string
}

// asFormError returns the form error of a validation error, and false for anything else.
func asFormError(lang i18n.Lang, err error) (*formError, bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
		return nil, false
	}
	msg, fields := i18n.Error(lang, e)
	fe := &formError{Message: msg, Fields: map[string]string{}}
	for k, f := range fields {
		// A new request's message fields ("message.body") are the form's own fields.
		fe.Fields[strings.TrimPrefix(k, "message.")] = f.Message
	}
	return fe, true
}

// Field returns the message for one field ("" if none).
func (f *formError) Field(name string) string {
	if f == nil {
		return ""
	}
	return f.Fields[name]
}

// Files returns the messages about attached files, in a stable order.
func (f *formError) Files() []string {
	if f == nil {
		return nil
	}
	var keys []string
	for k := range f.Fields {
		if strings.HasPrefix(k, "attachments") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if msg := f.Fields[k]; len(out) == 0 || out[len(out)-1] != msg {
			out = append(out, msg)
		}
	}
	return out
}
