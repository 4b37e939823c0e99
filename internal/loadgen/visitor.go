package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// visitor is one widget connection.
type visitor struct {
	r        *run
	id       int
	chatting bool
	ws       *websocket.Conn
	closed   atomic.Bool

	number  atomic.Int64 // the chat's ticket number once started
	replyAt atomic.Int64 // when the agent sent the reply being waited for (Unix ns), 0: none
	replied chan struct{}
	acked   chan ack
}

type ack struct {
	number int64
	err    string
}

// frame is the part of a server frame the generator reads.
type frame struct {
	Type   string `json:"type"`
	Code   string `json:"code"`
	CID    string `json:"cid"`
	Number int64  `json:"number"`
	From   string `json:"from"`
}

// connect dials /widget/ws, says hello and waits for the welcome; the connection then lives
// on ctx (the run), read by its own goroutine.
func (v *visitor) connect(dialCtx, ctx context.Context, hc *http.Client) error {
	u := *v.r.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path = "/widget/ws"
	dctx, cancel := context.WithTimeout(dialCtx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPClient: hc, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return err
	}
	ws.SetReadLimit(1 << 20)
	v.ws = ws
	hello, _ := json.Marshal(map[string]any{"type": "hello", "token": "", "last_seq": 0, "lang": v.r.o.Lang})
	if err := ws.Write(dctx, websocket.MessageText, hello); err != nil {
		ws.CloseNow()
		return err
	}
	_, data, err := ws.Read(dctx)
	if err != nil {
		ws.CloseNow()
		return err
	}
	var f frame
	if json.Unmarshal(data, &f) != nil || f.Type != "welcome" {
		ws.CloseNow()
		if f.Type == "error" {
			return fmt.Errorf("hello refused: %s", f.Code)
		}
		return fmt.Errorf("hello answered with %.60s", data)
	}
	v.r.open.Add(1)
	go v.read(ctx)
	return nil
}

// read handles the server's frames until the connection ends.
func (v *visitor) read(ctx context.Context) {
	defer v.r.open.Add(-1)
	for {
		_, data, err := v.ws.Read(ctx)
		if err != nil {
			if !v.closed.Load() && ctx.Err() == nil {
				// The server (or the network) ended it, not the generator.
				v.r.dropped.Add(1)
				reason := err.Error()
				if st := websocket.CloseStatus(err); st != -1 {
					reason = "close status " + st.String()
				}
				v.r.countDrop(reason)
			}
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		switch f.Type {
		case "msg":
			if f.From != "agent" {
				continue
			}
			if at := v.replyAt.Swap(0); at != 0 {
				v.r.toVisitor.add(time.Since(time.Unix(0, at)))
				select {
				case v.replied <- struct{}{}:
				default:
				}
			}
		case "ack":
			if f.Number != 0 && v.number.Load() == 0 {
				select {
				case v.acked <- ack{number: f.Number}:
				default:
				}
			}
		case "error":
			v.r.countFrameError(f.Code)
			if f.CID != "" && v.number.Load() == 0 {
				select {
				case v.acked <- ack{err: f.Code}:
				default:
				}
			}
		}
	}
}

// send writes one frame; a failure is the end of the connection, seen by read.
func (v *visitor) send(ctx context.Context, m map[string]any) error {
	if v.closed.Load() {
		return errors.New("closed")
	}
	b, _ := json.Marshal(m)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return v.ws.Write(wctx, websocket.MessageText, b)
}

func (v *visitor) close() {
	v.closed.Store(true)
	v.ws.Close(websocket.StatusNormalClosure, "")
}
