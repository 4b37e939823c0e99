package ticket

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// The same data and the same queries give the same answers on both engines: every case
// lists exactly which tickets must be found.
func TestSearch(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		sys := auth.System()
		users, afterSales, preSales, agent := searchTeams(t, db)
		outsider, err := users.Create(ctx, sys, user.CreateInput{Email: "b@x.cn", Name: "小王", Role: auth.RoleAgent, Teams: []int64{preSales.ID}})
		if err != nil {
			t.Fatal(err)
		}

		docs := []struct {
			subject, body, note string
		}{
			{"申请退款", "我的订单还没发货，想申请退款，退款进度在哪里看？", ""},                             // 1
			{"物流查询", "快递物流信息一直不更新", "已联系物流部核实"},                                  // 2
			{"Order delayed", "Why is my order delayed? It was due Monday.", ""}, // 3
			{"Invoice", "The order arrived but it was delayed by a week.", ""},   // 4
			{"空调不制冷", "空调KFR-35GW不制冷，需要上门维修", "内部：退款风险高"},                        // 5
			{"发票", "请开电子发票，订单已发货", ""},                                           // 6
			{"全角测试", "ＯＲＤＥＲ　１２３ 已经退货", ""},                                       // 7
		}
		numbers := make([]int64, len(docs))
		for i, d := range docs {
			tk, err := svc.Create(ctx, sys, CreateInput{Subject: d.subject, TeamID: afterSales.ID,
				Customer: CustomerRef{Email: fmt.Sprintf("c%d@example.com", i)}, Message: &MessageInput{Body: d.body}})
			if err != nil {
				t.Fatal(err)
			}
			numbers[i] = tk.Number
			if d.note != "" {
				if _, err := svc.AddMessage(ctx, agent.Actor(), tk.Number, MessageInput{Kind: KindNote, Body: d.note}); err != nil {
					t.Fatal(err)
				}
			}
		}
		nums := func(idx ...int) []int64 {
			out := []int64{}
			for _, i := range idx {
				out = append(out, numbers[i-1])
			}
			sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
			return out
		}
		customerOf1, _ := svc.Get(ctx, sys, numbers[0])
		cases := []struct {
			actor auth.Actor
			q     string
			want  []int64
		}{
			{sys, "退款", nums(1, 5)},
			{sys, "退款进度", nums(1)},
			{sys, "物流", nums(2)},
			{sys, "订单 发货", nums(1, 6)},
			{sys, "order delayed", nums(3, 4)},
			{sys, `"order delayed"`, nums(3)},
			{sys, "ＯＲＤＥＲ", nums(3, 4, 7)},
			{sys, "kfr-35gw", nums(5)},
			{sys, `"退"`, nums(1, 5, 7)},
			{sys, "制冷", nums(5)},
			{sys, "不存在的词", nums()},
			{sys, "申请", nums(1)},              // only in the subject of 1 and its body
			{sys, "空调 维修", nums(5)},           // subject word and body word in one document
			{agent.Actor(), "退款", nums(1, 5)}, // the note of 5 counts for staff
			{outsider.Actor(), "退款", nums()},  // another team sees nothing
			{auth.Actor{Kind: auth.ActorCustomer, ID: customerOf1.Customer.ID}, "退款", nums(1)},
			{auth.Actor{Kind: auth.ActorCustomer, ID: customerOf1.Customer.ID}, "物流", nums()},
		}
		for _, tc := range cases {
			for _, rank := range []string{"", "relevance"} {
				got := searchAll(t, svc, tc.actor, tc.q, rank, 2)
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("%s search %q (rank %q): got %v, want %v", tc.actor.Name, tc.q, rank, got, tc.want)
				}
			}
		}

		// Counting, snippets and the subject.
		page, err := svc.Search(ctx, sys, "退款", "", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 2 || page.TotalMore {
			t.Errorf("total %d more %v, want 2 exact", page.Total, page.TotalMore)
		}
		for _, h := range page.Items {
			if !strings.Contains(h.Match.Snippet, "<mark>退款</mark>") {
				t.Errorf("snippet %q has no highlighted word", h.Match.Snippet)
			}
		}
		// Filters combine with search.
		page, _ = svc.Search(ctx, sys, "退款", "", Filter{Statuses: []string{"closed"}})
		if len(page.Items) != 0 {
			t.Errorf("closed 退款 tickets: %d, want 0", len(page.Items))
		}
		// A customer filter reads that customer's messages (scoped), with the same visibility;
		// the count of a searcher who may open none of the matches is an exact zero.
		for _, tc := range []struct {
			actor auth.Actor
			want  int
		}{{agent.Actor(), 1}, {outsider.Actor(), 0}, {sys, 1}} {
			page, err := svc.Search(ctx, tc.actor, "退款", "", Filter{CustomerID: customerOf1.Customer.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tc.want || page.Total != tc.want || page.TotalMore {
				t.Errorf("%s, customer filter: %d items, total %d (more %v), want %d", tc.actor.Name, len(page.Items), page.Total, page.TotalMore, tc.want)
			}
		}
		page, _ = svc.Search(ctx, outsider.Actor(), "退款", "", Filter{})
		if len(page.Items) != 0 || page.Total != 0 || page.TotalMore || page.Next != "" {
			t.Errorf("outsider: %d items, total %d (more %v), next %q", len(page.Items), page.Total, page.TotalMore, page.Next)
		}
		// A renamed subject is found by its new words only.
		newSubject := "发票抬头错误"
		if _, err := svc.Update(ctx, agent.Actor(), numbers[1], Patch{Subject: &newSubject}); err != nil {
			t.Fatal(err)
		}
		if got := searchAll(t, svc, sys, "抬头", "", 10); fmt.Sprint(got) != fmt.Sprint(nums(2)) {
			t.Errorf("after rename: %v", got)
		}
		if got := searchAll(t, svc, sys, "查询", "", 10); len(got) != 0 {
			t.Errorf("old subject still found: %v", got)
		}
		// Bad queries are clear errors, never a scan.
		for _, bad := range []string{"", "AND AND", "*", `"`} {
			if _, err := svc.Search(ctx, sys, bad, "", Filter{}); err == nil {
				t.Errorf("query %q accepted", bad)
			}
		}
	})
}

// searchAll pages through every result, checking no ticket repeats.
func searchAll(t *testing.T, svc *Service, a auth.Actor, q, rank string, limit int) []int64 {
	t.Helper()
	out := []int64{}
	seen := map[int64]bool{}
	f := Filter{Limit: limit}
	for range 50 {
		p, err := svc.Search(context.Background(), a, q, rank, f)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		for _, h := range p.Items {
			if seen[h.Number] {
				t.Fatalf("search %q: ticket %d twice", q, h.Number)
			}
			seen[h.Number] = true
			out = append(out, h.Number)
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// searchTeams is the search tests' people: the teams 售后 and 售前, and 小刘, an agent of 售后.
func searchTeams(t *testing.T, db *storage.DB) (users *user.Service, afterSales, preSales *user.Team, agent *user.User) {
	t.Helper()
	ctx, sys := context.Background(), auth.System()
	users = user.NewService(db, nil)
	team := func(name string) *user.Team {
		kind := "team"
		tm, err := users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	afterSales, preSales = team("售后"), team("售前")
	agent, err := users.Create(ctx, sys, user.CreateInput{Email: "a@x.cn", Name: "小刘", Role: auth.RoleAgent, Teams: []int64{afterSales.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return users, afterSales, preSales, agent
}
