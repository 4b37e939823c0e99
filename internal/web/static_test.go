package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPageWeight keeps what every page loads (htmx, our script, our styles) under 100 KB
// compressed: agents open pages all day, often on slow office networks.
func TestPageWeight(t *testing.T) {
	var total int
	for _, name := range []string{"static/vendor/htmx.min.js", "static/app.js", "static/app.css"} {
		b, err := fs.ReadFile(staticFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		total += buf.Len()
	}
	if total > 100<<10 {
		t.Fatalf("htmx + app.js + app.css = %d bytes gzipped, over 100 KB", total)
	}
	if total < 10<<10 {
		t.Fatalf("%d bytes: htmx missing?", total)
	}
	// The vendored file keeps its licence beside it.
	if _, err := fs.ReadFile(staticFiles, "static/vendor/htmx.LICENSE"); err != nil {
		t.Fatal("htmx licence missing")
	}
}

// TestCookieSecureOverTLS: cookies are Secure when the request came over TLS.
func TestCookieSecureOverTLS(t *testing.T) {
	for _, tls := range []bool{false, true} {
		r := httptest.NewRequest(http.MethodGet, "http://kefu.example/login", nil)
		if tls {
			r = httptest.NewRequest(http.MethodGet, "https://kefu.example/login", nil)
		}
		w := httptest.NewRecorder()
		setCookie(w, r, sessionCookie, "x", 0)
		c := w.Header().Get("Set-Cookie")
		if strings.Contains(c, "Secure") != tls || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("tls=%v: %q", tls, c)
		}
	}
}

// TestStaticAndHeaders: the static files are served without signing in, pages carry the
// security headers.
func TestStaticAndHeaders(t *testing.T) {
	n := newNode(t, engines()[0])
	b := n.browser()
	p := b.get("/static/vendor/htmx.min.js")
	p.must(t, http.StatusOK, "htmx")
	if p.Header.Get("Cache-Control") == "" {
		t.Error("static files without Cache-Control")
	}
	p = b.get("/login")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if p.Header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
	b.get("/static/nope.js").must(t, http.StatusNotFound)
}
