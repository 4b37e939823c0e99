package search

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"退款", []string{"退款", "款"}},
		{"申请退款", []string{"申请", "请退", "退款", "款"}},
		{"退", []string{"退"}},
		{"Order delayed!", []string{"order", "delayed"}},
		{"ＯＲＤＥＲ　１２３", []string{"order", "123"}},
		{"iPhone退款进度", []string{"iphone", "退款", "款进", "进度", "度"}},
		{"空调KFR-35GW不制冷", []string{"空调", "调", "kfr", "35gw", "不制", "制冷", "冷"}},
		{"订单，发货。", []string{"订单", "单", "发货", "货"}},
		{"", []string{}},
		{"!!! ...", []string{}},
	} {
		got := Tokens(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLongWordsAreCut(t *testing.T) {
	long := "a"
	for len(long) < 200 {
		long += long
	}
	if got := Tokens(long); len(got) != 1 || len(got[0]) != maxWordBytes {
		t.Fatalf("long word: %d tokens, first %d bytes", len(got), len(got[0]))
	}
}
