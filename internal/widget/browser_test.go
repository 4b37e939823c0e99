package widget_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
	"github.com/kefuhq/kefu/internal/widget"
)

// The widget in a real browser, embedded on a page of another origin (English): the
// pre-chat form, live messages both ways, a reload that keeps the conversation, the end of
// the chat and the rating. KEFU_BROWSER_TESTS=off skips it where chromium is missing.
func TestWidgetInBrowser(t *testing.T) {
	if os.Getenv("KEFU_BROWSER_TESTS") == "off" {
		t.Skip("KEFU_BROWSER_TESTS=off")
	}
	path, err := exec.LookPath("/usr/bin/chromium")
	if err != nil {
		t.Fatalf("chromium not found: %v (KEFU_BROWSER_TESTS=off skips this test)", err)
	}
	node := apitest.New(t, storage.SQLite)
	e := newEnv(t, node, widget.Options{}, true)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="%s/widget.js" data-kefu-team="售前" async></script></body></html>`, e.url)
	}))
	defer shop.Close()
	// The widget edge of the test serves the script too.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	defer cancelT()

	const root = `document.querySelector('[data-kefu-widget]').shadowRoot`
	js := func(expr string) chromedp.Action {
		return chromedp.Evaluate(`(() => { const r = `+root+`; `+expr+` })()`, nil)
	}
	wait := func(cond string) chromedp.Action {
		return chromedp.Poll(`(() => { const w = document.querySelector('[data-kefu-widget]'); if (!w) return false; const r = w.shadowRoot; return !!(`+cond+`); })()`,
			nil, chromedp.WithPollingTimeout(30*time.Second))
	}
	step := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var html string
			chromedp.Run(ctx, chromedp.Evaluate(root+`.innerHTML`, &html))
			t.Fatalf("%s: %v\n%s", what, err, html)
		}
	}
	step("open the shop", chromedp.Navigate(shop.URL), wait(`r.querySelector('[data-kefu=launcher]')`),
		wait(`r.querySelector('[data-kefu=status]').textContent === 'We are online'`))
	step("fill the pre-chat form", js(`r.querySelector('[data-kefu=launcher]').click();
		r.querySelector('input[name=name]').value = 'Anna';
		r.querySelector('input[name=email]').value = 'anna@example.com';
		r.querySelector('textarea[name=body]').value = 'Is the red kettle in stock?';
		r.querySelector('[data-kefu=prechat]').requestSubmit();`),
		wait(`r.querySelector('.m.visitor[data-seq]') && !r.querySelector('.m.visitor .st')`))

	chats := e.agent.Must(200, "GET", "/api/v1/chats", nil)["items"].([]any)
	if len(chats) != 1 {
		t.Fatalf("waiting chats: %v", chats)
	}
	n := apitest.Num(chats[0].(map[string]any)["ticket"].(map[string]any), "number")
	e.agent.Must(200, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
	step("see the agent", wait(`r.querySelector('[data-kefu=status]').textContent.includes('李娜')`))
	e.agent.Must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"body": "Yes, we have 12 left."})
	step("receive the reply", wait(`[...r.querySelectorAll('.m.agent')].some(m => m.textContent.includes('12 left'))`))
	step("send a message", js(`const i = r.querySelector('[data-kefu=input]'); i.value = 'Great, thanks';
		r.querySelector('[data-kefu=composer]').requestSubmit();`),
		wait(`r.querySelectorAll('.m.visitor[data-seq]').length === 2 && !r.querySelector('.m.visitor .st')`))
	step("reload keeps the conversation", chromedp.Reload(),
		wait(`[...r.querySelectorAll('.m.agent')].some(m => m.textContent.includes('12 left')) && r.querySelectorAll('.m.visitor').length === 2`))
	e.agent.Must(200, "POST", fmt.Sprintf("/api/v1/chats/%d/close", n), nil)
	step("rate", wait(`!r.querySelector('[data-kefu=rating]').hidden`),
		js(`r.querySelector('[data-kefu=launcher]').click(); r.querySelector('[data-kefu=star-5]').click(); r.querySelector('[data-kefu=rating]').requestSubmit();`),
		wait(`r.textContent.includes('Thank you for your rating!')`))
	rt := e.agent.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", n), nil)
	if r, _ := rt["rating"].(map[string]any); r == nil || r["score"] != float64(5) {
		t.Fatalf("rating: %v", rt)
	}
	if got := e.storedCIDs(n); len(got) != 2 || strings.Contains(strings.Join(got, ","), ",,") {
		t.Fatalf("stored visitor messages: %v", got)
	}
}
