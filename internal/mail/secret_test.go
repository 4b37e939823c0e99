package mail

import (
	"errors"
	"strings"
	"testing"
)

func TestSealerRoundTripAndRefusals(t *testing.T) {
	s, err := NewSealer(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSealer(testSecret + "x")
	sealed := s.Seal("imap_password", "密码 p@ss")
	if strings.Contains(sealed, "p@ss") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed form %q shows the password or lacks its version", sealed)
	}
	if s.Seal("imap_password", "密码 p@ss") == sealed {
		t.Error("two seals of one password are equal: the nonce is not random")
	}
	tests := []struct {
		name   string
		sealer *Sealer
		field  string
		sealed string
		want   string
		err    error
	}{
		{"same key and field", s, "imap_password", sealed, "密码 p@ss", nil},
		{"empty stays empty", s, "imap_password", "", "", nil},
		{"another key", other, "imap_password", sealed, "", ErrSecretKey},
		{"moved to another field", s, "smtp_password", sealed, "", ErrSecretKey},
		{"tampered", s, "imap_password", sealed[:len(sealed)-2] + "AA", "", ErrSecretKey},
		{"not sealed at all", s, "imap_password", "plain", "", ErrSecretKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.field, tc.sealed)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Open = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := NewSealer("short"); err == nil {
		t.Error("a 5-character secret key was accepted")
	}
}
