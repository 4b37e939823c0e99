package ticket

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// Hooks hear every kind of change with the ticket before and after, inside the command's
// transaction: a hook's failure undoes the change.
func TestHooksSeeChangesInsideTheTransaction(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		var seen []Change
		fail := false
		svc.OnChange(func(tx *storage.Tx, c Change) error {
			if fail {
				return errors.New("hook refuses")
			}
			seen = append(seen, c)
			return nil
		})
		tk, err := svc.Create(ctx, auth.System(), CreateInput{Subject: "发票抬头错了", Customer: CustomerRef{Email: "a@example.com"}, Message: &MessageInput{Body: "请重开发票"}})
		if err != nil {
			t.Fatal(err)
		}
		urgent := "urgent"
		if _, err := svc.Update(ctx, auth.System(), tk.Number, Patch{Priority: &urgent}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMessage(ctx, auth.System(), tk.Number, MessageInput{Body: "已处理", Author: "agent"}); err != nil {
			t.Fatal(err)
		}
		want := []string{ChangeCreated, ChangeUpdated, ChangeMessage}
		if len(seen) != len(want) {
			t.Fatalf("%d changes heard, want %d", len(seen), len(want))
		}
		for i, c := range seen {
			if c.Kind != want[i] || c.After == nil || c.After.ID != tk.ID {
				t.Errorf("change %d: kind %q, after %+v; want %q", i, c.Kind, c.After, want[i])
			}
		}
		if seen[0].Before != nil || seen[1].Before.Priority != "normal" || seen[1].After.Priority != "urgent" {
			t.Errorf("update: before %q, after %q", seen[1].Before.Priority, seen[1].After.Priority)
		}
		if m := seen[2].Message; m == nil || m.Kind != KindReply || m.AuthorKind != "agent" {
			t.Errorf("message change: %+v", m)
		}
		fail = true
		low := "low"
		if _, err := svc.Update(ctx, auth.System(), tk.Number, Patch{Priority: &low}); err == nil {
			t.Fatal("update succeeded although its hook failed")
		}
		if got, _ := svc.Get(ctx, auth.System(), tk.Number); got.Priority != "urgent" {
			t.Fatalf("priority %q after a failed hook, want urgent", got.Priority)
		}
	})
}
