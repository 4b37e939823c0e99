package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/web/phrase"
	"github.com/kefuhq/kefu/internal/widget"
)

// inWidget evaluates a JavaScript expression with W bound to the widget's shadow root (the
// widget keeps its DOM there so a host page's styles cannot reach it).
func inWidget(expr string) string {
	return `(function(){var h=document.querySelector("[data-kefu-widget]");var W=h&&h.shadowRoot;if(!W)return false;` + expr + `})()`
}

// widgetDo runs a statement in the widget's shadow root.
func widgetDo(stmt string) chromedp.Action {
	return chromedp.Evaluate(inWidget(stmt+";return true"), nil)
}

// TestBrowserChat: a visitor chats from the demo page with an agent signed in in another
// browser context. The agent goes online, hears of the new chat on the inbox (toast and the
// waiting count), accepts it, replies with Enter and a standard phrase; the visitor sees the
// reply and answers; the agent's page grows without a reload; the agent ends the chat; the
// visitor rates it; the chat is in the inbox as a ticket with channel chat.
func TestBrowserChat(t *testing.T) {
	chromium(t)
	for _, d := range engines() {
		t.Run(string(d), func(t *testing.T) {
			n := newNode(t, d)
			n.UI.PageSize = 50
			n.withRouting()
			ctx := context.Background()
			chats := chat.NewService(chat.Options{DB: n.DB, Tickets: n.Tickets, Customers: n.UI.Customers, Realtime: n.UI.Realtime, Now: n.Clock.Now})
			n.UI.Chats = chats
			// One server for the workspace and the widget, as the app mounts them.
			mux := http.NewServeMux()
			widget.New(widget.Options{Chat: chats, Realtime: n.UI.Realtime, Now: n.Clock.Now}).Mount(mux)
			mux.Handle("/", n.UI)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			base := srv.URL
			phr, err := n.UI.Phrases.Create(ctx, auth.System(), phrase.Input{Category: "closing", Title: "结束语", Body: "{customer}，感谢您的咨询，祝您生活愉快！"})
			if err != nil {
				t.Fatal(err)
			}
			shots := ""
			if d == storage.SQLite && os.Getenv("KEFU_SCREENSHOTS") == "1" {
				shots = filepath.Join("..", "..", "docs", "screenshots")
				os.MkdirAll(shots, 0o755)
			}
			agent := newBrowser(t, 1366, 768)
			// The visitor is another browser: no cookies or storage shared with the agent.
			visitor := newBrowser(t, 1024, 768)
			chatFlow(t, n, base, agent, visitor, itoa(phr.ID), shots)
		})
	}
}

