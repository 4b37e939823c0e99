package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/demo"
)

// The demo company: kefu serve --demo loads it into an empty installation; kefu demo loads
// it and exits. Both print the demo logins.
func init() {
	DemoLoader = func(ctx context.Context, a *app.App, env Env) error {
		return demo.LoadIfEmpty(ctx, a, env.Stdout)
	}
	Register("demo", "load the demo company (禾悦家电, 简体中文) into the database and exit (--force: even if it has tickets)", demoCmd)
}

func refuse(tickets int) error {
	return fmt.Errorf("数据库中已有 %d 张工单，未载入演示数据；如确需再载入一份，请加 --force / "+
		"the database already has %d tickets: demo data not loaded (add --force to load another copy)", tickets, tickets)
}

func demoCmd(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "demo")
	force := fs.Bool("force", false, "load even if the database already has tickets (adds another copy of the demo tickets)")
	a, err := OpenApp(ctx, env, fs, build, args)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx, env.Stdout); err != nil {
		return err
	}
	if !*force {
		n, err := demo.TicketCount(ctx, a.DB)
		if err != nil {
			return err
		}
		if n > 0 {
			return refuse(n)
		}
	}
	fmt.Fprintln(env.Stdout, demo.Loading)
	s, err := demo.Load(ctx, a, demo.Options{Force: *force})
	var full *demo.NotEmptyError
	if errors.As(err, &full) {
		return refuse(full.Tickets)
	}
	if err != nil {
		return err
	}
	s.Print(env.Stdout)
	return nil
}
