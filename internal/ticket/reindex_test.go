package ticket

import (
	"context"
	"fmt"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// Rebuilding the indexes from scratch gives the same answers as keeping them current
// command by command (including after a rename, a merge and a split).
func TestRebuildMatchesIncrementalIndex(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		customers := customer.NewService(db, nil)
		sys := auth.System()
		g := sample.New(7)
		var numbers []int64
		for i := range 60 {
			typ, sub := g.TicketType()
			sc := g.Script(typ, sub, 4, "")
			p := g.Person()
			tk, err := svc.Create(ctx, sys, CreateInput{Subject: sc.Subject, Type: typ, Subtype: sub,
				Customer: CustomerRef{Email: p.Email, Name: p.Name}, Message: &MessageInput{Body: sc.Lines[0].Text}})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range sc.Lines[1:] {
				in := MessageInput{Body: l.Text}
				if l.FromCustomer {
					in.Author = "customer"
				} else if l.Internal {
					in.Kind = KindNote
				}
				if _, err := svc.AddMessage(ctx, sys, tk.Number, in); err != nil {
					t.Fatal(err)
				}
			}
			if i%10 == 0 {
				s := "改名：" + sc.Subject
				if _, err := svc.Update(ctx, sys, tk.Number, Patch{Subject: &s}); err != nil {
					t.Fatal(err)
				}
			}
			numbers = append(numbers, tk.Number)
		}
		if _, err := svc.Split(ctx, sys, numbers[3], SplitInput{MessageID: firstMessageOf(t, svc, numbers[3]), Subject: "拆分出来的工单"}); err != nil {
			t.Fatal(err)
		}
		queries := []string{"退款", "物流", "订单 发货", "order", "改名", "拆分", `"退"`, "refund", "维修 上门", "发票"}
		snapshot := func() string {
			out := ""
			for _, q := range queries {
				out += fmt.Sprintf("%s=%v;", q, searchAll(t, svc, sys, q, "", 100))
				page, err := customers.List(ctx, sys, customer.Filter{Query: q, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				out += fmt.Sprintf("c:%d;", len(page.Items))
			}
			return out
		}
		before := snapshot()
		st, err := search.Rebuild(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Messages < 240 || st.Customers < 50 {
			t.Fatalf("rebuild indexed %d messages, %d customers", st.Messages, st.Customers)
		}
		if after := snapshot(); after != before {
			t.Fatalf("after rebuild:\n%s\nbefore:\n%s", after, before)
		}
	})
}

func firstMessageOf(t *testing.T, svc *Service, number int64) int64 {
	msgs, err := svc.Messages(context.Background(), auth.System(), number, 0, 10)
	if err != nil || len(msgs) < 2 {
		t.Fatalf("messages of %d: %v", number, err)
	}
	return msgs[0].ID
}
