package widget_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/routing"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
	"github.com/kefuhq/kefu/internal/widget"
)

// env is a node with a chat team (售前) and an online agent in it, and a widget edge on its
// own server so each test can choose the edge's limits and catch-up interval.
type env struct {
	t     testing.TB
	node  *apitest.Server
	team  int64
	agent *apitest.Client
	url   string // the widget edge
	h     *widget.Handler
}

func newEnv(t testing.TB, node *apitest.Server, o widget.Options, online bool) *env {
	t.Helper()
	e := &env{t: t, node: node}
	e.team = node.Team("售前", "team")
	e.agent = node.NewUser("lina@example.com", "李娜", auth.RoleAgent, e.team)
	if online {
		on := "online"
		if _, err := node.App.Routing.SetAgent(context.Background(), auth.System(), e.agent.UserID, routing.AgentInput{Availability: &on}); err != nil {
			t.Fatal(err)
		}
	}
	o.Chat = node.App.Chat
	o.Realtime = node.App.Realtime
	if o.CatchUp == 0 {
		o.CatchUp = time.Hour // only hints deliver: the tests prove the hint path
	}
	h := widget.New(o)
	e.h = h
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// client is a visitor's WebSocket.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func (e *env) dial() *client {
	e.t.Helper()
	return dial(e.t, e.url)
}

func dial(t testing.TB, url string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/widget/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://shop.example.cn"}}, // another site embeds the widget
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *client) send(f map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %v: %v", f, err)
	}
}

// next reads frames until one of type typ (and matching, when given) arrives; other
// frames are skipped. It fails after 15 seconds.
func (c *client) next(typ string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var f map[string]any
		if err := json.Unmarshal(b, &f); err != nil {
			c.t.Fatalf("frame %s: %v", b, err)
		}
		if f["type"] == typ && (match == nil || match(f)) {
			return f
		}
	}
}

func (c *client) hello(token string, lastSeq int64) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"type": "hello", "token": token, "last_seq": lastSeq, "lang": "zh-CN", "team": "售前"})
	return c.next("welcome", nil)
}

func num(f map[string]any, k string) int64 {
	v, _ := f[k].(float64)
	return int64(v)
}

func byCID(cid string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["cid"] == cid }
}

func start(c *client, cid string) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"type": "start", "cid": cid, "name": "张三", "email": "zhangsan@example.cn", "topic": "售前", "body": "请问这款空调有现货吗？"})
	return c.next("ack", byCID(cid))
}

// storedCIDs lists the visitor messages' dedup keys of a ticket, oldest first.
func (e *env) storedCIDs(number int64) []string {
	e.t.Helper()
	rows, err := e.node.App.DB.Read().QueryContext(context.Background(), `SELECT COALESCE(m.dedup_key, '') FROM messages m
		JOIN tickets t ON t.id = m.ticket_id WHERE t.number = $1 AND m.author_kind = 'customer' ORDER BY m.id`, number)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k[strings.LastIndexByte(k, ':')+1:])
	}
	return out
}

