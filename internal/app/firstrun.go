package app

import (
	"context"
	"fmt"
	"io"
)

// AnnounceSetup prints a one-time setup code when the installation has no active admin and
// Kefu listens on a public address, so that only someone who can read this node's output
// can claim it on the /setup page (on loopback the page needs no code). It prints nothing
// when an admin exists, as after EnsureAdmin on an empty database.
func (a *App) AnnounceSetup(ctx context.Context, out io.Writer) error {
	if a.Web.SetupOpen {
		return nil
	}
	code, err := a.Web.AnnounceSetupCode(ctx)
	if err != nil || code == "" {
		return err
	}
	fmt.Fprintf(out, `
  Kefu 还没有管理员 / no administrator yet. Open /setup in a browser and enter:
    setup code: %s

`, code)
	return nil
}
