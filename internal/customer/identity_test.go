package customer

import "testing"

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"13812345678", "+8613812345678", true},
		{"138 1234 5678", "+8613812345678", true},
		{"138-1234-5678", "+8613812345678", true},
		{"+86 138 1234 5678", "+8613812345678", true},
		{"8613812345678", "+8613812345678", true},
		{"008613812345678", "+8613812345678", true},
		{"１３８１２３４５６７８", "+8613812345678", true},
		{"(010) 6552 1234", "01065521234", true},
		{"+1 (415) 555-0134", "+14155550134", true},
		{"abc", "", false},
		{"12", "12", false},
		{"138123456781234567", "", false},
		{"1+38", "", false},
	} {
		got, ok := NormalizePhone(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNormalizeEmailAndChat(t *testing.T) {
	for _, tc := range []struct {
		kind, in, want string
		ok             bool
	}{
		{Email, " ZhangWei@QQ.com ", "zhangwei@qq.com", true},
		{Email, "张伟 <zw@qq.com>", "", false},
		{Email, "no-at-sign", "", false},
		{Email, "", "", false},
		{Chat, " visitor-42 ", "visitor-42", true},
		{Chat, "has space", "", false},
		{Chat, "", "", false},
		{"fax", "123", "", false},
	} {
		got, ok := Normalize(tc.kind, tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q, %v", tc.kind, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
