// Package cli is the kefu command: it reads the subcommand and its flags, builds the
// configuration, and calls into app. Each subcommand is a small function here.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"sort"
	"strings"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/config"
)

// Env is what a command runs with; tests give it buffers.
type Env struct {
	Stdout, Stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// commands is built in a variable initializer, which Go runs before any init function, so
// subcommands registered from init functions in other files always find it.
var commands = builtinCommands()

func builtinCommands() map[string]command {
	return map[string]command{
		"serve":   {"start the server (add --demo to load the demo company into an empty database)", serve},
		"migrate": {"bring the database schema up to date (--check: only say what would run)", migrate},
		"user":    {"manage staff: kefu user create --email --name --role [--team] [--password]", userCmd},
		"token":   {"make an API token: kefu token create --user EMAIL", tokenCmd},
		"version": {"print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "kefu", app.Version)
			return nil
		}},
	}
}

// Register adds a subcommand (demo data, the benchmark generator) from its own package.
func Register(name, summary string, run func(ctx context.Context, env Env, args []string) error) {
	commands[name] = command{summary, run}
}

// errUsage means the words were wrong; usage has been printed.
var errUsage = errors.New("usage")

// Run runs the kefu command line and returns the process exit code.
func Run(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "kefu: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	if err := c.run(ctx, env, args[1:]); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintln(env.Stderr, "kefu:", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Kefu 客服 — an open-source customer-service center\n\nUsage: kefu <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun kefu <command> --help for its flags. Every flag can also be set by its KEFU_* variable.")
}

// NewFlags makes a flag set for a subcommand with every configuration setting bound.
func NewFlags(env Env, name string) (*flag.FlagSet, func() (*config.Config, error)) {
	fs := flag.NewFlagSet("kefu "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs, config.Bind(fs)
}

// Parse parses args and builds the configuration.
func Parse(fs *flag.FlagSet, build func() (*config.Config, error), args []string) (*config.Config, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return build()
}

// Logger builds the logger the configuration asks for.
func Logger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OpenApp parses flags and opens the app (migrating the database).
func OpenApp(ctx context.Context, env Env, fs *flag.FlagSet, build func() (*config.Config, error), args []string) (*app.App, error) {
	cfg, err := Parse(fs, build, args)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, Logger(cfg, env.Stderr))
}
