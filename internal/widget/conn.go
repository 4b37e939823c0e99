package widget

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/rating"
	"github.com/kefuhq/kefu/internal/realtime"
)

// inFrame is any frame a visitor sends; which fields count depends on Type.
type inFrame struct {
	Type    string `json:"type"`
	Token   string `json:"token"`
	LastSeq int64  `json:"last_seq"`
	Lang    string `json:"lang"`
	Team    string `json:"team"`
	CID     string `json:"cid"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Topic   string `json:"topic"`
	Body    string `json:"body"`
	On      bool   `json:"on"`
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// attachmentFrame is a file on a message frame.
type attachmentFrame struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

// msgFrame is a message as the widget shows it.
type msgFrame struct {
	Type        string            `json:"type"`
	Seq         int64             `json:"seq"`
	Number      int64             `json:"number"`
	From        string            `json:"from"`
	Author      string            `json:"author"`
	Body        string            `json:"body"`
	At          string            `json:"at"`
	CID         string            `json:"cid,omitempty"`
	Attachments []attachmentFrame `json:"attachments"`
}

// conn is one visitor's socket. The handler's goroutine reads frames and answers them; a
// second goroutine (push) follows the visitor's chat: on a hint, a nudge after the visitor's
// own message, or the periodic catch-up it sends what the database has beyond the last seq
// sent. Only push sends messages and status, so they go out in order.
type conn struct {
	h     *Handler
	ws    *websocket.Conn
	ip    string
	lang  i18n.Lang
	team  string
	token string
	nudge chan struct{}

	mu       sync.Mutex // guards what follows
	visitor  *chat.Visitor
	ticketID int64
	number   int64
	lastSeq  int64
	status   string // the status frame last sent, to send only changes
	pushing  bool   // the push loop runs (from the first chat on: an idle socket costs one goroutine)
	ctx      context.Context
}

func (h *Handler) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	if h.base.Err() != nil {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if !h.conns.acquire(ip, h.limits.ConnsPerIP) {
		http.Error(w, "too many connections", http.StatusTooManyRequests)
		return
	}
	// Any Origin: the widget is embedded on customers' sites, and the socket carries no
	// cookie or ambient credential (the visitor token comes in the first frame).
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		h.conns.release(ip)
		return
	}
	// Counted open from before the upgrade's answer until after the IP's place is given back,
	// so Connections() == 0 means every place is free again.
	h.open.Add(1)
	defer h.open.Add(-1)
	defer h.conns.release(ip)
	ws.SetReadLimit(h.limits.FrameBytes)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// At Close the socket says "going away" (the widget reconnects); the read then ends.
	defer context.AfterFunc(h.base, func() { ws.Close(websocket.StatusGoingAway, "") })()
	c := &conn{h: h, ws: ws, ip: ip, lang: i18n.ZH, nudge: make(chan struct{}, 1), ctx: ctx}
	err = c.read(ctx)
	status := websocket.StatusNormalClosure
	var ce websocket.CloseError
	switch {
	case h.base.Err() != nil:
		return // closed at Close
	case errors.As(err, &ce):
	case errors.Is(err, context.DeadlineExceeded):
		status = websocket.StatusGoingAway
	case err != nil && websocket.CloseStatus(err) == -1:
		status = websocket.StatusPolicyViolation
	}
	ws.Close(status, "")
}

func (c *conn) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.ws.Write(wctx, websocket.MessageText, b)
}

func (c *conn) fail(ctx context.Context, err error, cid string) error {
	if !isDomain(err) {
		c.h.logger.ErrorContext(ctx, "widget", "err", err)
	}
	return c.send(ctx, errFrame(c.lang, err, cid))
}

// read is the connection's reading loop: it ends when the visitor leaves, stays silent past
// the idle timeout, or breaks the protocol.
func (c *conn) read(ctx context.Context) error {
	for {
		rctx, cancel := context.WithTimeout(ctx, c.h.limits.IdleTimeout)
		typ, data, err := c.ws.Read(rctx)
		cancel()
		if err != nil {
			return err
		}
		var f inFrame
		if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil {
			if err := c.fail(ctx, errBadFrame, ""); err != nil {
				return err
			}
			continue
		}
		// The frame is answered on a short-lived goroutine: the database and JSON work grows
		// a stack that dies with it, so the long-lived reader keeps a small one. That is most
		// of what an idle connection costs (see TestIdleConnectionMemory).
		done := make(chan error, 1)
		go func() { done <- c.handle(ctx, &f) }()
		if err := <-done; err != nil {
			return err
		}
	}
}

// handle answers one frame; an error ends the connection (only a failed write does).
func (c *conn) handle(ctx context.Context, f *inFrame) error {
	c.mu.Lock()
	v := c.visitor
	c.mu.Unlock()
	if v == nil && f.Type != "hello" && f.Type != "ping" {
		return c.fail(ctx, errHelloFirst, f.CID)
	}
	switch f.Type {
	case "ping":
		return c.send(ctx, map[string]string{"type": "pong"})
	case "hello":
		if v != nil {
			return c.fail(ctx, errBadFrame, "")
		}
		if !c.h.allow("hello", c.h.limits.Hello, c.ip) {
			c.fail(ctx, errRateLimited, "")
			return errRateLimited
		}
		return c.hello(ctx, f)
	case "start":
		if !c.h.allow("start", c.h.limits.Start, c.ip) {
			return c.fail(ctx, errRateLimited, f.CID)
		}
		ack, ch, err := c.h.chat.Start(ctx, v, chat.StartInput{CID: f.CID, Name: f.Name, Email: f.Email, Phone: f.Phone,
			Topic: f.Topic, Body: f.Body, Team: c.team})
		if err != nil {
			return c.fail(ctx, err, f.CID)
		}
		c.follow(ch)
		return c.ack(ctx, ack)
	case "msg":
		if !c.h.allow("msg", c.h.limits.Msg, c.ip) {
			return c.fail(ctx, errRateLimited, f.CID)
		}
		ack, err := c.h.chat.Send(ctx, v, chat.MessageInput{CID: f.CID, Body: f.Body})
		if err != nil {
			return c.fail(ctx, err, f.CID)
		}
		return c.ack(ctx, ack)
	case "typing":
		if c.h.allow("typing", c.h.limits.Typing, c.ip) {
			if err := c.h.chat.VisitorTyping(ctx, v, f.On); err != nil {
				return c.fail(ctx, err, "")
			}
		}
		return nil
	case "rate":
		r, err := c.h.chat.Rate(ctx, v, rating.Input{Score: f.Score, Comment: f.Comment})
		if err != nil {
			return c.fail(ctx, err, "")
		}
		return c.send(ctx, map[string]any{"type": "rated", "score": r.Score, "comment": r.Comment})
	case "end":
		ch, err := c.h.chat.End(ctx, v)
		if err != nil {
			return c.fail(ctx, err, "")
		}
		c.follow(ch)
		c.poke()
		return nil
	}
	return c.fail(ctx, errBadFrame, f.CID)
}

func (c *conn) ack(ctx context.Context, a *chat.Ack) error {
	if err := c.send(ctx, map[string]any{"type": "ack", "cid": a.CID, "seq": a.Seq, "number": a.Number}); err != nil {
		return err
	}
	c.poke()
	return nil
}

// poke wakes the push loop without waiting.
func (c *conn) poke() {
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}

// follow makes ch the chat the push loop follows, starting the loop on the first chat.
func (c *conn) follow(ch *chat.Chat) {
	if ch == nil {
		return
	}
	c.mu.Lock()
	c.ticketID, c.number = ch.TicketID, ch.Number
	start := !c.pushing
	c.pushing = true
	c.mu.Unlock()
	if start {
		go c.push(c.ctx)
	}
}

func (c *conn) hello(ctx context.Context, f *inFrame) error {
	if f.Lang != "" {
		c.lang = i18n.Match(f.Lang)
	}
	if len(f.Team) <= 200 {
		c.team = f.Team
	}
	v, token, err := c.h.chat.Hello(ctx, f.Token)
	if err != nil {
		return c.fail(ctx, err, "")
	}
	c.token = token
	cur, err := c.h.chat.Current(ctx, v)
	if err != nil {
		return c.fail(ctx, err, "")
	}
	teamID, err := c.h.chat.TeamFor(ctx, c.team)
	if err != nil {
		return c.fail(ctx, err, "")
	}
	online, err := c.h.chat.Online(ctx, teamID)
	if err != nil {
		return c.fail(ctx, err, "")
	}
	// A page that starts afresh (last_seq 0) gets the newest 200 messages; a reconnecting
	// one what came after its last seq.
	last := max(f.LastSeq, 0)
	var msgs []chat.Message
	if last == 0 {
		msgs, err = c.h.chat.Recent(ctx, v, 200)
	} else {
		msgs, err = c.h.chat.Messages(ctx, v, last, 200)
	}
	if err != nil {
		return c.fail(ctx, err, "")
	}
	history := make([]msgFrame, 0, len(msgs))
	for _, m := range msgs {
		history = append(history, c.frame(m))
		last = m.Seq
	}
	welcome := map[string]any{"type": "welcome", "token": token, "online": online, "history": history, "chat": nil}
	c.mu.Lock()
	c.visitor, c.lastSeq = v, last
	if cur != nil {
		welcome["chat"] = chatFrame(cur)
		c.status = statusKey(cur)
	}
	c.mu.Unlock()
	if err := c.send(ctx, welcome); err != nil {
		return err
	}
	if cur != nil {
		c.follow(cur)
		c.poke() // anything beyond the first 200
	}
	return nil
}

func chatFrame(ch *chat.Chat) map[string]any {
	return map[string]any{"number": ch.Number, "status": ch.Status, "state": ch.State, "agent": ch.Agent,
		"offline": ch.Offline, "rating": ch.Rating}
}

func statusKey(ch *chat.Chat) string { return ch.Status + "|" + ch.State + "|" + ch.Agent }

func (c *conn) frame(m chat.Message) msgFrame {
	f := msgFrame{Type: "msg", Seq: m.Seq, Number: m.Number, From: m.From, Author: m.Author, Body: m.Body,
		At: m.At.Format(time.RFC3339), CID: m.CID, Attachments: make([]attachmentFrame, 0, len(m.Attachments))}
	for _, a := range m.Attachments {
		f.Attachments = append(f.Attachments, attachmentFrame{ID: a.ID, Name: a.Name, Size: a.Size, Type: a.Type,
			URL: "/widget/files/" + strconv.FormatInt(a.ID, 10) + "?token=" + c.token})
	}
	return f
}

// push follows the visitor's chat until the connection ends: hints on the chat's topic, the
// nudges of the reading loop and a periodic catch-up all lead to one read of what is new.
func (c *conn) push(ctx context.Context) {
	var events <-chan realtime.Event
	end := func() {}
	defer func() { end() }()
	following := int64(0)
	timer := time.NewTimer(c.h.catchUp)
	defer timer.Stop()
	for {
		c.mu.Lock()
		number := c.number
		c.mu.Unlock()
		if number != following && c.h.broker != nil {
			end()
			events, end = c.h.broker.Subscribe(chat.TicketTopic(number))
			following = number
		}
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				events = nil // the broker closed: the catch-up carries on alone
				continue
			}
			if from, on, isTyping := chat.TypingEvent(e); isTyping {
				if from == "agent" {
					if c.send(ctx, map[string]any{"type": "typing", "from": "agent", "on": on, "author": e.Actor}) != nil {
						return
					}
				}
				continue
			}
			if e.Kind == "presence" {
				continue
			}
		case <-c.nudge:
		case <-timer.C:
			timer.Reset(c.h.catchUp)
		}
		if err := c.catchUp(ctx); err != nil {
			var lost lostConn
			gone := ctx.Err() != nil || c.h.base.Err() != nil || errors.As(err, &lost)
			if !gone {
				c.h.logger.WarnContext(ctx, "widget catch-up", "err", err)
			}
			return
		}
	}
}

// catchUp sends the messages after the last seq sent and the chat's status when it changed.
func (c *conn) catchUp(ctx context.Context) error {
	c.mu.Lock()
	v, last, ticketID := c.visitor, c.lastSeq, c.ticketID
	c.mu.Unlock()
	for {
		msgs, err := c.h.chat.Messages(ctx, v, last, 100)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := c.send(ctx, c.frame(m)); err != nil {
				return lostConn{err}
			}
			last = m.Seq
		}
		c.mu.Lock()
		c.lastSeq = last
		c.mu.Unlock()
		if len(msgs) < 100 {
			break
		}
	}
	if ticketID == 0 {
		return nil
	}
	ch, err := c.h.chat.State(ctx, ticketID)
	if err != nil {
		return err
	}
	key := statusKey(ch)
	c.mu.Lock()
	changed := key != c.status
	c.status = key
	c.mu.Unlock()
	if !changed {
		return nil
	}
	f := chatFrame(ch)
	f["type"] = "status"
	if err := c.send(ctx, f); err != nil {
		return lostConn{err}
	}
	return nil
}

// lostConn is a failed write: the visitor has gone, nothing to report.
type lostConn struct{ error }
