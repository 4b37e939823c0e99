package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu/internal/storage"
)

// TestBrowserSetupAndCustomFields: on an installation without an admin, the sign-in page
// gives way to the setup page; the first admin is created there and signed in, defines a
// custom field, and edits it on a ticket: a wrong value is shown at the field in Chinese,
// a right one lands in the change trail under the field's label.
func TestBrowserSetupAndCustomFields(t *testing.T) {
	n := newNode(t, storage.SQLite)
	n.withoutAdmin()
	n.UI.SetupOpen = true // the browser connects from 127.0.0.1
	ctx := newBrowser(t, 1366, 900)
	number := itoa(n.Ticket.Number)
	err := run(ctx,
		chromedp.Navigate(n.URL+"/login"),
		chromedp.WaitVisible("#setup-form"),
		textHas("h1", "首次设置"),
		chromedp.SendKeys("#setup-name", "林管理"),
		chromedp.SendKeys("#setup-email", "lin@example.com"),
		chromedp.SendKeys("#setup-password", "setup-password-1"),
		chromedp.SendKeys("#setup-again", "setup-password-2"),
		chromedp.Click("#setup-submit"),
		chromedp.WaitVisible("#setup-form .field-error"),
		textHas("#setup-form", "两次输入的密码不一致"),
		chromedp.SendKeys("#setup-password", "setup-password-1"),
		chromedp.SendKeys("#setup-again", "setup-password-1"),
		chromedp.Click("#setup-submit"),
		chromedp.WaitVisible("#u-name"),
		textHas("main", "林管理"),
		// A ticket field, defined by the new admin.
		chromedp.Navigate(n.URL+"/admin/fields"),
		chromedp.WaitVisible("#cf-key"),
		chromedp.SendKeys("#cf-key", "amount"),
		choose("#cf-type", "number"),
		chromedp.SendKeys("#cf-zh", "金额"),
		chromedp.SendKeys("#cf-en", "Amount"),
		chromedp.Submit("#cf-key"),
		chromedp.WaitVisible(`tr[id^="field-"]`),
		textHas("table", "金额"),
		// On the ticket: a wrong value, then a right one.
		chromedp.Navigate(n.URL+"/tickets/"+number),
		chromedp.WaitVisible("#cf-amount"),
		chromedp.SendKeys("#cf-amount", "十二"),
		chromedp.Click("#save-fields"),
		chromedp.WaitVisible("#cf-amount-error"),
		textHas("#cf-amount-error", "金额应为数字"),
		waitFor(`document.getElementById("cf-amount").value === "十二"`),
		chromedp.Evaluate(`document.getElementById("cf-amount").value = ""; true`, nil),
		chromedp.SendKeys("#cf-amount", "12.5"),
		chromedp.Click("#save-fields"),
		chromedp.WaitVisible("#notice"),
		textHas("#notice", "已保存"),
		textHas(".timeline", "金额：— → 12.5"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
