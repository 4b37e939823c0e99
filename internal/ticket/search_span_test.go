package ticket

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// On PostgreSQL a search reads the message index in spans of message ids, newest first
// (search.Walk). Messages far apart in id — across buckets of every level, on and next to
// bucket edges — are all found, newest first, each once, page after page, with an exact
// count; relevance ranks them all. On SQLite the ids cannot jump, so the same searches run
// over close ids and must give the same answers.
func TestSearchAcrossIDSpans(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		sys := auth.System()
		_, team, other, agent := searchTeams(t, db)

		// Message ids to jump to before each group of tickets: bucket edges of the levels
		// 2^14, 2^17, 2^20, 2^23 and 2^26 (a group of three messages may straddle one), and an id
		// past several of the largest buckets.
		jumps := []int64{0, 1<<14 - 2, 1<<17 + 3, 3<<20 + 5, 1<<23 - 1, 1<<26 + 2, 3<<26 + 1<<17}
		var refund, refundOther []int64 // ticket numbers, oldest first
		for i, at := range jumps {
			if at > 0 && db.Dialect() == storage.Postgres {
				err := db.Write(ctx, func(tx *storage.Tx) error {
					_, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE messages ALTER COLUMN id RESTART WITH %d`, at))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			for j, body := range []string{"申请退款，订单未发货", "物流很慢", "退款到账了吗"} {
				teamID := team.ID
				if j == 2 && i%2 == 1 {
					teamID = other.ID // every other group has one refund the agent may not open
				}
				tk, err := svc.Create(ctx, sys, CreateInput{Subject: fmt.Sprintf("第%d组", i), TeamID: teamID,
					Customer: CustomerRef{Email: fmt.Sprintf("c%d-%d@example.com", i, j)}, Message: &MessageInput{Body: body}})
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case j == 1:
				case teamID == team.ID:
					refund = append(refund, tk.Number)
				default:
					refundOther = append(refundOther, tk.Number)
				}
			}
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(refund), refundOther...)))
		for _, tc := range []struct {
			actor auth.Actor
			want  []int64
		}{{sys, all}, {agent.Actor(), refund}} {
			for _, limit := range []int{1, 3, 25} {
				// Newest first, page by page, each ticket once.
				var got []int64
				f := Filter{Limit: limit}
				for range 100 {
					p, err := svc.Search(ctx, tc.actor, "退款", "", f)
					if err != nil {
						t.Fatal(err)
					}
					if f.Cursor == "" && (p.Total != len(tc.want) || p.TotalMore) {
						t.Errorf("%s: total %d (more %v), want %d", tc.actor.Name, p.Total, p.TotalMore, len(tc.want))
					}
					for _, h := range p.Items {
						got = append(got, h.Number)
					}
					if p.Next == "" {
						break
					}
					f.Cursor = p.Next
				}
				want := slices.Clone(tc.want)
				slices.Reverse(want)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s, pages of %d: got %v, want %v", tc.actor.Name, limit, got, want)
				}
			}
			if got := searchAll(t, svc, tc.actor, "退款", "relevance", 4); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s, relevance: got %v, want %v", tc.actor.Name, got, tc.want)
			}
			// A phrase and an AND across the spans.
			if got := searchAll(t, svc, sys, `"申请退款" 发货`, "", 2); len(got) != len(jumps) {
				t.Errorf("phrase and word: %d tickets, want %d", len(got), len(jumps))
			}
		}
	})
}

// A message that moves to another ticket (merge, split) is found under its new ticket: on
// PostgreSQL the index row carries the ticket and a trigger moves it along.
func TestSearchFollowsMovedMessages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		sys := auth.System()
		create := func(subject, body string) *Ticket {
			tk, err := svc.Create(ctx, sys, CreateInput{Subject: subject,
				Customer: CustomerRef{Email: "same@example.com"}, Message: &MessageInput{Body: body}})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		a := create("第一单", "洗衣机漏水，申请退款")
		b := create("第二单", "洗衣机还是漏水")
		if _, err := svc.Merge(ctx, sys, a.Number, b.Number); err != nil {
			t.Fatal(err)
		}
		if got := searchAll(t, svc, sys, "退款", "", 5); fmt.Sprint(got) != fmt.Sprint([]int64{b.Number}) {
			t.Errorf("after merge: 退款 finds %v, want [%d]", got, b.Number)
		}
		extra, err := svc.AddMessage(ctx, sys, b.Number, MessageInput{Body: "另外，冰箱不制冷"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.Split(ctx, sys, b.Number, SplitInput{MessageID: extra.ID, Subject: "冰箱"})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchAll(t, svc, sys, "制冷", "", 5); fmt.Sprint(got) != fmt.Sprint([]int64{c.Number}) {
			t.Errorf("after split: 制冷 finds %v, want [%d]", got, c.Number)
		}
		if got := searchAll(t, svc, sys, "漏水", "relevance", 5); fmt.Sprint(got) != fmt.Sprint([]int64{b.Number}) {
			t.Errorf("after split: 漏水 finds %v, want [%d]", got, b.Number)
		}
	})
}
