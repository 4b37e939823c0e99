package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// newChat opens a chat (a ticket with channel chat) from a visitor in a team, unassigned.
func (n *node) newChat(name, email, body string, team int64) *ticket.Ticket {
	n.t.Helper()
	tk, err := n.Tickets.Create(context.Background(), auth.System(), ticket.CreateInput{
		Subject: "在线咨询：" + body, Type: "consultation", Channel: "chat", TeamID: team,
		Customer: ticket.CustomerRef{Name: name, Email: email},
		Message:  &ticket.MessageInput{Author: "customer", Channel: "chat", Body: body},
	})
	if err != nil {
		n.t.Fatal(err)
	}
	return tk
}

// withRouting gives the node's UI the routing service (the availability switch).
func (n *node) withRouting() *routing.Service {
	r := routing.NewService(n.DB, n.Tickets, n.Clock.Now)
	n.UI.Routing = r
	return r
}

// htmxPost sends a form as htmx does (HX-Request, the CSRF token in a header).
func (b *browser) htmxPost(path string, form url.Values) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.n.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// chatPost sends a form as the chat page's script does.
func (b *browser) chatPost(path string, form url.Values) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.n.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Kefu-Chat", "1")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

func TestAvailabilitySwitch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		rt := n.withRouting()
		ctx := context.Background()
		b := n.signIn(n.AgentA)
		p := b.get("/")
		p.must(t, http.StatusOK, `id="availability"`, `<option value="offline" selected>离线</option>`, `id="waiting-slot"`, `data-inbox="/live/inbox"`)

		// Without the session's token nothing changes.
		b.postRaw("/availability", url.Values{"availability": {"online"}}).must(t, http.StatusForbidden)
		// A plain form goes back to its page; htmx gets the switch back.
		b.post("/availability", url.Values{"availability": {"online"}, "_back": {"/?view=team"}}).must(t, http.StatusSeeOther)
		if ag, _ := rt.Agent(ctx, auth.System(), n.AgentA.ID); ag.Availability != "online" {
			t.Fatalf("availability %q, want online", ag.Availability)
		}
		p = b.htmxPost("/availability", url.Values{"availability": {"away"}})
		p.must(t, http.StatusOK, `<option value="away" selected>离开</option>`, `class="inline avail avail-away"`)
		if strings.Contains(p.Body, "<html") {
			t.Fatal("htmx got a whole page")
		}
		b.get("/").must(t, http.StatusOK, `<option value="away" selected>离开</option>`)
		// A value outside the list is refused; the availability stays.
		b.post("/availability", url.Values{"availability": {"busy"}}).must(t, http.StatusUnprocessableEntity)
		if ag, _ := rt.Agent(ctx, auth.System(), n.AgentA.ID); ag.Availability != "away" {
			t.Fatalf("availability %q after a bad value", ag.Availability)
		}
		// An agent sets only their own: the form names no user, so B's switch moves B.
		nb := n.signIn(n.AgentB)
		nb.post("/availability", url.Values{"availability": {"online"}}).must(t, http.StatusSeeOther)
		if ag, _ := rt.Agent(ctx, auth.System(), n.AgentA.ID); ag.Availability != "away" {
			t.Fatal("B's switch changed A")
		}

		// Department staff take no chats: no switch, no inbox stream, no waiting count.
		dept, err := n.UI.Users.Create(ctx, auth.System(), user.CreateInput{Email: "d@example.com", Name: "赵六", Role: auth.RoleDepartment, Password: testPassword, Teams: []int64{n.Dept}})
		if err != nil {
			t.Fatal(err)
		}
		d := n.signIn(dept)
		p = d.get("/")
		if strings.Contains(p.Body, `id="availability"`) || strings.Contains(p.Body, "data-inbox") {
			t.Fatal("department staff see the chat switch")
		}
		d.get("/live/inbox").must(t, http.StatusNotFound)
		d.get("/chats/waiting").must(t, http.StatusNotFound)
	})
}

func TestChatPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		chat := n.newChat("孙七", "sun@example.com", "你好，我想问一下发货时间", n.TeamA)
		path := "/tickets/" + itoa(chat.Number)
		b := n.signIn(n.AgentA)

		// The waiting view and the header count list the new chat.
		b.get("/chats/waiting").must(t, http.StatusOK, `id="waiting-chats"`, "待接入会话 <b>1</b>")
		b.get("/?view=chats").must(t, http.StatusOK, "在线咨询：你好", `data-view="chats"`)
		nb := n.signIn(n.AgentB)
		nb.get("/chats/waiting").must(t, http.StatusOK, "待接入会话 <b>0</b>")

		p := b.get(path)
		p.must(t, http.StatusOK, `id="chat-log"`, "你好，我想问一下发货时间", `id="chat-accept"`, `id="chat-close"`,
			`id="presence"`, `data-chat="1"`, "回车发送", `data-customer="孙七"`)
		if strings.Contains(p.Body, `id="composer"`) {
			t.Fatal("a chat drawn as a mail ticket")
		}
		// ?as=ticket shows the full ticket page.
		b.get(path+"?as=ticket").must(t, http.StatusOK, `id="composer"`, `id="fields"`)

		msgs, _ := n.Tickets.Messages(ctx, auth.System(), chat.Number, 0, 10)
		last := msgs[len(msgs)-1].ID
		// Nothing new: no rows.
		p = b.get(path + "/chat/update?m=" + itoa(last) + "&e=999999")
		p.must(t, http.StatusOK, `id="chat-head"`, `data-m="`+itoa(last)+`"`)
		if strings.Contains(p.Body, "<li") {
			t.Fatalf("rows without news: %s", p.Body)
		}
		// The visitor writes: only the new message comes.
		if _, err := n.Tickets.AddMessage(ctx, auth.System(), chat.Number, ticket.MessageInput{Author: "customer", Channel: "chat", Body: "订单号是 8848"}); err != nil {
			t.Fatal(err)
		}
		p = b.get(path + "/chat/update?m=" + itoa(last) + "&e=999999")
		p.must(t, http.StatusOK, "订单号是 8848", `class="chat-msg reply by-customer"`)
		if strings.Contains(p.Body, `id="m`+itoa(last)+`"`) {
			t.Fatal("an update repeated an old message")
		}

		// Accept: assigned to me; the accept button goes.
		b.post(path+"/chat/accept", nil).must(t, http.StatusSeeOther)
		p = b.get(path + "?done=accepted")
		p.must(t, http.StatusOK, "已接入", `id="ticket-assignee">王小明`)
		if strings.Contains(p.Body, `id="chat-accept"`) {
			t.Fatal("accept offered after accepting")
		}
		b.get("/chats/waiting").must(t, http.StatusOK, "待接入会话 <b>0</b>")
		// The update after the acceptance tells it as an event row, names filled in.
		b.get(path+"/chat/update?m="+itoa(last)+"&e=0").must(t, http.StatusOK, `class="chat-event"`, "指派给 王小明")

		// The script's send: the new rows come back; the same key twice stores one message.
		before := n.count("messages")
		send := url.Values{"kind": {"reply"}, "body": {"孙七您好，今天下午发货。"}, "idem": {"c1"}, "m": {itoa(last)}, "e": {"0"}}
		p = b.chatPost(path+"/chat/send", send)
		p.must(t, http.StatusOK, "孙七您好，今天下午发货。", `class="chat-msg reply by-agent"`)
		b.chatPost(path+"/chat/send", send).must(t, http.StatusOK)
		if got := n.count("messages") - before; got != 1 {
			t.Fatalf("the same send stored %d messages", got)
		}
		var channel string
		n.DB.Read().QueryRowContext(ctx, `SELECT channel FROM messages ORDER BY id DESC LIMIT 1`).Scan(&channel)
		if channel != "chat" {
			t.Fatalf("reply channel %q", channel)
		}
		// An empty message is refused with the reason, as text for the script.
		p = b.chatPost(path+"/chat/send", url.Values{"kind": {"reply"}, "body": {" "}})
		p.must(t, http.StatusUnprocessableEntity, "不能为空")
		// Without a script: redirected back (PRG), or the page with the error.
		b.post(path+"/chat/send", url.Values{"kind": {"note"}, "body": {"内部：老客户"}}).must(t, http.StatusSeeOther)
		b.post(path+"/chat/send", url.Values{"kind": {"reply"}, "body": {""}}).must(t, http.StatusUnprocessableEntity, `id="chat-error"`, "不能为空")
		// Without the token: refused. A mail ticket's replies do not go through the chat.
		b.postRaw(path+"/chat/send", url.Values{"body": {"x"}}).must(t, http.StatusForbidden)
		b.chatPost("/tickets/"+itoa(n.Ticket.Number)+"/chat/send", url.Values{"kind": {"reply"}, "body": {"x"}}).must(t, http.StatusNotFound)

		// Another team's agent can reach none of it.
		nb.get(path).must(t, http.StatusNotFound)
		nb.get(path+"/chat/update?m=0").must(t, http.StatusNotFound)
		before = n.count("messages")
		nb.chatPost(path+"/chat/send", url.Values{"kind": {"reply"}, "body": {"越权"}}).must(t, http.StatusNotFound)
		nb.post(path+"/chat/accept", nil).must(t, http.StatusNotFound)
		nb.post(path+"/chat/close", nil).must(t, http.StatusNotFound)
		if n.count("messages") != before {
			t.Fatal("another team's agent wrote on the chat")
		}

		// Close.
		b.post(path+"/chat/close", nil).must(t, http.StatusSeeOther)
		p = b.get(path + "?done=chat_closed")
		p.must(t, http.StatusOK, "会话已结束", `id="ticket-status">已关闭`)
		if strings.Contains(p.Body, `id="chat-close"`) {
			t.Fatal("close offered on a closed chat")
		}
		// The closed chat is found in the inbox with its channel.
		b.get("/?view=recent").must(t, http.StatusOK, "在线咨询：你好")
	})
}

