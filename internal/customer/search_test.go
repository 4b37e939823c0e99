package customer

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func TestCustomerSearch(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := NewService(db, nil)
		sys := auth.System()
		str := func(s string) *string { return &s }
		people := []Input{
			{Name: str("张伟"), Organization: str("杭州云栖科技有限公司"), Emails: []string{"zhangwei@qq.com"}, Phones: []string{"138 1234 5678"}},
			{Name: str("王芳"), Emails: []string{"wangfang@163.com"}, Phones: []string{"13987655678"}},
			{Name: str("Emily Carter"), Organization: str("Northwind Ltd"), Emails: []string{"emily.carter@gmail.com"}, Phones: []string{"+44 20 7946 0958"}},
			{Name: str("张丽"), ChatIDs: []string{"visitor-42"}},
		}
		ids := make([]int64, len(people))
		for i, in := range people {
			c, err := svc.Create(ctx, sys, in)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = c.ID
		}
		want := func(idx ...int) string {
			var out []int64
			for _, i := range idx {
				out = append(out, ids[i])
			}
			sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
			return fmt.Sprint(out)
		}
		for _, tc := range []struct {
			q    string
			want string
		}{
			{"张伟", want(0)},
			{"张", want(0, 3)},
			{"5678", want(0, 1)},          // phone endings
			{"12345678", want(0)},         //
			{"0958", want(2)},             //
			{"zhangwei@qq.com", want(0)},  // a whole address
			{"emi", want(2)},              // the beginning of a word, as typed
			{"云栖", want(0)},               // organization
			{"northwind", want(2)},        //
			{"visitor-42", want(3)},       // chat id
			{"李四", want()},                //
			{"Carter Emily", want(2)},     // words in any order
			{"ＥＭＩＬＹ", want(2)},            // full width
			{"wangfang 163", want(1)},     //
			{"zhangwei wangfang", want()}, // AND
		} {
			page, err := svc.List(ctx, sys, Filter{Query: tc.q})
			if err != nil {
				t.Fatalf("%q: %v", tc.q, err)
			}
			var got []int64
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			sort.Slice(got, func(a, b int) bool { return got[a] < got[b] })
			if fmt.Sprint(got) != tc.want && !(len(got) == 0 && tc.want == "[]") {
				t.Errorf("search %q: got %v, want %s", tc.q, got, tc.want)
			}
		}
		// A changed phone is found by its new ending only.
		if _, err := svc.Update(ctx, sys, ids[1], Input{Phones: []string{"13900001111"}}); err != nil {
			t.Fatal(err)
		}
		for q, n := range map[string]int{"1111": 1, "7655678": 0} {
			page, _ := svc.List(ctx, sys, Filter{Query: q})
			if len(page.Items) != n {
				t.Errorf("after phone change, %q finds %d, want %d", q, len(page.Items), n)
			}
		}
		// Paging through search results visits each match once.
		for i := range 30 {
			if _, err := svc.Create(ctx, sys, Input{Name: str(fmt.Sprintf("李明%d", i))}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		f := Filter{Query: "李明", Limit: 7}
		for {
			page, err := svc.List(ctx, sys, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				if seen[c.ID] {
					t.Fatalf("customer %d twice", c.ID)
				}
				seen[c.ID] = true
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if len(seen) != 30 {
			t.Fatalf("paged %d customers, want 30", len(seen))
		}
	})
}
