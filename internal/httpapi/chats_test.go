package httpapi

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu/internal/chat"
	"github.com/kefuhq/kefu/internal/rating"
)

// oaChat exercises the chat operations for the OpenAPI conformance test: a visitor's chat
// waits, an agent accepts it, types, closes it; the visitor rates it; settings change.
func oaChat(c *oaClient, chats *chat.Service, agent, dept, admin string, team int64) error {
	ctx := context.Background()
	v, _, err := chats.Hello(ctx, "")
	if err != nil {
		return err
	}
	ack, _, err := chats.Start(ctx, v, chat.StartInput{CID: "c1", Name: "访客", Email: "visitor@example.com", Body: "在吗？想问下发货时间"})
	if err != nil {
		return err
	}
	n := ack.Number
	waiting := c.do(agent, 200, "GET", "/api/v1/chats", nil)
	if items, _ := waiting.body["items"].([]any); len(items) != 1 {
		return fmt.Errorf("waiting chats: %v", waiting.body)
	}
	c.do(agent, 400, "GET", "/api/v1/chats?view=everything", nil)
	c.do(dept, 404, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
	c.do(agent, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
	c.do(admin, 409, "POST", fmt.Sprintf("/api/v1/chats/%d/accept", n), nil)
	mine := c.do(agent, 200, "GET", "/api/v1/chats?view=mine&limit=10", nil)
	if items, _ := mine.body["items"].([]any); len(items) != 1 {
		return fmt.Errorf("my chats: %v", mine.body)
	}
	c.do(agent, 204, "POST", fmt.Sprintf("/api/v1/tickets/%d/typing", n), map[string]any{"on": true})
	c.do(agent, 404, "POST", "/api/v1/tickets/999999/typing", map[string]any{"on": true})
	c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", n), nil)
	c.do(agent, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/close", n), nil)
	if _, err := chats.Rate(ctx, v, rating.Input{Score: 5, Comment: "回复很快"}); err != nil {
		return err
	}
	rated := c.do(agent, 200, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", n), nil)
	if r, _ := rated.body["rating"].(map[string]any); r == nil || r["score"] != float64(5) {
		return fmt.Errorf("rating: %v", rated.body)
	}
	c.do(dept, 404, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", n), nil)
	c.do(admin, 200, "PUT", "/api/v1/chat/settings", map[string]any{"default_team_id": team})
	c.do(admin, 400, "PUT", "/api/v1/chat/settings", map[string]any{"default_team_id": 987654})
	c.do(agent, 403, "PUT", "/api/v1/chat/settings", map[string]any{"default_team_id": 0})
	if got := c.do(agent, 200, "GET", "/api/v1/chat/settings", nil); got.num("default_team_id") != team {
		return fmt.Errorf("chat settings: %v", got.body)
	}
	return nil
}
