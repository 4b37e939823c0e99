package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// On a database left by the oldest supported schema, kefu migrate --check lists every
// migration that would run and changes nothing; serve --auto-migrate=false refuses to start
// and says what to do; kefu migrate then brings it up to date.
func TestMigrateCheckAndRefusalOnOldSchema(t *testing.T) {
	data := t.TempDir()
	dbPath := filepath.Join(data, "kefu.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"schema-0001.sqlite.sql", "data-0001.sql"} {
		text, err := os.ReadFile("../../testdata/upgrade/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(text)); err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
	}
	db.Close()

	stdout, stderr, code := run(t, "migrate", "--check", "--data="+data)
	if code != 0 || !regexp.MustCompile(`(?m)^would apply 0002_search$`).MatchString(stdout) || strings.Contains(stdout, "0001_core") {
		t.Fatalf("migrate --check: code %d\n%s%s", code, stdout, stderr)
	}
	if again, _, _ := run(t, "migrate", "--check", "--data="+data); again != stdout {
		t.Fatalf("migrate --check changed the database: first\n%s\nthen\n%s", stdout, again)
	}
	_, stderr, code = run(t, "serve", "--data="+data, "--addr=127.0.0.1:0", "--auto-migrate=false")
	if code != 1 || !strings.Contains(stderr, "run `kefu migrate`") || !strings.Contains(stderr, "schema is at version 1") {
		t.Fatalf("serve --auto-migrate=false: code %d: %s", code, stderr)
	}
	stdout, stderr, code = run(t, "migrate", "--data="+data)
	if code != 0 || !strings.Contains(stdout, "applied 0002_search") {
		t.Fatalf("migrate: code %d\n%s%s", code, stdout, stderr)
	}
	if stdout, _, _ := run(t, "migrate", "--check", "--data="+data); !strings.Contains(stdout, "up to date") {
		t.Fatalf("migrate --check after migrate: %s", stdout)
	}
}