func TestChatConversation(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, node *apitest.Server) {
		e := newEnv(t, node, widget.Options{}, true)
		v := e.dial()
		w := v.hello("", 0)
		token, _ := w["token"].(string)
		if len(token) < 30 || w["online"] != true || w["chat"] != nil {
			t.Fatalf("welcome: %v", w)
		}
		ack := start(v, "c1")
		n, seq1 := num(ack, "number"), num(ack, "seq")
		if n == 0 || seq1 == 0 {
			t.Fatalf("ack: %v", ack)
		}
		if m := v.next("msg", byCID("c1")); num(m, "seq") != seq1 || m["from"] != "visitor" {
			t.Fatalf("own message: %v", m)
		}
		// A repeated start and a repeated message are acknowledged again, stored once.
		if again := start(v, "c1"); num(again, "seq") != seq1 || num(again, "number") != n {
			t.Fatalf("repeated start: %v", again)
		}
		v.send(map[string]any{"type": "msg", "cid": "c2", "body": "在线等"})
		seq2 := num(v.next("ack", byCID("c2")), "seq")
		v.send(map[string]any{"type": "msg", "cid": "c2", "body": "在线等"})
		if again := v.next("ack", byCID("c2")); num(again, "seq") != seq2 {
			t.Fatalf("repeated msg: %v", again)
		}
		if got := e.storedCIDs(n); fmt.Sprint(got) != "[c1 c2]" {
			t.Fatalf("stored %v", got)
		}

		// The chat is a ticket with channel chat, waiting in the inbox; an agent accepts it.
		tk := e.agent.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", n), nil)
		if tk["channel"] != "chat" {
			t.Fatalf("ticket: %v", tk)
		}
		e.agent.Must(200, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
		// Status frames tell changes; the one after the accept names the agent.
		if st := v.next("status", func(f map[string]any) bool { return f["agent"] != "" }); st["agent"] != "李娜" || st["state"] != "active" {
			t.Fatalf("status after accept: %v", st)
		}

		// Typing both ways.
		events, end := node.App.Realtime.Subscribe(chat.TicketTopic(n))
		defer end()
		v.send(map[string]any{"type": "typing", "on": true})
		waitEvent(t, events, func(ev chatEvent) bool { return ev.kind == "typing" && ev.from == "visitor" && ev.on })
		e.agent.Must(204, "POST", fmt.Sprintf("/api/v1/tickets/%d/typing", n), map[string]any{"on": true})
		if ty := v.next("typing", nil); ty["from"] != "agent" || ty["on"] != true {
			t.Fatalf("typing: %v", ty)
		}

		// The agent's reply through the API reaches the visitor; internal notes do not.
		e.agent.Must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"kind": "note", "body": "内部备注：查库存"})
		e.agent.Must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"body": "您好，有现货，今天下单明天发货。"})
		m := v.next("msg", func(f map[string]any) bool { return f["from"] == "agent" })
		if m["body"] != "您好，有现货，今天下单明天发货。" || m["author"] != "李娜" {
			t.Fatalf("agent reply: %v", m)
		}

		// Rating before the end is refused with a field error; close → status → rate → rated.
		v.send(map[string]any{"type": "rate", "score": 5})
		if er := v.next("error", nil); er["code"] != "invalid" || !strings.Contains(fmt.Sprint(er["fields"]), "rating_too_early") {
			t.Fatalf("early rating: %v", er)
		}
		e.agent.Must(200, "POST", fmt.Sprintf("/api/v1/chats/%d/close", n), nil)
		if st := v.next("status", func(f map[string]any) bool { return f["state"] == "closed" }); st["status"] != "resolved" {
			t.Fatalf("status after close: %v", st)
		}
		v.send(map[string]any{"type": "msg", "cid": "c3", "body": "还在吗"})
		if er := v.next("error", byCID("c3")); er["code"] != "chat_closed" {
			t.Fatalf("message after close: %v", er)
		}
		v.send(map[string]any{"type": "rate", "score": 4, "comment": "很耐心"})
		if r := v.next("rated", nil); num(r, "score") != 4 {
			t.Fatalf("rated: %v", r)
		}
		rt := e.agent.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", n), nil)
		if r, _ := rt["rating"].(map[string]any); r == nil || r["score"] != float64(4) || r["comment"] != "很耐心" {
			t.Fatalf("rating: %v", rt)
		}

		// A returning visitor (same token) gets the history; the notes never leave.
		back := e.dial().hello(token, 0)
		hist, _ := back["history"].([]any)
		var bodies []string
		for _, h := range hist {
			bodies = append(bodies, h.(map[string]any)["body"].(string))
		}
		if len(hist) != 3 || strings.Contains(strings.Join(bodies, "|"), "内部备注") {
			t.Fatalf("history: %v", bodies)
		}
		if ch, _ := back["chat"].(map[string]any); ch == nil || num(ch, "number") != n || ch["state"] != "closed" || num(ch, "rating") != 4 {
			t.Fatalf("returning chat: %v", back["chat"])
		}
	})
}

type chatEvent struct {
	kind, from string
	on         bool
}

func waitEvent(t testing.TB, events <-chan realtime.Event, ok func(chatEvent) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			from, on, _ := chat.TypingEvent(ev)
			if ok(chatEvent{kind: ev.Kind, from: from, on: on}) {
				return
			}
		case <-timeout:
			t.Fatal("no matching event")
		}
	}
}

