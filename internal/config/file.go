package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileFlag, FileEnv name the kefu.toml file; it is not a setting of its own, so it is not
// in Settings (nor in the file).
const (
	FileFlag = "config"
	FileEnv  = "KEFU_CONFIG"
)

// Value is one setting's effective value and where it came from.
type Value struct {
	Setting
	Value  string
	Source string // "flag", "env", "file" or "default"
}

// Display is the value as kefu config check prints it: secrets masked, and the password of
// any URL (a postgres:// address) replaced.
func (v Value) Display() string {
	if v.Value == "" {
		return ""
	}
	if v.IsSecret() {
		return "******"
	}
	if u, err := url.Parse(v.Value); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return v.Value
}

// IsSecret reports whether the setting's value must never be printed.
func (s Setting) IsSecret() bool {
	if s.Secret {
		return true
	}
	for _, w := range []string{"password", "secret", "token"} {
		if strings.Contains(s.Flag, w) {
			return true
		}
	}
	return false
}

// BindExplained is Bind that also returns, for every setting, its value and its source.
func BindExplained(fs *flag.FlagSet) func() (*Config, []Value, error) {
	vals := make(map[string]*string, len(Settings))
	for _, s := range Settings {
		def := s.Default
		if v, ok := os.LookupEnv(s.Env); ok {
			def = v // shown by --help; resolve decides what wins
		}
		vals[s.Flag] = fs.String(s.Flag, def, s.Help+" (env "+s.Env+")")
	}
	file := fs.String(FileFlag, os.Getenv(FileEnv), "a kefu.toml file with any of these settings, keys named as the flags (env "+FileEnv+")")
	return func() (*Config, []Value, error) {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		fromFile := map[string]string{}
		if *file != "" {
			var err error
			if fromFile, err = ReadFile(*file); err != nil {
				return nil, nil, err
			}
		}
		eff := make(map[string]*string, len(Settings))
		values := make([]Value, 0, len(Settings))
		for _, s := range Settings {
			v := Value{Setting: s, Value: s.Default, Source: "default"}
			if env, ok := os.LookupEnv(s.Env); ok {
				v.Value, v.Source = env, "env"
			} else if fv, ok := fromFile[s.Flag]; ok {
				v.Value, v.Source = fv, "file"
			}
			if set[s.Flag] {
				v.Value, v.Source = *vals[s.Flag], "flag"
			}
			eff[s.Flag] = &v.Value
			values = append(values, v)
		}
		c, err := build(eff)
		return c, values, err
	}
}

// ReadFile reads a kefu.toml: top-level keys named as the flags (max-body, or max_body),
// values as TOML strings, numbers or booleans. An unknown key is an error, so a misspelt
// setting never goes unnoticed.
func ReadFile(path string) (map[string]string, error) {
	raw := map[string]any{}
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, s := range Settings {
		known[s.Flag] = true
	}
	out := make(map[string]string, len(raw))
	var errs []error
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.ReplaceAll(k, "_", "-")
		if !known[name] {
			errs = append(errs, fmt.Errorf("config file %s: unknown setting %q", path, k))
			continue
		}
		if _, dup := out[name]; dup {
			errs = append(errs, fmt.Errorf("config file %s: %q is set twice", path, name))
			continue
		}
		switch v := raw[k].(type) {
		case string:
			out[name] = v
		case int64:
			out[name] = strconv.FormatInt(v, 10)
		case float64:
			out[name] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[name] = strconv.FormatBool(v)
		default:
			errs = append(errs, fmt.Errorf("config file %s: %q must be a string, a number or true/false, not %T", path, k, v))
		}
	}
	return out, errors.Join(errs...)
}