// chatDesk records what the page asked of the chat domain.
type chatDesk struct{ accepted, closed []int64 }

func (d *chatDesk) Accept(ctx context.Context, a auth.Actor, number int64) error {
	d.accepted = append(d.accepted, number)
	return nil
}

func (d *chatDesk) Close(ctx context.Context, a auth.Actor, number int64) error {
	d.closed = append(d.closed, number)
	return nil
}

// TestChatDesk: with a chat domain wired, accept and close go through it.
func TestChatDesk(t *testing.T) {
	n := newNode(t, engines()[0])
	desk := &chatDesk{}
	n.UI.Chats = desk
	chat := n.newChat("孙七", "sun@example.com", "在吗", n.TeamA)
	b := n.signIn(n.AgentA)
	path := "/tickets/" + itoa(chat.Number)
	b.post(path+"/chat/accept", nil).must(t, http.StatusSeeOther)
	b.post(path+"/chat/close", nil).must(t, http.StatusSeeOther)
	if len(desk.accepted) != 1 || len(desk.closed) != 1 || desk.accepted[0] != chat.Number {
		t.Fatalf("accepted %v closed %v", desk.accepted, desk.closed)
	}
}

// subscribe listens to a topic of the node's broker for the test.
func (n *node) subscribe(topic string) <-chan realtime.Event {
	ch, end := n.UI.Realtime.Subscribe(topic)
	n.t.Cleanup(end)
	return ch
}

func next(t *testing.T, ch <-chan realtime.Event) realtime.Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return realtime.Event{}
}

func none(t *testing.T, ch <-chan realtime.Event) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}

func TestPresence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		chat := n.newChat("孙七", "sun@example.com", "在吗", n.TeamA)
		b := n.signIn(n.AgentA)

		// Every ticket page carries the presence line.
		b.get("/tickets/"+itoa(n.Ticket.Number)).must(t, http.StatusOK, `id="presence"`, `data-presence="/tickets/`+itoa(n.Ticket.Number)+`/presence"`, "{who} 正在查看")

		// On a mail ticket: presence only.
		mail := n.subscribe(ticketTopic(n.Ticket.Number))
		b.post("/tickets/"+itoa(n.Ticket.Number)+"/presence", url.Values{"state": {"typing"}, "typing": {"1"}}).must(t, http.StatusNoContent)
		e := next(t, mail)
		var pd presenceData
		if e.Kind != "presence" || json.Unmarshal(e.Data, &pd) != nil || pd != (presenceData{User: n.AgentA.ID, Name: "王小明", State: "typing"}) {
			t.Fatalf("presence event %+v (%s)", e, e.Data)
		}
		none(t, mail)

		// On a chat: the visitor also hears that the agent types, and when they stop.
		ch := n.subscribe(ticketTopic(chat.Number))
		path := "/tickets/" + itoa(chat.Number) + "/presence"
		b.post(path, url.Values{"state": {"typing"}, "typing": {"1"}}).must(t, http.StatusNoContent)
		if e := next(t, ch); e.Kind != "presence" {
			t.Fatalf("first %+v", e)
		}
		e = next(t, ch)
		var td typingData
		if e.Kind != "typing" || json.Unmarshal(e.Data, &td) != nil || !td.On || td.From != "agent" {
			t.Fatalf("typing event %+v (%s)", e, e.Data)
		}
		b.post(path, url.Values{"state": {"viewing"}, "typing": {"0"}}).must(t, http.StatusNoContent)
		next(t, ch)
		if e = next(t, ch); json.Unmarshal(e.Data, &td) != nil || td.On {
			t.Fatalf("stop typing %+v (%s)", e, e.Data)
		}
		// A heartbeat without typing says nothing to the visitor.
		b.post(path, url.Values{"state": {"viewing"}}).must(t, http.StatusNoContent)
		next(t, ch)
		none(t, ch)

		// Bad states, missing tokens and other teams' tickets publish nothing.
		b.post(path, url.Values{"state": {"dancing"}}).must(t, http.StatusUnprocessableEntity)
		b.postRaw(path, url.Values{"state": {"viewing"}}).must(t, http.StatusForbidden)
		n.signIn(n.AgentB).post(path, url.Values{"state": {"viewing"}}).must(t, http.StatusNotFound)
		none(t, ch)
	})
}

