package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// sse is an open event stream read frame by frame.
type sse struct {
	resp   *http.Response
	frames chan realtime.Event
}

// openStream opens GET /api/v1/events/stream as c; it fails the test unless it answers 200
// with an event stream whose first event is "ready".
func openStream(t *testing.T, s *apitest.Server, c *apitest.Client, topics string) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/events/stream?topics="+topics, nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %s: %d %s", topics, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &sse{resp: resp, frames: make(chan realtime.Event, 64)}
	go func() {
		defer close(st.frames)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue // retry:, heartbeats, blank lines
			}
			var e realtime.Event
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				t.Errorf("frame %q: %v", data, err)
				return
			}
			st.frames <- e
		}
	}()
	if e := st.next(t); e.Kind != "ready" {
		t.Fatalf("first event %+v, want ready", e)
	}
	return st
}

func (st *sse) next(t *testing.T) realtime.Event {
	t.Helper()
	select {
	case e, ok := <-st.frames:
		if !ok {
			t.Fatal("stream ended")
		}
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no event")
	}
	return realtime.Event{}
}

// until reads events until one of kind arrives and returns it.
func (st *sse) until(t *testing.T, topic, kind string) realtime.Event {
	t.Helper()
	for {
		if e := st.next(t); e.Topic == topic && e.Kind == kind {
			return e
		}
	}
}

func (st *sse) ended(t *testing.T) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e, ok := <-st.frames:
			if !ok {
				return
			}
			t.Logf("before the end: %+v", e)
		case <-deadline:
			t.Fatal("stream still open")
		}
	}
}

func TestEventStream(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, s *apitest.Server) {
		presale, aftersale, finance := s.Team("售前咨询组", "team"), s.Team("售后一组", "team"), s.Team("财务部", "department")
		li := s.NewUser("li@example.com", "李娜", auth.RoleAgent, presale)
		wang := s.NewUser("wang@example.com", "王芳", auth.RoleAgent, aftersale)
		zhao := s.NewUser("zhao@example.com", "赵", auth.RoleDepartment, finance)
		mine := apitest.Num(s.Admin.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": "空调不制冷", "team_id": presale,
			"customer": map[string]any{"email": "a@example.com"}, "message": map[string]any{"body": "不冷"}}), "number")
		theirs := apitest.Num(s.Admin.Must(201, "POST", "/api/v1/tickets", map[string]any{"subject": "退款", "team_id": aftersale,
			"customer": map[string]any{"email": "b@example.com"}, "message": map[string]any{"body": "退款进度"}}), "number")

		// Refusals. A ticket the caller may not open reads exactly like one that does not exist.
		if resp, err := http.Get(s.URL + "/api/v1/events/stream?topics=inbox"); err != nil || resp.StatusCode != 401 {
			t.Errorf("without a token: %v %v", resp.Status, err)
		} else {
			resp.Body.Close()
		}
		hidden := li.Do("GET", fmt.Sprintf("/api/v1/events/stream?topics=ticket:%d", theirs), nil)
		missing := li.Do("GET", "/api/v1/events/stream?topics=ticket:999999", nil)
		if hidden.Status != 404 || missing.Status != 404 || string(hidden.Body) != string(missing.Body) {
			t.Errorf("another team's ticket: %d %s; a missing one: %d %s", hidden.Status, hidden.Body, missing.Status, missing.Body)
		}
		mixed := li.Do("GET", fmt.Sprintf("/api/v1/events/stream?topics=inbox,ticket:%d,ticket:%d", mine, theirs), nil)
		if mixed.Status != 404 {
			t.Errorf("one hidden ticket among visible topics: %d", mixed.Status)
		}
		if r := zhao.Do("GET", "/api/v1/events/stream?topics=inbox", nil); r.Status != 403 {
			t.Errorf("department staff on the inbox: %d", r.Status)
		}
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprintf("ticket:%d", i+1)
		}
		for q, want := range map[string]string{
			"":                                  "required",
			"topics=":                           "required",
			"topics=everything":                 "invalid",
			"topics=ticket:":                    "invalid",
			"topics=ticket:-1":                  "invalid",
			"topics=ticket:007":                 "invalid",
			"topics=inbox,ticket:1x":            "invalid",
			"topics=" + strings.Join(many, ","): "too_many",
		} {
			r := li.Do("GET", "/api/v1/events/stream?"+q, nil)
			var body struct {
				Error struct {
					Code   string
					Fields map[string]struct{ Code, Message string }
				}
			}
			json.Unmarshal(r.Body, &body)
			if f := body.Error.Fields["topics"]; r.Status != 400 || f.Code != want || !hasCJK(f.Message) {
				t.Errorf("?%.40s: %d %s, want 400 %s in Chinese", q, r.Status, r.Body, want)
			}
		}

		// A change through the API reaches the stream, with who made it.
		st := openStream(t, s, li, fmt.Sprintf("inbox,ticket:%d", mine))
		s.Admin.Must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", mine), map[string]any{"body": "您好，请问型号？"})
		if e := st.until(t, fmt.Sprintf("ticket:%d", mine), "message"); e.ActorID != s.Admin.UserID || e.At.IsZero() {
			t.Errorf("message event %+v", e)
		}

		// An inbox event naming a ticket reaches only those who may open it.
		s.App.Realtime.Publish(realtime.Event{Topic: "inbox", Kind: "chat_new", Data: json.RawMessage(fmt.Sprintf(`{"number":%d}`, theirs))})
		s.App.Realtime.Publish(realtime.Event{Topic: "inbox", Kind: "chat_new", Data: json.RawMessage(fmt.Sprintf(`{"number":%d}`, mine))})
		if e := st.until(t, "inbox", "chat_new"); string(e.Data) != fmt.Sprintf(`{"number":%d}`, mine) {
			t.Errorf("li heard of a chat in another team: %s", e.Data)
		}
		wangs := openStream(t, s, wang, "inbox")
		s.App.Realtime.Publish(realtime.Event{Topic: "inbox", Kind: "chat_new", Data: json.RawMessage(fmt.Sprintf(`{"number":%d}`, theirs))})
		if e := wangs.until(t, "inbox", "chat_new"); string(e.Data) != fmt.Sprintf(`{"number":%d}`, theirs) {
			t.Errorf("wang: %s", e.Data)
		}

		// Transferred out of li's sight: the topic is gone and, as it was the only one, the stream ends.
		only := openStream(t, s, li, fmt.Sprintf("ticket:%d", mine))
		s.Admin.Must(200, "POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", mine), map[string]any{"team_id": aftersale, "reason": "售后处理"})
		only.until(t, fmt.Sprintf("ticket:%d", mine), "gone")
		only.ended(t)
		st.until(t, fmt.Sprintf("ticket:%d", mine), "gone") // the inbox stream goes on
		s.App.Realtime.Publish(realtime.Event{Topic: "inbox", Kind: "chat_new"})
		st.until(t, "inbox", "chat_new")

		// The stream and its refusals are what the document says.
		spec := s.Admin.Must(200, "GET", "/api/v1/openapi.json", nil)
		op := spec["paths"].(map[string]any)["/api/v1/events/stream"].(map[string]any)["get"].(map[string]any)
		responses := op["responses"].(map[string]any)
		for _, code := range []string{"200", "400", "401", "403", "404"} {
			if responses[code] == nil {
				t.Errorf("status %s is not documented", code)
			}
		}
		if _, ok := responses["200"].(map[string]any)["content"].(map[string]any)["text/event-stream"]; !ok {
			t.Error("the 200 answer is not documented as text/event-stream")
		}
	})
}
