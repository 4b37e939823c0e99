package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

// The browser test drives Debian's chromium through the portal: sign in by a mailed link,
// find the ticket in the list, reply with a file. Without chromium it fails, so CI cannot
// pass it by accident; KEFU_BROWSER_TESTS=off skips it on a laptop without one.
// KEFU_SCREENSHOTS=1 writes docs/screenshots/phone-portal-*.png.
func TestBrowserSignInListReply(t *testing.T) {
	if os.Getenv("KEFU_BROWSER_TESTS") == "off" {
		t.Skip("KEFU_BROWSER_TESTS=off")
	}
	path := ""
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if found, err := exec.LookPath(p); err == nil {
			path = found
			break
		}
	}
	if path == "" {
		t.Fatal("chromium not found: install it (apt-get install chromium fonts-noto-cjk) or set KEFU_BROWSER_TESTS=off")
	}
	e := newEnv(t, testutil.NewDB(t, storage.SQLite), true)
	zhang := e.customer("张伟", "zhang@example.cn")
	n := e.ticketFor(zhang, "订单 8812 没有发货", "下单三天了还没有发货。")
	agent := e.agent("wang@example.com", "王芳")
	if _, err := e.tickets.AddMessage(context.Background(), agent, n, ticket.MessageInput{Body: "已催仓库，今天发出。"}); err != nil {
		t.Fatal(err)
	}
	// The portal with the workspace's style sheet beside it, as the app serves them.
	mux := http.NewServeMux()
	mux.Handle("/portal/", e.portal)
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("../web/static"))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	shots := ""
	if os.Getenv("KEFU_SCREENSHOTS") == "1" {
		shots = filepath.Join("..", "..", "docs", "screenshots")
	}
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if shots == "" {
				return nil
			}
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil { // quality 100 makes a PNG
				return err
			}
			return os.WriteFile(filepath.Join(shots, name), buf, 0o644)
		})
	}
	file := filepath.Join(t.TempDir(), "截图.txt")
	os.WriteFile(file, []byte("快递单号 SF123"), 0o600)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(390, 844), // a phone
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
	defer func() { cancelTimeout(); cancelCtx(); cancelAlloc() }()

	var notice string
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/portal/"),
		chromedp.WaitVisible(`#link-email`, chromedp.ByID),
		chromedp.SendKeys(`#link-email`, "zhang@example.cn", chromedp.ByID),
		chromedp.Submit(`#link-email`, chromedp.ByID),
		chromedp.WaitVisible(`#link-sent`, chromedp.ByID),
		chromedp.Text(`#link-sent`, &notice, chromedp.ByID),
		shot("phone-portal-login.png"),
	); err != nil {
		t.Fatalf("ask for a link: %v", err)
	}
	if !strings.Contains(notice, "登录链接已经发出") {
		t.Fatalf("notice %q", notice)
	}
	token := e.mailedToken("zhang@example.cn")

	var list, page string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/portal/link?t="+token),
		chromedp.Click(`#use-link`, chromedp.ByID),
		chromedp.WaitVisible(`table.tickets`, chromedp.ByQuery),
		chromedp.Text(`main`, &list, chromedp.ByQuery),
		shot("phone-portal-list.png"),
		chromedp.Click(`a[href="/portal/tickets/`+itoa(int(n))+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#reply-form`, chromedp.ByID),
		chromedp.SendKeys(`#body`, "已收到，谢谢！", chromedp.ByID),
		chromedp.SetUploadFiles(`#files`, []string{file}, chromedp.ByID),
		chromedp.Click(`#reply-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//li[contains(@class,"by-customer")]//div[contains(., "已收到，谢谢！")]`, chromedp.BySearch),
		chromedp.Text(`main`, &page, chromedp.ByQuery),
		shot("phone-portal-ticket.png"),
	); err != nil {
		t.Fatalf("list and reply: %v", err)
	}
	for _, want := range []string{"我的工单", "订单 8812 没有发货", "邮件"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	for _, want := range []string{"已催仓库，今天发出。", "王芳", "已收到，谢谢！", "截图.txt"} {
		if !strings.Contains(page, want) {
			t.Errorf("the ticket page lacks %q:\n%s", want, page)
		}
	}
	msgs, err := e.tickets.Messages(context.Background(), auth.System(), n, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.AuthorKind != "customer" || last.Channel != "portal" || len(last.Attachments) != 1 {
		t.Fatalf("the reply as stored: %+v", last)
	}
}