// readEvent reads one Server-Sent Event (name and data) from a stream.
func readEvent(t *testing.T, lines *bufio.Scanner) (string, string) {
	t.Helper()
	var name string
	for lines.Scan() {
		l := lines.Text()
		switch {
		case strings.HasPrefix(l, "event: "):
			name = strings.TrimPrefix(l, "event: ")
		case strings.HasPrefix(l, "data: ") && name != "":
			return name, strings.TrimPrefix(l, "data: ")
		}
	}
	t.Fatalf("stream ended: %v", lines.Err())
	return "", ""
}

// openStream opens a Server-Sent Events stream as the browser and waits until its
// subscription is in place.
func openStream(t *testing.T, n *node, b *browser, path, topic string, subs int) *bufio.Scanner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+path, nil)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(res.Body)
	lines.Scan() // retry: the handler subscribed before it wrote this
	for n.UI.Realtime.(*realtime.Local).Subscribers(topic) < subs {
		time.Sleep(5 * time.Millisecond)
	}
	return lines
}

func TestLiveInbox(t *testing.T) {
	forEachEngine(t, func(t *testing.T, n *node) {
		a := openStream(t, n, n.signIn(n.AgentA), "/live/inbox", inboxTopic, 1)
		bStream := openStream(t, n, n.signIn(n.AgentB), "/live/inbox", inboxTopic, 2)
		chatB := n.newChat("周八", "zhou@example.com", "二组的会话", n.TeamB)
		chatA := n.newChat("孙七", "sun@example.com", "一组的会话", n.TeamA)
		announce := func(tk *ticket.Ticket) {
			data, _ := json.Marshal(map[string]int64{"number": tk.Number})
			n.UI.Realtime.Publish(realtime.Event{Topic: inboxTopic, Kind: kindChatNew, At: time.Now(), Data: data})
		}
		// A hears only of A's team's chat: B's comes first and is skipped.
		announce(chatB)
		announce(chatA)
		name, data := readEvent(t, a)
		var got inboxNotice
		json.Unmarshal([]byte(data), &got)
		if name != "chat_new" || got.Number != chatA.Number || got.Text != "新的在线咨询 #"+itoa(chatA.Number)+"：孙七" || got.URL != "/tickets/"+itoa(chatA.Number) {
			t.Fatalf("A heard %s %s", name, data)
		}
		name, data = readEvent(t, bStream)
		json.Unmarshal([]byte(data), &got)
		if name != "chat_new" || got.Number != chatB.Number {
			t.Fatalf("B heard %s %s", name, data)
		}
		// Other inbox changes refresh the list; a resync refreshes everything.
		n.UI.Realtime.Publish(realtime.Event{Topic: inboxTopic, Kind: "chat_accepted", Data: json.RawMessage(`{"number":` + itoa(chatA.Number) + `}`)})
		if name, _ := readEvent(t, a); name != "inbox" {
			t.Fatalf("A heard %s", name)
		}
		n.UI.Realtime.Publish(realtime.Event{Topic: inboxTopic, Kind: realtime.KindResync})
		if name, _ := readEvent(t, a); name != "resync" {
			t.Fatalf("A heard %s", name)
		}
		n.UI.Close()
	})
}

// TestLivePresenceEvents: a ticket page's stream passes presence hints under their own
// name, so the page does not take them for changes.
func TestLivePresenceEvents(t *testing.T) {
	n := newNode(t, engines()[0])
	path := "/tickets/" + itoa(n.Ticket.Number)
	lines := openStream(t, n, n.signIn(n.AgentA), path+"/live", ticketTopic(n.Ticket.Number), 1)
	n.signIn(n.Admin).post(path+"/presence", url.Values{"state": {"viewing"}}).must(t, http.StatusNoContent)
	name, data := readEvent(t, lines)
	if name != "presence" || !strings.Contains(data, `"name":"管理员"`) {
		t.Fatalf("stream said %s %s", name, data)
	}
	n.UI.Close()
}

// TestChatPageWeight: everything a page loads stays under 100 KB compressed with the chat
// script and styles.
func TestChatPageWeight(t *testing.T) {
	var total int
	for _, name := range []string{"static/vendor/htmx.min.js", "static/app.js", "static/app.css", "static/chat.js", "static/chat.css"} {
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
		t.Fatalf("%d bytes gzipped, over 100 KB", total)
	}
}
