package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/user"
)

// TestAnnounceSetup: `kefu serve` on a database with staff but no admin prints a one-time
// setup code when it listens on a public address, once, and nothing on loopback or once an
// admin exists.
func TestAnnounceSetup(t *testing.T) {
	ctx := context.Background()
	open := func(dir, addr string) *app.App {
		cfg := config.Defaults(dir)
		cfg.Addr = addr
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	dir := t.TempDir()
	a := open(dir, "0.0.0.0:8080")
	if _, err := a.Users.Create(ctx, auth.System(), user.CreateInput{Email: "agent@example.com", Name: "客服", Role: auth.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := a.EnsureAdmin(ctx, &out); err != nil || out.Len() != 0 {
		t.Fatalf("EnsureAdmin with staff: %v %q (it makes an admin only on an empty database)", err, out.String())
	}
	if err := a.AnnounceSetup(ctx, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`setup code: ([A-Z2-9]{5}-[A-Z2-9]{5})`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no setup code printed: %q", out.String())
	}
	if ok, err := a.Users.SetupCodeValid(ctx, m[1]); err != nil || !ok {
		t.Fatalf("the printed code is not valid: %v", err)
	}
	out.Reset()
	a.AnnounceSetup(ctx, &out)
	if out.Len() != 0 {
		t.Fatal("a second code was printed while the first is unused")
	}
	// On loopback the page needs no code, so none is printed.
	b := open(t.TempDir(), "127.0.0.1:8080")
	b.Users.Create(ctx, auth.System(), user.CreateInput{Email: "agent@example.com", Name: "客服", Role: auth.RoleAgent})
	b.AnnounceSetup(ctx, &out)
	if out.Len() != 0 {
		t.Fatalf("printed a code on loopback: %q", out.String())
	}
	// With an admin there is nothing to claim.
	if _, err := b.Users.Create(ctx, auth.System(), user.CreateInput{Email: "root@example.com", Name: "管理员", Role: auth.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if code, err := b.Web.AnnounceSetupCode(ctx); err != nil || code != "" {
		t.Fatalf("code with an admin: %q %v", code, err)
	}
}
