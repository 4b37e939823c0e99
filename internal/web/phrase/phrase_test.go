package phrase

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func TestExpand(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"{customer}您好，我是{agent}。", "张三您好，我是王小明。"},
		{"工单{ticket}已处理", "工单#10001已处理"},
		{"没有变量", "没有变量"},
		{"{unknown}", "{unknown}"},
	} {
		if got := Expand(c.body, "张三", "王小明", 10001); got != c.want {
			t.Errorf("Expand(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestService(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := NewService(db, nil)
		agent := auth.Actor{Kind: auth.ActorUser, ID: 9, Role: auth.RoleAgent}
		supervisor := auth.Actor{Kind: auth.ActorUser, Role: auth.RoleSupervisor}
		if _, err := s.Create(ctx, agent, Input{Category: "greeting", Title: "x", Body: "y"}); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("agent created a phrase: %v", err)
		}
		for _, c := range []struct {
			in    Input
			field string
		}{
			{Input{Category: "nope", Title: "x", Body: "y"}, "category"},
			{Input{Category: "closing", Title: " ", Body: "y"}, "title"},
			{Input{Category: "closing", Title: "x", Body: ""}, "body"},
		} {
			_, err := s.Create(ctx, supervisor, c.in)
			if e, ok := apperr.As(err); !ok || e.Fields[c.field].Code == "" {
				t.Errorf("%+v: %v, want a %s error", c.in, err, c.field)
			}
		}
		closing, err := s.Create(ctx, supervisor, Input{Category: "closing", Title: "结束", Body: "感谢您的耐心。"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, auth.System(), Input{Category: "greeting", Title: "问候", Body: "{customer}您好"}); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 2 || list[0].Category != "greeting" || list[1].Category != "closing" {
			t.Fatalf("list in category order: %+v %v", list, err)
		}
		if _, err := s.Update(ctx, supervisor, closing.ID, Input{Category: "closing", Title: "结束", Body: "祝您生活愉快！"}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Get(ctx, closing.ID); p.Body != "祝您生活愉快！" {
			t.Fatalf("update: %+v", p)
		}
		if err := s.Delete(ctx, supervisor, closing.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, supervisor, closing.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}
