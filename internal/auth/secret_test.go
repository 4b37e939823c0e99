package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h := HashPassword("正确的密码 horse")
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"正确的密码 horse", true}, {"正确的密码 Horse", false}, {"", false}} {
		if got := CheckPassword(h, tc.pw); got != tc.want {
			t.Errorf("CheckPassword(%q) = %v, want %v", tc.pw, got, tc.want)
		}
	}
	if HashPassword("x") == HashPassword("x") {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, bad := range []string{"", "$argon2id$", "plain", "$argon2id$v=19$m=x$a$b"} {
		if CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, hb := NewToken()
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, TokenPrefix) || HashToken(a) != ha || len(ha) != 64 {
		t.Fatalf("token %q hash %q", a, ha)
	}
}
