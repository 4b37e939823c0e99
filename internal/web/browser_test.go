package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/web/phrase"
)

// The browser tests drive Debian's chromium through the real pages. Without chromium they
// fail, so CI cannot pass them by accident; KEFU_BROWSER_TESTS=off skips them on a laptop
// without it. KEFU_SCREENSHOTS=1 rewrites docs/screenshots/.
const chromiumPath = "/usr/bin/chromium"

func chromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("KEFU_BROWSER_TESTS") == "off" {
		t.Skip("KEFU_BROWSER_TESTS=off")
	}
	for _, p := range []string{chromiumPath, "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("chromium not found at %s: install it (apt-get install chromium fonts-noto-cjk) or set KEFU_BROWSER_TESTS=off", chromiumPath)
	return ""
}

// newBrowser starts a headless chromium for one test, stopped with it.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 240*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := run(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// waitFor polls a JavaScript condition until it is true; on timeout the error says what
// was awaited and what the page showed.
func waitFor(cond string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(30 * time.Second)
		var err error
		for {
			err = chromedp.Poll(cond, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))).Do(ctx)
			// A navigation that lands while the condition is being evaluated destroys the
			// page's JavaScript context under the poll (Chromium reports it either way):
			// wait for the new page instead.
			if err == nil || !navigatedAway(err) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err == nil {
			return nil
		}
		var loc, text string
		chromedp.Location(&loc).Do(ctx)
		chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 1500) : ""`, &text).Do(ctx)
		return fmt.Errorf("waiting for %s at %s: %w\npage:\n%s", cond, loc, err, text)
	})
}

func navigatedAway(err error) bool {
	return strings.Contains(err.Error(), "Cannot find context") || strings.Contains(err.Error(), "Inspected target navigated or closed")
}

func textHas(sel, s string) chromedp.Action {
	return waitFor(fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.textContent.includes(%q)})()`, sel, s))
}

// run performs actions one at a time, so a failing or stuck step names itself.
func run(ctx context.Context, actions ...chromedp.Action) error {
	for i, a := range actions {
		if err := chromedp.Run(ctx, a); err != nil {
			return fmt.Errorf("step %d (%T): %w", i+1, a, err)
		}
	}
	return nil
}