// Reconnect with pending messages: the connection drops after the visitor sent, before the
// ack was read; the widget reconnects with its last seq and sends its pending messages
// again. Each is stored exactly once and nothing is missing from the history.
func TestReconnectWithPendingMessages(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, node *apitest.Server) {
		e := newEnv(t, node, widget.Options{}, true)
		v := e.dial()
		token := v.hello("", 0)["token"].(string)
		ack := start(v, "c1")
		n, last := num(ack, "number"), num(ack, "seq")
		v.send(map[string]any{"type": "msg", "cid": "c2", "body": "第一条"})
		v.send(map[string]any{"type": "msg", "cid": "c3", "body": "第二条"})
		v.ws.CloseNow() // gone before any ack was read

		v2 := e.dial()
		w := v2.hello(token, last)
		if ch, _ := w["chat"].(map[string]any); ch == nil || num(ch, "number") != n {
			t.Fatalf("welcome after reconnect: %v", w)
		}
		for _, p := range []struct{ cid, body string }{{"c2", "第一条"}, {"c3", "第二条"}, {"c4", "第三条"}} {
			v2.send(map[string]any{"type": "msg", "cid": p.cid, "body": p.body})
		}
		for _, cid := range []string{"c2", "c3", "c4"} {
			v2.next("ack", byCID(cid))
		}
		if got := e.storedCIDs(n); fmt.Sprint(got) != "[c1 c2 c3 c4]" {
			t.Fatalf("stored %v, want each message once in order", got)
		}
		w = e.dial().hello(token, 0)
		var cids []string
		for _, h := range w["history"].([]any) {
			cids = append(cids, h.(map[string]any)["cid"].(string))
		}
		if fmt.Sprint(cids) != "[c1 c2 c3 c4]" {
			t.Fatalf("history cids %v", cids)
		}
	})
}

func TestOfflineLeavesAMessage(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, node *apitest.Server) {
		e := newEnv(t, node, widget.Options{}, false) // nobody online
		v := e.dial()
		w := v.hello("", 0)
		if w["online"] != false {
			t.Fatalf("online with nobody online: %v", w)
		}
		ack := start(v, "c1")
		n := num(ack, "number")
		tk := e.agent.Must(200, "GET", fmt.Sprintf("/api/v1/tickets/%d", n), nil)
		if tk["channel"] != "chat" || tk["subject"] != "[售前] 请问这款空调有现货吗？" {
			t.Fatalf("offline ticket: %v", tk)
		}
		w = e.dial().hello(w["token"].(string), 0)
		if ch, _ := w["chat"].(map[string]any); ch == nil || ch["offline"] != true {
			t.Fatalf("offline chat: %v", w["chat"])
		}
		// An agent who is online but has no room for chats does not make the team online.
		on, zero := "online", 0
		if _, err := node.App.Routing.SetAgent(context.Background(), auth.System(), e.agent.UserID, routing.AgentInput{Availability: &on, MaxChats: &zero}); err != nil {
			t.Fatal(err)
		}
		if w := e.dial().hello("", 0); w["online"] != false {
			t.Fatalf("online with no chat room: %v", w)
		}
		one := 1
		if _, err := node.App.Routing.SetAgent(context.Background(), auth.System(), e.agent.UserID, routing.AgentInput{MaxChats: &one}); err != nil {
			t.Fatal(err)
		}
		if w := e.dial().hello("", 0); w["online"] != true {
			t.Fatalf("offline with room: %v", w)
		}
		// The cap holds on accept: one chat, then no more.
		e.agent.Must(200, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
		other := e.dial()
		other.hello("", 0)
		n2 := num(start(other, "x1"), "number")
		if r := e.agent.Do("POST", fmt.Sprintf("/api/v1/chats/%d/accept", n2), nil); r.Status != 422 || r.ErrorCode() != "chat_cap_reached" {
			t.Fatalf("accept over the cap: %d %s", r.Status, r.Body)
		}
	})
}