func chatFlow(t *testing.T, n *node, base string, agent, visitor context.Context, phraseID, shots string) {
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if shots == "" {
				return nil
			}
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name), buf, 0o644)
		})
	}
	broker := n.UI.Realtime.(*realtime.Local)
	var number string // the chat's ticket number, once the toast named it
	subscribed := func(topic string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if topic == "" {
				topic = ticketTopic(mustInt(number))
			}
			for broker.Subscribers(topic) == 0 {
				select {
				case <-ctx.Done():
					return fmt.Errorf("nobody subscribed to %s: %w", topic, ctx.Err())
				case <-time.After(20 * time.Millisecond):
				}
			}
			return nil
		})
	}

	// The agent signs in and goes online; the inbox listens for new chats.
	err := run(agent,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", n.AgentA.Email),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Submit("#password"),
		chromedp.WaitVisible("#avail"),
		textHas("#waiting-chats", "待接入会话"),
		choose("#avail", "online"),
		waitFor(`!!document.querySelector("#availability.avail-online")`),
		subscribed(inboxTopic),
	)
	if err != nil {
		t.Fatalf("agent online: %v", err)
	}

	// The visitor opens the demo page and starts a chat: the widget says someone is online.
	first := "你好，我想问一下订单什么时候发货"
	err = run(visitor,
		chromedp.Navigate(base+"/widget/demo?team="+url.QueryEscape("售后一组")),
		waitFor(inWidget(`return !!W.querySelector(".btn")`)),
		widgetDo(`W.querySelector(".btn").click()`),
		waitFor(inWidget(`var f=W.querySelector("form");return !!f && !f.hidden && !W.querySelector(".panel").hidden`)),
		widgetDo(`var f=W.querySelector("form");
			f.querySelector("[name=name]").value="孙七";
			f.querySelector("[name=email]").value="sun@example.com";
			f.querySelector("[name=body]").value=`+fmt.Sprintf("%q", first)+`;
			f.requestSubmit()`),
		// Acknowledged: stored before the widget was told.
		waitFor(inWidget(`var b=W.querySelector(".m.visitor");return !!b && b.hasAttribute("data-seq")`)),
	)
	if err != nil {
		t.Fatalf("visitor starts: %v", err)
	}

	// The agent hears of it at once: a toast and the waiting count, without a reload.
	err = run(agent,
		chromedp.Evaluate(`window.__kefuMark = 1; true`, nil),
		textHas(".toast", "孙七"),
		textHas("#waiting-chats b", "1"),
		waitFor(`window.__kefuMark === 1`),
		chromedp.Evaluate(`document.querySelector(".toast").getAttribute("data-number")`, &number),
		shot("chat-toast.png"),
		chromedp.Click(".toast a"),
		chromedp.WaitVisible("#chat-log"),
		textHas("#chat-log", first),
		subscribed(""), // the chat page's stream
		chromedp.Click("#chat-accept"),
		textHas("#notice", "已接入"),
		textHas("#ticket-assignee", "王小明"),
		waitFor(`!document.getElementById("chat-accept")`),
	)
	if err != nil {
		t.Fatalf("agent accepts: %v", err)
	}
	if number == "" {
		t.Fatal("the toast named no chat")
	}

	// The visitor sees who took the chat. The agent replies with Enter.
	reply := "孙七您好，您的订单今天下午发货。"
	err = run(visitor, waitFor(inWidget(`return W.querySelector(".head small").textContent.includes("王小明")`)))
	if err != nil {
		t.Fatalf("visitor sees the agent: %v", err)
	}
	err = run(agent,
		subscribed(""), // the chat page's stream
		chromedp.Evaluate(`window.__kefuMark = 2; true`, nil),
		chromedp.SendKeys("#body", reply),
		chromedp.SendKeys("#body", kb.Enter),
		textHas("#chat-log", reply),
		waitFor(`document.getElementById("body").value.trim() === ""`),
	)
	if err != nil {
		t.Fatalf("agent replies: %v", err)
	}
	answer := "好的，谢谢！"
	err = run(visitor,
		waitFor(inWidget(`return Array.from(W.querySelectorAll(".m.agent")).some(function(b){return b.textContent.includes(`+fmt.Sprintf("%q", reply)+`)})`)),
		// The visitor types: the agent's page says so.
		widgetDo(`var i=W.querySelector(".row textarea");i.value="好";i.dispatchEvent(new Event("input",{bubbles:true}))`),
	)
	if err != nil {
		t.Fatalf("visitor sees the reply: %v", err)
	}
	err = run(agent, waitFor(`!document.getElementById("chat-typing").hidden`), textHas("#chat-typing", "孙七 正在输入"))
	if err != nil {
		t.Fatalf("agent sees the visitor typing: %v", err)
	}
	err = run(visitor,
		widgetDo(`var i=W.querySelector(".row textarea");i.value=`+fmt.Sprintf("%q", answer)+`;i.closest("form").requestSubmit()`),
	)
	if err != nil {
		t.Fatalf("visitor answers: %v", err)
	}

	// The answer appears on the agent's page without a reload; a closing phrase; the end.
	err = run(agent,
		textHas("#chat-log", answer),
		waitFor(`document.getElementById("chat-typing").hidden`), // the message ends the typing
		waitFor(`window.__kefuMark === 2`),
		choose("#phrase", phraseID),
		waitFor(`document.getElementById("body").value.includes("孙七，感谢您的咨询")`),
		chromedp.Click("#chat-send"),
		textHas("#chat-log", "孙七，感谢您的咨询，祝您生活愉快！"),
		shot("chat.png"),
		chromedp.Click("#chat-close"),
		textHas("#notice", "会话已结束"),
		// The chat domain resolves an ended chat (the ticket service alone would close it).
		waitFor(`/已解决|已关闭/.test(document.getElementById("ticket-status").textContent)`),
		waitFor(`!document.getElementById("chat-close")`),
	)
	if err != nil {
		t.Fatalf("agent answers and ends: %v", err)
	}

	// The visitor rates the chat.
	err = run(visitor,
		waitFor(inWidget(`var s=W.querySelectorAll(".stars button");return s.length===5 && !s[0].closest("form").hidden`)),
		widgetDo(`W.querySelectorAll(".stars button")[4].click()`),
		widgetDo(`W.querySelectorAll(".stars button")[4].closest("form").requestSubmit()`),
		waitFor(inWidget(`return W.querySelector(".stars button").closest("form").hidden && W.querySelector(".log").textContent.includes("感谢您的评价")`)),
	)
	if err != nil {
		t.Fatalf("visitor rates: %v", err)
	}
	var score int
	if err := n.DB.Read().QueryRowContext(context.Background(), `SELECT r.score FROM ratings r JOIN tickets t ON t.id = r.ticket_id WHERE t.number = $1`, mustInt(number)).Scan(&score); err != nil || score != 5 {
		t.Fatalf("rating %d, %v", score, err)
	}

	// Presence: an admin (signed in in the visitor's browser) opens the chat; the agent's page
	// says who is viewing, then who is typing.
	err = run(visitor,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", n.Admin.Email),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Submit("#password"),
		chromedp.WaitVisible("#avail"),
		chromedp.Navigate(base+"/tickets/"+number),
		chromedp.WaitVisible("#chat-log"),
		// The admin's page hears the agent too: a newcomer is answered at once.
		textHas("#presence", "王小明 正在查看"),
	)
	if err != nil {
		t.Fatalf("admin opens the chat: %v", err)
	}
	err = run(agent, textHas("#presence", "管理员 正在查看"))
	if err != nil {
		t.Fatalf("agent sees the viewer: %v", err)
	}
	err = run(visitor, chromedp.Click("#kind-note"), chromedp.SendKeys("#body", "看一下"))
	if err != nil {
		t.Fatalf("admin types: %v", err)
	}
	err = run(agent, textHas("#presence", "管理员 正在输入"))
	if err != nil {
		t.Fatalf("agent sees the typing: %v", err)
	}

	// The chat is a ticket in the inbox, with channel chat.
	err = run(agent,
		chromedp.Navigate(base+"/?view=recent"),
		textHas("#list", "孙七"),
		chromedp.Navigate(base+"/tickets/"+number+"?as=ticket"),
		textHas(".ticket-head .meta", "在线客服"),
	)
	if err != nil {
		t.Fatalf("inbox: %v", err)
	}
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}
