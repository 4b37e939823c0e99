package customer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/user"
)

// Identity kinds: ways to reach a customer. A value belongs to one customer per kind.
const (
	Email = "email"
	Phone = "phone"
	Chat  = "chat"
)

// Identity is one way to reach a customer.
type Identity struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// NormalizeEmail lowercases and trims an address; ok is false if it is not a valid address.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, user.ValidEmail(s)
}

// NormalizePhone turns the ways people write phone numbers (138 1234 5678, 138-1234-5678,
// +86 138…, (010) 6552 1234, full-width digits) into one form: "+" and digits for numbers
// with a country code, Chinese mobiles given as 11 digits get +86, other numbers keep their
// digits. ok is false if it does not look like a phone number.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case (r == '+' || r == '＋') && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '　' || r == '（' || r == '）' || r == '－':
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case plus:
		d = "+" + d
	case strings.HasPrefix(d, "00") && len(d) > 10:
		d = "+" + d[2:]
	case len(d) == 11 && d[0] == '1':
		d = "+86" + d
	case len(d) == 13 && strings.HasPrefix(d, "86") && d[2] == '1':
		d = "+" + d
	}
	n := len(strings.TrimPrefix(d, "+"))
	return d, n >= 5 && n <= 15
}

// NormalizeChatID trims a chat identity (a widget visitor id, a WeChat openid).
func NormalizeChatID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 200 {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", false
		}
	}
	return s, true
}

// Normalize puts an identity into its stored form; ok is false when the value is invalid.
func Normalize(kind, value string) (string, bool) {
	switch kind {
	case Email:
		return NormalizeEmail(value)
	case Phone:
		return NormalizePhone(value)
	case Chat:
		return NormalizeChatID(value)
	}
	return "", false
}
