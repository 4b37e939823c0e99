// Package testutil gives tests real databases: a fresh migrated SQLite file always, and a
// fresh PostgreSQL schema when KEFU_TEST_POSTGRES holds a server URL.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
)

// PostgresEnv names the variable that turns the PostgreSQL half of the store tests on.
const PostgresEnv = "KEFU_TEST_POSTGRES"

// Engines lists the engines the store tests run on here.
func Engines() []storage.Dialect {
	if os.Getenv(PostgresEnv) != "" {
		return []storage.Dialect{storage.SQLite, storage.Postgres}
	}
	return []storage.Dialect{storage.SQLite}
}

// ForEachEngine runs f as a parallel subtest per engine, each with its own migrated database.
func ForEachEngine(t *testing.T, f func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, d := range Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, NewDB(t, d))
		})
	}
}

// NewDB opens a fresh, migrated database of the given engine, removed when the test ends.
func NewDB(t testing.TB, d storage.Dialect) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), DSN(t, d), storage.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// DSN makes an empty database of the given engine and returns its address: a file in the
// test's temporary folder, or a new schema on the test PostgreSQL server (dropped at the end).
func DSN(t testing.TB, d storage.Dialect) string {
	t.Helper()
	if d == storage.SQLite {
		return filepath.Join(t.TempDir(), "kefu.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer c.Close()
		c.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	return WithSearchPath(base, schema)
}

// WithSearchPath returns the PostgreSQL URL with its search_path set to schema.
func WithSearchPath(base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
