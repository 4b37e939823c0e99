package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sealer encrypts mailbox passwords at rest with AES-256-GCM. The key is derived from the
// configured secret (--secret-key) with SHA-256, so any long random string will do; the
// field name is bound in as additional data so a ciphertext cannot be moved to another
// field.
type Sealer struct{ aead cipher.AEAD }

// sealedPrefix marks the format, so that a later key rotation can tell versions apart.
const sealedPrefix = "v1:"

// NewSealer derives the key from secret. An empty secret is refused: a password stored
// without encryption is exactly what the setting exists to prevent.
func NewSealer(secret string) (*Sealer, error) {
	if len(secret) < 16 {
		return nil, errors.New("mail: the secret key must be at least 16 characters")
	}
	key := sha256.Sum256([]byte("kefu mailbox secrets\x00" + secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for field; "" stays "" (no password set).
func (s *Sealer) Seal(field, plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// ErrSecretKey means a stored password cannot be decrypted: the secret key changed.
var ErrSecretKey = errors.New("mail: a stored password cannot be decrypted with this secret key")

// Open decrypts what Seal made for field.
func (s *Sealer) Open(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, sealedPrefix))
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) || len(raw) < s.aead.NonceSize() {
		return "", ErrSecretKey
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(field))
	if err != nil {
		return "", ErrSecretKey
	}
	return string(plain), nil
}

// KeyFile returns the secret key kept in path, creating a random one (readable by the
// owner only) the first time. It serves single-node installations that set no key; nodes
// sharing a PostgreSQL database must all be given the same key instead.
func KeyFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 16 {
			return "", fmt.Errorf("mail: secret key file %s is too short", path)
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b)
	key := base64.RawURLEncoding.EncodeToString(b)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return KeyFile(path) // another process made it first
	}
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return key, f.Close()
}
