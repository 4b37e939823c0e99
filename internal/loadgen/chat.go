package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	streamTopics = 100 // ticket topics per event stream (the server's cap)
	replyWorkers = 64  // the agent's replies in flight at once
)

// chatter is a chatting visitor's side of the measurement.
type chatter struct {
	*visitor
	sentAt atomic.Int64 // when the message being waited for was sent (Unix ns), 0: none
}

// chat starts the chats, opens the agent's event streams and lets visitors and agent talk
// for o.Duration.
func (r *run) chat(ctx context.Context) error {
	r.mu.Lock()
	var chatters []*chatter
	for _, v := range r.visitors {
		if v.chatting {
			chatters = append(chatters, &chatter{visitor: v})
		}
	}
	r.mu.Unlock()

	// Every chatting visitor starts a chat (a ticket, channel chat).
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	for _, c := range chatters {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := c.send(ctx, map[string]any{"type": "start", "cid": fmt.Sprintf("start-%d", c.id),
				"name": fmt.Sprintf("访客%d", c.id), "email": fmt.Sprintf("visitor%d@loadtest.example", c.id),
				"topic": "售前咨询", "body": "您好，我想咨询一下产品。"})
			if err != nil {
				r.countFrameError("start_write")
				return
			}
			select {
			case a := <-c.acked:
				if a.number > 0 {
					c.number.Store(a.number)
				}
			case <-time.After(30 * time.Second):
				r.countFrameError("start_timeout")
			case <-ctx.Done():
			}
		}()
	}
	wg.Wait()
	byNumber := map[int64]*chatter{}
	var numbers []int64
	for _, c := range chatters {
		if n := c.number.Load(); n > 0 {
			byNumber[n] = c
			numbers = append(numbers, n)
		}
	}
	r.rep.Chats = len(numbers)
	r.logf("%d of %d chats started", len(numbers), len(chatters))
	if len(numbers) == 0 {
		return fmt.Errorf("no chat started (errors: %v)", r.rep.FrameErrors)
	}

	// The agent: event streams over every chat, and workers that reply.
	runCtx, stop := context.WithCancel(ctx)
	var streams sync.WaitGroup
	defer func() { stop(); streams.Wait() }()
	replies := make(chan *chatter, len(numbers))
	for i := 0; i < len(numbers); i += streamTopics {
		batch := numbers[i:min(i+streamTopics, len(numbers))]
		ready := make(chan error, 1)
		streams.Add(1)
		go func() {
			defer streams.Done()
			r.agentStream(runCtx, batch, byNumber, replies, ready)
		}()
		if err := <-ready; err != nil {
			return fmt.Errorf("agent event stream: %w", err)
		}
	}
	for range replyWorkers {
		streams.Add(1)
		go func() {
			defer streams.Done()
			r.replyWorker(runCtx, replies)
		}()
	}

	// Visitors talk until the duration is over; the first messages are spread over one interval.
	r.logf("chatting for %s", r.o.Duration)
	deadline := time.Now().Add(r.o.Duration)
	var talk sync.WaitGroup
	for _, n := range numbers {
		c := byNumber[n]
		talk.Add(1)
		go func() {
			defer talk.Done()
			sleep(runCtx, time.Duration(rand.Int64N(int64(r.o.Interval))))
			for seq := 1; time.Now().Before(deadline) && runCtx.Err() == nil; seq++ {
				c.sentAt.Store(time.Now().UnixNano())
				err := c.send(runCtx, map[string]any{"type": "msg", "cid": fmt.Sprintf("m-%d-%d", c.id, seq), "body": "请问什么时候发货？第 " + strconv.Itoa(seq) + " 条"})
				if err != nil {
					return
				}
				r.sent.Add(1)
				select {
				case <-c.replied:
				case <-time.After(cycleTimeout):
					r.lost.Add(1)
					c.sentAt.Store(0)
					c.replyAt.Store(0)
				case <-runCtx.Done():
					return
				}
				sleep(runCtx, min(jitter(r.o.Interval), time.Until(deadline)))
			}
		}()
	}
	talk.Wait()
	r.rep.Sent, r.rep.Lost = int(r.sent.Load()), int(r.lost.Load())
	r.rep.ToAgent, r.rep.ToVisitor = r.toAgent.summary(), r.toVisitor.summary()
	return nil
}

// agentStream follows one batch of chats on GET /api/v1/events/stream; a visitor's message
// (kind message, no staff actor) is timed and handed to the reply workers.
func (r *run) agentStream(ctx context.Context, numbers []int64, byNumber map[int64]*chatter, replies chan<- *chatter, ready chan<- error) {
	topics := make([]string, len(numbers))
	for i, n := range numbers {
		topics[i] = "ticket:" + strconv.FormatInt(n, 10)
	}
	u := *r.base
	u.Path = "/api/v1/events/stream"
	u.RawQuery = "topics=" + strings.Join(topics, ",")
	req, _ := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	req.Header.Set("Authorization", "Bearer "+r.o.Token)
	resp, err := r.api.Do(req)
	if err != nil {
		ready <- err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		ready <- fmt.Errorf("%s: %s", resp.Status, b)
		return
	}
	sc := bufio.NewScanner(resp.Body)
	isReady := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e struct {
			Topic   string `json:"topic"`
			Kind    string `json:"kind"`
			ActorID int64  `json:"actor_id"`
		}
		if json.Unmarshal([]byte(data), &e) != nil {
			continue
		}
		if !isReady {
			isReady = e.Kind == "ready"
			if isReady {
				ready <- nil
			}
			continue
		}
		if e.Kind != "message" || e.ActorID != 0 {
			continue // the agent's own replies, status changes, typing
		}
		n, _ := strconv.ParseInt(strings.TrimPrefix(e.Topic, "ticket:"), 10, 64)
		c := byNumber[n]
		if c == nil {
			continue
		}
		if at := c.sentAt.Swap(0); at != 0 {
			r.toAgent.add(time.Since(time.Unix(0, at)))
			select {
			case replies <- c:
			default:
			}
		}
	}
	if !isReady {
		ready <- fmt.Errorf("the stream ended before it was ready: %v", sc.Err())
	}
}

// replyWorker answers visitors through POST /api/v1/tickets/{n}/messages.
func (r *run) replyWorker(ctx context.Context, replies <-chan *chatter) {
	u := *r.base
	for {
		var c *chatter
		select {
		case <-ctx.Done():
			return
		case c = <-replies:
		}
		u.Path = fmt.Sprintf("/api/v1/tickets/%d/messages", c.number.Load())
		body := `{"body":"您好，订单今天下午发货。"}`
		req, _ := http.NewRequestWithContext(ctx, "POST", u.String(), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.o.Token)
		req.Header.Set("Content-Type", "application/json")
		c.replyAt.Store(time.Now().UnixNano())
		resp, err := r.api.Do(req)
		if err != nil {
			c.replyAt.Store(0)
			if ctx.Err() == nil {
				r.countFrameError("reply_failed")
			}
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			c.replyAt.Store(0)
			r.countFrameError("reply_" + strconv.Itoa(resp.StatusCode))
		}
	}
}
