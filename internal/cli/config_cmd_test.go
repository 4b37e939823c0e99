package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/config"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "kefu.toml")
	os.WriteFile(good, []byte("addr = \"0.0.0.0:9000\"\ndb = \"postgres://kefu:s3cret@127.0.0.1/kefu\"\nmax-body = 2048\n"), 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("max-body = -1\nlog-format = \"xml\"\n"), 0o600)
	unknown := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknown, []byte("adress = \"x\"\n"), 0o600)

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  []string // regexps the output must match
		not  string   // text that must not appear
	}{
		{"file, flag and defaults", []string{"config", "check", "--config", good, "--log-level", "debug"}, 0,
			[]string{`(?m)^addr\s+0\.0\.0\.0:9000\s+file$`, `(?m)^log-level\s+debug\s+flag$`, `(?m)^max-body\s+2048\s+file$`,
				`(?m)^db\s+postgres://kefu:xxxxx@127\.0\.0\.1/kefu\s+file$`, `(?m)^sqlite-sync\s+full\s+default$`, `configuration is valid`}, "s3cret"},
		{"invalid values", []string{"config", "check", "--config", bad}, 1, []string{`--max-body`, `--log-format`, `invalid settings`}, ""},
		{"unknown key", []string{"config", "check", "--config", unknown}, 1, nil, ""},
		{"no subcommand", []string{"config"}, 2, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("code %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			for _, re := range tc.out {
				if !regexp.MustCompile(re).MatchString(stdout) {
					t.Errorf("output lacks %s:\n%s", re, stdout)
				}
			}
			if tc.not != "" && strings.Contains(stdout+stderr, tc.not) {
				t.Errorf("output shows %q:\n%s", tc.not, stdout)
			}
		})
	}
	if _, stderr, _ := run(t, "config", "check", "--config", unknown); !strings.Contains(stderr, `unknown setting "adress"`) {
		t.Errorf("unknown key: %s", stderr)
	}
}

// The example file is valid TOML that config accepts as it is and with every line enabled.
func TestConfigExampleIsAValidFile(t *testing.T) {
	stdout, _, code := run(t, "config", "example")
	if code != 0 {
		t.Fatal(code)
	}
	var enabled []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "# ") && strings.Contains(line, " = ") {
			enabled = append(enabled, strings.TrimPrefix(line, "# "))
		}
	}
	if len(enabled) != len(config.Settings) {
		t.Fatalf("%d settings in the example, %d in the code", len(enabled), len(config.Settings))
	}
	p := filepath.Join(t.TempDir(), "kefu.toml")
	os.WriteFile(p, []byte(strings.Join(enabled, "\n")), 0o600)
	vals, err := config.ReadFile(p)
	if err != nil || len(vals) != len(config.Settings) {
		t.Fatalf("the example with every line enabled: %v (%d values)", err, len(vals))
	}
	if stdout, stderr, code := run(t, "config", "check", "--config", p); code != 0 {
		t.Fatalf("config check on the example: %d\n%s%s", code, stdout, stderr)
	}
}

// The example configuration shipped in deploy/ is valid as it stands.
func TestDeployedConfigIsValid(t *testing.T) {
	stdout, stderr, code := run(t, "config", "check", "--config", "../../deploy/kefu.toml")
	if code != 0 || !strings.Contains(stdout, "configuration is valid") {
		t.Fatalf("deploy/kefu.toml: %d\n%s%s", code, stdout, stderr)
	}
}

// An empty --db is shown as what it means: the database file in the data folder.
func TestConfigCheckShowsTheDatabaseFile(t *testing.T) {
	data := t.TempDir()
	stdout, _, code := run(t, "config", "check", "--data", data)
	if code != 0 || !regexp.MustCompile(`(?m)^db\s+`+regexp.QuoteMeta(filepath.Join(data, "kefu.db"))+`\s+default$`).MatchString(stdout) {
		t.Fatalf("code %d:\n%s", code, stdout)
	}
}
