package search

import (
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	for _, tc := range []struct{ text, q, want string }{
		{"您好，我想申请退款，订单号 2025061312345678。", "退款", "您好，我想申请<mark>退款</mark>，订单号 2025061312345678。"},
		{"Why is my ORDER delayed?", "order delayed", "Why is my <mark>ORDER</mark> <mark>delayed</mark>?"},
		{"全角ＯＲＤＥＲ也能找到", "order", "全角<mark>ＯＲＤＥＲ</mark>也能找到"},
		{"<b>退款</b> & more", "退款", "&lt;b&gt;<mark>退款</mark>&lt;/b&gt; &amp; more"},
		{"没有匹配", "退款", "没有匹配"},
	} {
		q, err := Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := Snippet(tc.text, q, 80); got != tc.want {
			t.Errorf("Snippet(%q, %q) = %q, want %q", tc.text, tc.q, got, tc.want)
		}
	}
	long := ""
	for range 50 {
		long += "这是一段很长的客服对话内容，"
	}
	q, _ := Parse("物流")
	s := Snippet(long+"请问物流到哪里了？"+long, q, 40)
	if want := "<mark>物流</mark>"; !contains(s, want) || !contains(s, "…") {
		t.Errorf("long snippet %q lacks %s or an ellipsis", s, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
