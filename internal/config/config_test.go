package config

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Defaults("/tmp/x")
	if c.DB != "/tmp/x/kefu.db" || c.Addr != "127.0.0.1:8080" || c.TimeZone != "Asia/Shanghai" || c.Postgres() {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsBeatEnvironmentBeatsDefaults(t *testing.T) {
	t.Setenv("KEFU_ADDR", "127.0.0.1:9999")
	t.Setenv("KEFU_LOG_LEVEL", "warn")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	build := Bind(fs)
	if err := fs.Parse([]string{"--log-level", "debug", "--db", "postgres://x@127.0.0.1/db"}); err != nil {
		t.Fatal(err)
	}
	c, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.LogLevel != "debug" || !c.Postgres() {
		t.Fatalf("got addr %q level %q postgres %v", c.Addr, c.LogLevel, c.Postgres())
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-body", "-1"}, "--max-body"},
		{[]string{"--max-subject", "many"}, "--max-subject"},
		{[]string{"--sqlite-sync", "off"}, "--sqlite-sync"},
		{[]string{"--time-zone", "Mars/Base"}, "--time-zone"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--shutdown-timeout", "soon"}, "--shutdown-timeout"},
		{[]string{"--auto-migrate", "sometimes"}, "--auto-migrate"},
		{[]string{"--replicate", "replica-folder"}, "--replicate"},
		{[]string{"--replicate", "/var/backups/kefu/replica", "--db", "postgres://x@127.0.0.1/db"}, "--replicate"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		build := Bind(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		_, err := build()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}

// The README's configuration table must list every setting with its variable and default.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `--") {
			cells := strings.Split(line, "|")
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	for _, s := range Settings {
		row, ok := rows["--"+s.Flag]
		if !ok {
			t.Errorf("README has no row for --%s", s.Flag)
			continue
		}
		if !strings.Contains(row, "`"+s.Env+"`") {
			t.Errorf("README row for --%s lacks %s", s.Flag, s.Env)
		}
		if s.Default != "" && !strings.Contains(row, "`"+s.Default+"`") {
			t.Errorf("README row for --%s lacks the default %q", s.Flag, s.Default)
		}
	}
	if len(rows) != len(Settings) {
		t.Errorf("README lists %d settings, the code has %d", len(rows), len(Settings))
	}
}
