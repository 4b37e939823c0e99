package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kefu.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func resolve(t *testing.T, args ...string) (*Config, map[string]Value, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	r := BindExplained(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	c, vals, err := r()
	byFlag := map[string]Value{}
	for _, v := range vals {
		byFlag[v.Flag] = v
	}
	return c, byFlag, err
}

// A flag beats its variable, the variable beats kefu.toml, the file beats the default —
// setting by setting, and --config may itself come from KEFU_CONFIG.
func TestFilePrecedence(t *testing.T) {
	file := writeFile(t, `
addr = "0.0.0.0:9000"
log-level = "warn"
max_body = 2048          # underscores work as well as dashes
auto-migrate = false
shutdown-timeout = "45s"
time-zone = "Asia/Urumqi"
`)
	t.Setenv("KEFU_LOG_LEVEL", "error")
	t.Setenv("KEFU_TIME_ZONE", "Asia/Shanghai")
	t.Setenv(FileEnv, file)
	c, vals, err := resolve(t, "--time-zone", "Asia/Hong_Kong")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag, value, source string
	}{
		{"addr", "0.0.0.0:9000", "file"},
		{"log-level", "error", "env"},
		{"max-body", "2048", "file"},
		{"auto-migrate", "false", "file"},
		{"shutdown-timeout", "45s", "file"},
		{"time-zone", "Asia/Hong_Kong", "flag"},
		{"log-format", "text", "default"},
	} {
		if v := vals[tc.flag]; v.Value != tc.value || v.Source != tc.source {
			t.Errorf("%s = %q from %s, want %q from %s", tc.flag, v.Value, v.Source, tc.value, tc.source)
		}
	}
	if c.Addr != "0.0.0.0:9000" || c.MaxBodyBytes != 2048 || c.AutoMigrate || c.LogLevel != "error" || c.TimeZone != "Asia/Hong_Kong" {
		t.Errorf("config %+v", c)
	}
}

func TestFileErrorsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", `adress = "x"`, `unknown setting "adress"`},
		{"a table", "[server]\naddr = \"x\"", `unknown setting "server"`},
		{"an array", `addr = ["a", "b"]`, `must be a string, a number or true/false`},
		{"twice", "max-body = 1\nmax_body = 2", `set twice`},
		{"not toml", `addr = `, `kefu.toml`},
		{"a bad value", `max-subject = -5`, `--max-subject`},
		{"a bad boolean", `auto-migrate = "perhaps"`, `--auto-migrate`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := resolve(t, "--config", writeFile(t, tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	if _, _, err := resolve(t, "--config", filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Error("a missing config file was accepted")
	}
}

// kefu config check never prints a secret: secret settings are masked whole, and a URL keeps
// its user and host but not its password.
func TestDisplayMasksSecrets(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{Value{Setting: Setting{Flag: "db"}, Value: "postgres://kefu:s3cret@db.internal:5432/kefu?sslmode=require"}, "postgres://kefu:xxxxx@db.internal:5432/kefu?sslmode=require"},
		{Value{Setting: Setting{Flag: "db"}, Value: "/var/lib/kefu/kefu.db"}, "/var/lib/kefu/kefu.db"},
		{Value{Setting: Setting{Flag: "secret-key"}, Value: "0123456789abcdef"}, "******"},
		{Value{Setting: Setting{Flag: "smtp-password"}, Value: "hunter2"}, "******"},
		{Value{Setting: Setting{Flag: "webhook", Secret: true}, Value: "abc"}, "******"},
		{Value{Setting: Setting{Flag: "secret-key"}, Value: ""}, ""},
	} {
		if got := tc.v.Display(); got != tc.want {
			t.Errorf("%s=%q shows as %q, want %q", tc.v.Flag, tc.v.Value, got, tc.want)
		}
	}
}
