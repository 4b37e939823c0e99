package search

import (
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, fts, ts string
	}{
		{"退款", `"退款"`, `'退款'`},
		{"退款进度", `"退款 款进 进度"`, `('退款' <-> '款进' <-> '进度')`},
		{"订单 发货", `"订单" AND "发货"`, `'订单' & '发货'`},
		{"order delayed", `"order" AND "delayed"`, `'order' & 'delayed'`},
		{`"order delayed"`, `"order delayed"`, `('order' <-> 'delayed')`},
		{`"退"`, `"退"*`, `'退':*`},
		{"ＯＲＤＥＲ　退款", `"order" AND "退款"`, `'order' & '退款'`},
		{"iPhone退款", `"iphone 退款"`, `('iphone' <-> '退款')`},
		{"退款iPhone", `"退款 款 iphone"`, `('退款' <-> '款' <-> 'iphone')`},
		{"“物流 信息”", `"物流 流 信息"`, `('物流' <-> '流' <-> '信息')`},
		{`"unclosed phrase`, `"unclosed phrase"`, `('unclosed' <-> 'phrase')`},
		{"退款 AND 物流", `"退款" AND "物流"`, `'退款' & '物流'`},
		{"退款 退款", `"退款"`, `'退款'`},
		{"it's", `"it s"`, `('it' <-> 's')`},
	} {
		q, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := q.FTS5(); got != tc.fts {
			t.Errorf("Parse(%q).FTS5() = %s, want %s", tc.in, got, tc.fts)
		}
		if got := q.TSQuery(); got != tc.ts {
			t.Errorf("Parse(%q).TSQuery() = %s, want %s", tc.in, got, tc.ts)
		}
	}
}

func TestParseRejects(t *testing.T) {
	long := ""
	for range MaxQueryChars + 1 {
		long += "字"
	}
	for _, tc := range []struct{ in, code string }{
		{"", "nothing_to_search"},
		{"   ", "nothing_to_search"},
		{"AND AND", "nothing_to_search"},
		{"*", "nothing_to_search"},
		{`""`, "nothing_to_search"},
		{"！？。", "nothing_to_search"},
		{long, "too_long"},
		{"a b c d e f g h i j k l m n o p q", "too_many"},
	} {
		_, err := Parse(tc.in)
		e, ok := apperr.As(err)
		if !ok || !errors.Is(err, &apperr.Error{Kind: apperr.KindInvalid}) || e.Fields["q"].Code != tc.code {
			t.Errorf("Parse(%q) = %v, want q: %s", tc.in, err, tc.code)
		}
	}
}

func TestTSVector(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"退款退款", `'退款':1,3 '款退':2 '款':4`},
		{"It's O'Neil", `'it':1 's':2 'o':3 'neil':4`},
		{"", ``},
	} {
		if got := TSVector(tc.in); got != tc.want {
			t.Errorf("TSVector(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
