package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kefuhq/kefu/internal/config"
)

func init() {
	Register("config", "kefu config check [--config kefu.toml]: validate and print the effective settings (secrets masked); kefu config example: a kefu.toml to start from", configCmd)
}

func configCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "usage: kefu config check [--config FILE] [flags] | kefu config example")
		return errUsage
	}
	switch args[0] {
	case "check":
		return configCheck(env, args[1:])
	case "example":
		return configExample(env)
	}
	fmt.Fprintf(env.Stderr, "kefu config: unknown subcommand %q (check, example)\n", args[0])
	return errUsage
}

// configCheck resolves the settings exactly as serve would and prints each one with where it
// came from; invalid settings are listed and the command fails.
func configCheck(env Env, args []string) error {
	fs := flag.NewFlagSet("kefu config check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	resolve := config.BindExplained(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, values, err := resolve()
	if values == nil { // the file itself could not be read
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "setting\tvalue\tsource")
	for _, v := range values {
		if v.Flag == "db" && v.Value == "" && cfg != nil {
			v.Value = cfg.DB // what an empty --db means: the file in the data folder
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Flag, v.Display(), v.Source)
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintln(env.Stdout, "\n配置有误 / invalid settings:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(env.Stdout, "  -", line)
		}
		return errors.New("the configuration is not valid")
	}
	fmt.Fprintln(env.Stdout, "\n配置有效 / the configuration is valid")
	return nil
}

// configExample prints a kefu.toml with every setting at its default, commented out.
func configExample(env Env) error {
	fmt.Fprintln(env.Stdout, "# kefu.toml — use with kefu serve --config /etc/kefu/kefu.toml (or KEFU_CONFIG).")
	fmt.Fprintln(env.Stdout, "# A flag beats its KEFU_* variable, the variable beats this file, the file beats the default.")
	for _, s := range config.Settings {
		fmt.Fprintf(env.Stdout, "\n# %s (env %s)\n", s.Help, s.Env)
		fmt.Fprintf(env.Stdout, "# %s = %s\n", s.Flag, tomlValue(s.Default))
	}
	return nil
}

func tomlValue(s string) string {
	if s == "true" || s == "false" {
		return s
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return s
	}
	return strconv.Quote(s)
}