func upload(t testing.TB, url, token, cid, name string, data []byte) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("token", token)
	mw.WriteField("cid", cid)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(url+"/widget/upload", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

var png = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

// A visitor's token opens only their own chat and files.
func TestVisitorsAreIsolated(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, node *apitest.Server) {
		e := newEnv(t, node, widget.Options{}, true)
		a := e.dial()
		tokA := a.hello("", 0)["token"].(string)
		start(a, "a1")
		status, ack := upload(t, e.url, tokA, "a2", "截图.png", png)
		if status != 200 || ack["type"] != "ack" {
			t.Fatalf("upload: %d %v", status, ack)
		}
		m := a.next("msg", byCID("a2"))
		atts, _ := m["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("upload message: %v", m)
		}
		fileURL := atts[0].(map[string]any)["url"].(string)
		fileID := num(atts[0].(map[string]any), "id")
		resp, err := http.Get(e.url + fileURL)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("own file: %v %v", resp, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("own file: %q %s", body, resp.Header.Get("Content-Type"))
		}

		// Refused types and sizes.
		if status, out := upload(t, e.url, tokA, "a3", "run.exe", []byte("MZ")); status != 422 || !strings.Contains(fmt.Sprint(out["fields"]), "upload_type") {
			t.Fatalf("exe upload: %d %v", status, out)
		}
		if status, _ := upload(t, e.url, tokA, "a4", "fake.png", []byte("<html><script>")); status != 422 {
			t.Fatalf("fake image: %d", status)
		}

		b := e.dial()
		wb := b.hello("", 0)
		tokB := wb["token"].(string)
		if wb["chat"] != nil || len(wb["history"].([]any)) != 0 {
			t.Fatalf("B sees A's chat: %v", wb)
		}
		for _, u := range []string{
			fmt.Sprintf("%s/widget/files/%d?token=%s", e.url, fileID, tokB),
			fmt.Sprintf("%s/widget/files/%d", e.url, fileID),
			fmt.Sprintf("%s/widget/files/%d?token=nonsense", e.url, fileID),
		} {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Fatalf("%s: %d, want 404", u, resp.StatusCode)
			}
		}
		b.send(map[string]any{"type": "msg", "cid": "b1", "body": "你好"})
		if er := b.next("error", byCID("b1")); er["code"] != "not_found" {
			t.Fatalf("message without a chat: %v", er)
		}
		if status, _ := upload(t, e.url, tokB, "b2", "a.png", png); status != 404 {
			t.Fatalf("upload without a chat: %d", status)
		}
		// B reusing A's cid does not touch A's message.
		b.send(map[string]any{"type": "start", "cid": "a1", "name": "李四", "phone": "13800138000", "body": "我也想问"})
		ackB := b.next("ack", byCID("a1"))
		if num(ackB, "number") == num(ack, "number") {
			t.Fatalf("B's start landed on A's chat: %v", ackB)
		}
		// Frames before hello are refused.
		c := e.dial()
		c.send(map[string]any{"type": "msg", "cid": "z1", "body": "x"})
		if er := c.next("error", nil); er["code"] != "hello_first" {
			t.Fatalf("before hello: %v", er)
		}
	})
}

func TestRateLimitsAndCaps(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, node *apitest.Server) {
		e := newEnv(t, node, widget.Options{Limits: widget.Limits{
			ConnsPerIP: 3, Msg: widget.Rate{Per: 1, Every: time.Hour, Burst: 2}, FrameBytes: 4 << 10,
		}}, true)
		v := e.dial()
		v.hello("", 0)
		start(v, "c1")
		v.send(map[string]any{"type": "msg", "cid": "c2", "body": "一"})
		v.next("ack", byCID("c2"))
		v.send(map[string]any{"type": "msg", "cid": "c3", "body": "二"})
		v.next("ack", byCID("c3"))
		v.send(map[string]any{"type": "msg", "cid": "c4", "body": "三"})
		er := v.next("error", byCID("c4"))
		if er["code"] != "rate_limited" || er["message"] != "操作太频繁，请稍后再试。" {
			t.Fatalf("rate limit: %v", er)
		}
		// Bad frames are answered, an oversized one ends the connection.
		v.send(map[string]any{"type": "dance"})
		if er := v.next("error", nil); er["code"] != "bad_frame" {
			t.Fatalf("bad frame: %v", er)
		}
		v.send(map[string]any{"type": "msg", "cid": "c5", "body": strings.Repeat("长", 3000)})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			if _, _, err := v.ws.Read(ctx); err != nil {
				if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
					t.Fatalf("oversized frame: %v", err)
				}
				break
			}
		}
		// Three connections per IP at once; the fourth is refused before the upgrade. First the
		// closed connection gives its place back.
		for e.h.Connections() != 0 {
			if ctx.Err() != nil {
				t.Fatal("the closed connection keeps its place")
			}
			time.Sleep(10 * time.Millisecond)
		}
		e.dial()
		e.dial()
		e.dial()
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer dcancel()
		_, resp, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(e.url, "http")+"/widget/ws", nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fourth connection: %v %v", resp, err)
		}
	})
}

