package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/user"
)

func migrate(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "migrate")
	check := fs.Bool("check", false, "only list the migrations that would run")
	cfg, err := Parse(fs, build, args)
	if err != nil {
		return err
	}
	a, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *check {
		pending, err := a.Pending(ctx)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			fmt.Fprintln(env.Stdout, "the schema is up to date")
		}
		for _, m := range pending {
			fmt.Fprintf(env.Stdout, "would apply %04d_%s\n", m.Version, m.Name)
		}
		return nil
	}
	applied, err := a.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	v, _ := a.SchemaVersion(ctx)
	fmt.Fprintf(env.Stdout, "schema at version %d\n", v)
	return nil
}

// explain turns a domain error into a readable line in Chinese and English.
func explain(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	var parts []string
	for _, l := range i18n.Langs {
		msg, fields := i18n.Error(l, e)
		for _, f := range fields {
			msg += " " + f.Message
		}
		parts = append(parts, msg)
	}
	return fmt.Errorf("%s", strings.Join(parts, " / "))
}

func userCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(env.Stderr, "usage: kefu user create --email EMAIL --name NAME --role admin|supervisor|agent|department [--team NAME]... [--password PW]")
		return errUsage
	}
	fs, build := NewFlags(env, "user create")
	email := fs.String("email", "", "sign-in email address")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "agent", "admin, supervisor, agent or department")
	password := fs.String("password", "", "password (at least 8 characters); empty: generate one and print it")
	var teams multi
	fs.Var(&teams, "team", "team or department to join, by name (repeatable)")
	a, err := OpenApp(ctx, env, fs, build, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	all, err := a.Users.ListTeams(ctx)
	if err != nil {
		return err
	}
	in := user.CreateInput{Email: *email, Name: *name, Role: auth.Role(*role), Password: *password}
	for _, tn := range teams {
		found := false
		for _, t := range all {
			if t.Name == tn {
				in.Teams, found = append(in.Teams, t.ID), true
			}
		}
		if !found {
			return fmt.Errorf("no team or department named %q", tn)
		}
	}
	generated := in.Password == ""
	if generated {
		in.Password = auth.RandomSecret(12)
	}
	u, err := a.Users.Create(ctx, auth.System(), in)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", in.Password)
	}
	return nil
}

func tokenCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(env.Stderr, "usage: kefu token create --user EMAIL [--name NAME]")
		return errUsage
	}
	fs, build := NewFlags(env, "token create")
	email := fs.String("user", "", "email of the user the token acts as")
	name := fs.String("name", "cli", "a name to recognise the token by")
	a, err := OpenApp(ctx, env, fs, build, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Users.GetByEmail(ctx, *email)
	if err != nil {
		return explain(err)
	}
	token, err := a.Users.CreateToken(ctx, auth.System(), u.ID, *name)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintln(env.Stdout, token)
	return nil
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
