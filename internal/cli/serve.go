package cli

import (
	"context"

	"github.com/kefuhq/kefu/internal/app"
)

// DemoLoader fills an empty installation with the demo company; the demo package sets it.
var DemoLoader func(ctx context.Context, a *app.App, env Env) error

func serve(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "serve")
	demo := fs.Bool("demo", false, "load the demo company (简体中文) when the database has no tickets yet")
	a, err := OpenApp(ctx, env, fs, build, args)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx, env.Stdout); err != nil {
		return err
	}
	if err := a.AnnounceSetup(ctx, env.Stdout); err != nil { // no active admin: the /setup page's code
		return err
	}
	if *demo && DemoLoader != nil {
		if err := DemoLoader(ctx, a, env); err != nil {
			return err
		}
	}
	return a.Serve(ctx)
}