func TestScriptAndDemo(t *testing.T) {
	node := apitest.New(t, "sqlite")
	resp, err := http.Get(node.URL + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" || !bytes.Contains(js, []byte("/widget/ws")) {
		t.Fatalf("widget.js: %d %v", resp.StatusCode, resp.Header)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	if gz.Len() > 30<<10 {
		t.Fatalf("widget.js is %d bytes gzipped, over 30 KB", gz.Len())
	}
	t.Logf("widget.js: %d bytes, %d gzipped", len(js), gz.Len())
	// The socket upgrades through the app's middleware (request ids, logging, metrics),
	// whose response writers reach the connection through Unwrap.
	if w := dial(t, node.URL).hello("", 0); w["token"] == "" || w["online"] != false {
		t.Fatalf("welcome through the app: %v", w)
	}
	for _, want := range []string{"'zh-CN'", "en:", "localStorage", "typing", "/widget/upload", "rate", "offlineNote"} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("widget.js lacks %q", want)
		}
	}
	resp, err = http.Get(node.URL + "/widget/demo?team=" + "售前")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`<script src="/widget.js" data-kefu-team="售前" async>`)) ||
		!bytes.Contains(page, []byte(`<html lang="zh-CN">`)) {
		t.Fatalf("demo: %d %s", resp.StatusCode, page)
	}
	resp, err = http.Get(node.URL + `/widget/demo?lang=en&team="><script>`)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(page, []byte(`"><script>`)) || !bytes.Contains(page, []byte(`<html lang="en">`)) {
		t.Fatalf("demo escapes the team: %s", page)
	}
}

// Two nodes on one PostgreSQL: the visitor on node A, the agent on node B; one message each
// way. The widget's periodic catch-up is off (an hour), so only the cross-node hints deliver.
func TestTwoNodes(t *testing.T) {
	if !slices.Contains(testutil.Engines(), storage.Postgres) {
		t.Skip(testutil.PostgresEnv + " is not set")
	}
	nodeA := apitest.New(t, storage.Postgres)
	e := newEnv(t, nodeA, widget.Options{}, true)

	cfg := config.Defaults(t.TempDir())
	cfg.DB = nodeA.App.Config.DB
	nodeB, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srvB := httptest.NewServer(nodeB.Handler())
	t.Cleanup(func() { srvB.Close(); nodeB.Close() })
	callB := func(method, path string, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srvB.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+e.agent.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	v := e.dial()
	v.hello("", 0)
	n := num(start(v, "c1"), "number")
	// Visitor → agent: node B hears the visitor's message on the ticket's topic and reads it.
	events, end := nodeB.Realtime.Subscribe(chat.TicketTopic(n))
	defer end()
	time.Sleep(200 * time.Millisecond) // let node B's LISTEN settle before the message is sent
	v.send(map[string]any{"type": "msg", "cid": "c2", "body": "从节点 A 发出"})
	v.next("ack", byCID("c2"))
	waitEvent(t, events, func(ev chatEvent) bool { return ev.kind == "message" })
	if st, body := callB("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", n), nil); st != 200 || !bytes.Contains(body, []byte("从节点 A 发出")) {
		t.Fatalf("node B messages: %d %s", st, body)
	}
	// Agent → visitor: a reply on node B reaches the visitor's socket on node A.
	if st, body := callB("POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil); st != 200 {
		t.Fatalf("accept on B: %d %s", st, body)
	}
	if st, body := callB("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"body": "节点 B 的回复"}); st != 201 {
		t.Fatalf("reply on B: %d %s", st, body)
	}
	if m := v.next("msg", func(f map[string]any) bool { return f["from"] == "agent" }); m["body"] != "节点 B 的回复" {
		t.Fatalf("reply on A: %v", m)
	}
	// Typing is a hint only, and crosses too.
	if st, _ := callB("POST", fmt.Sprintf("/api/v1/tickets/%d/typing", n), map[string]any{"on": true}); st != 204 {
		t.Fatalf("typing on B: %d", st)
	}
	v.next("typing", nil)
}

// At shutdown every socket is closed with "going away" and new ones are refused.
func TestCloseSendsVisitorsAway(t *testing.T) {
	e := newEnv(t, apitest.New(t, storage.SQLite), widget.Options{}, true)
	v := e.dial()
	v.hello("", 0)
	start(v, "c1")
	e.h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := v.ws.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusGoingAway {
				t.Fatalf("close: %v", err)
			}
			break
		}
	}
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/widget/ws", nil); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after close: %v %v", resp, err)
	}
	for e.h.Connections() != 0 { // the handler returns once the close handshake is done
		if ctx.Err() != nil {
			t.Fatalf("%d connections after close", e.h.Connections())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