// choose picks an option of a select as a user would, firing its change event.
func choose(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(function(){var s=document.querySelector(%q);s.value=%q;s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`, sel, value), nil)
}

// workFlow: sign in, open the ticket from the inbox, reply with a standard phrase, transfer
// to another team with a reason, see the owner unchanged, close it, switch the language.
func workFlow(t *testing.T, n *node, ctx context.Context, shots, prefix string) {
	phr, err := n.UI.Phrases.Create(context.Background(), auth.System(), phrase.Input{Category: "greeting", Title: "问候", Body: "{customer}您好，我是客服{agent}，您的工单{ticket}已收到。"})
	if err != nil {
		t.Fatal(err)
	}
	number := itoa(n.Ticket.Number)
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if shots == "" {
				return nil
			}
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, prefix+name), buf, 0o644)
		})
	}
	var body, owner string
	err = run(ctx,
		chromedp.Navigate(n.URL+"/"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", n.AgentA.Email),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Submit("#password"),
		chromedp.WaitVisible(`a[data-view="team"]`),
		chromedp.Click(`a[data-view="team"]`),
		textHas(".views [aria-current] span", "本组未分配"),
		textHas("#list", "耳机左声道没有声音"),
		shot("inbox.png"),
		// Keyboard: j selects the next row, / goes to the search box.
		chromedp.KeyEvent("j"),
		waitFor(`document.querySelectorAll(".ticket-row.selected").length === 1`),
		chromedp.KeyEvent("/"),
		waitFor(`document.activeElement && document.activeElement.id === "f-q"`),
		// CDP's "/" also lands as a character in the box it focused; leaving the box would then
		// fire its change event and swap the list under the click below. Empty it and leave it
		// unchanged, as a real keyboard would have.
		chromedp.Evaluate(`(function(){var q=document.getElementById("f-q");q.value="";q.blur();return true})()`, nil),
		chromedp.Click(`#list a[href="/tickets/`+number+`"]`),
		chromedp.WaitVisible("#composer"),
		textHas("#ticket-subject", "耳机左声道没有声音"),
		// n starts an internal note, r a reply.
		chromedp.KeyEvent("n"),
		waitFor(`document.getElementById("kind-note").checked && document.activeElement.id === "body"`),
		chromedp.Evaluate(`document.activeElement.blur(); true`, nil),
		chromedp.KeyEvent("r"),
		waitFor(`document.getElementById("kind-reply").checked && document.activeElement.id === "body"`),
		// CDP types a key as keyDown then a separate char event, which lands in the newly
		// focused box even though keydown was cancelled (a real keyboard's would not): clear it.
		chromedp.Evaluate(`document.getElementById("body").value = ""; true`, nil),
		// The phrase goes in at the cursor with its variables filled.
		chromedp.SendKeys("#body", "（已核实）"),
		chromedp.Evaluate(`(function(){var b=document.getElementById("body");b.selectionStart=b.selectionEnd=0;return true})()`, nil),
		choose("#phrase", itoa(phr.ID)),
		chromedp.Value("#body", &body),
	)
	if err != nil {
		t.Fatalf("to the composer: %v", err)
	}
	want := "张三您好，我是客服王小明，您的工单#" + number + "已收到。（已核实）"
	if body != want {
		t.Fatalf("composer after the phrase: %q, want %q", body, want)
	}
	err = run(ctx,
		chromedp.Click("#send"),
		textHas("#notice", "已发送"),
		// The address bar shows the ticket, not the form's action, so a reload works.
		waitFor(`location.pathname === "/tickets/`+number+`"`),
		textHas(".timeline", want),
		textHas("#ticket-owner", "王小明"),
		// Transfer to team B with a reason.
		choose("#transfer-team", itoa(n.TeamB)),
		chromedp.SendKeys("#transfer-reason", "耳机换货归二组"),
		chromedp.Click("#transfer-send"),
		textHas("#notice", "已转派"),
		textHas(".timeline", "转给 售后二组 · 原因：耳机换货归二组"),
		textHas("#ticket-team", "售后二组"),
		chromedp.Text("#ticket-owner", &owner),
		shot("ticket.png"),
	)
	if err != nil {
		t.Fatalf("reply and transfer: %v", err)
	}
	if owner != "王小明" {
		t.Fatalf("owner after the transfer: %q", owner)
	}
	err = run(ctx,
		choose("#status", "closed"),
		chromedp.Click("#save-fields"),
		textHas("#notice", "已保存"),
		textHas("#ticket-status", "已关闭"),
		textHas("#ticket-owner", "王小明"),
	)
	if err != nil {
		t.Fatalf("close: %v", err)
	}
	// Someone else writes on the ticket: the page says so and offers a reload.
	err = run(ctx,
		// The page's stream is open before the change (a change before it would show too,
		// by version, but without the name of who made it).
		waitFor(`!!document.getElementById("live")`),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for n.UI.Realtime.(*realtime.Local).Subscribers(ticketTopic(n.Ticket.Number)) == 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
			}
			_, err := n.Tickets.AddMessage(context.Background(), n.Admin.Actor(), n.Ticket.Number, ticket.MessageInput{Kind: ticket.KindNote, Body: "主管：已跟进"})
			return err
		}),
		// The name is there when the page's stream heard the change itself; a stream opened
		// just after it learns it from the version and names nobody.
		waitFor(`!document.getElementById("live").hidden && /(管理员|有人)刚刚更新了这张工单/.test(document.getElementById("live").textContent)`),
	)
	if err != nil {
		t.Fatalf("live update: %v", err)
	}
	if shots != "" {
		err = run(ctx, chromedp.Navigate(n.URL+"/customers/"+itoa(n.Cust)), chromedp.WaitVisible("#customer-form"), shot("customer.png"))
		if err != nil {
			t.Fatalf("customer page: %v", err)
		}
	}
	// Switch to English; the choice is remembered on the next page.
	var html string
	err = run(ctx,
		chromedp.Click("#lang-switch"),
		textHas("header.top", "Sign out"),
		chromedp.Click(`header nav a[href="/"]`),
		textHas(".views", "My tickets"),
		chromedp.OuterHTML("main", &html),
	)
	if err != nil {
		t.Fatalf("switch language: %v", err)
	}
	if strings.Contains(html, "我的工单") {
		t.Fatal("Chinese left after switching to English")
	}
}

func TestBrowserFlow(t *testing.T) {
	chromium(t)
	for _, c := range []struct {
		name          string
		width, height int
		prefix        string
	}{
		{"desktop", 1366, 768, ""},
		{"phone", 390, 844, "phone-"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range engines() {
				t.Run(string(d), func(t *testing.T) {
					n := newNode(t, d)
					n.UI.PageSize = 50
					n.newTicket("发票抬头开错了，需要重开", "李四", "li@example.com", n.TeamA)
					n.newTicket("订单三天了还没发货", "王五", "wang@example.com", n.TeamA)
					shots := ""
					if d == storage.SQLite && os.Getenv("KEFU_SCREENSHOTS") == "1" {
						shots = filepath.Join("..", "..", "docs", "screenshots")
						os.MkdirAll(shots, 0o755)
					}
					workFlow(t, n, newBrowser(t, c.width, c.height), shots, c.prefix)
				})
			}
		})
	}
}
