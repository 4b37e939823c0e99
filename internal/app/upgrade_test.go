package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// fixtureToken is the API token of admin@fixture.example in testdata/upgrade/data-0001.sql.
const fixtureToken = "kefu_upgrade_fixture_token_0001"

// loadOldestSchema makes a database as the oldest supported kefu left it: schema 0001 and
// its data, loaded from the SQL text fixture, not migrated any further.
func loadOldestSchema(t *testing.T, d storage.Dialect) string {
	t.Helper()
	dsn := testutil.DSN(t, d)
	db, err := storage.Open(context.Background(), dsn, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []string{"schema-0001." + string(d) + ".sql", "data-0001.sql"} {
		sqlText, err := os.ReadFile("../../testdata/upgrade/" + f)
		if err != nil {
			t.Fatal(err)
		}
		err = db.WriteConn(context.Background(), func(c *sql.Conn) error {
			_, err := c.ExecContext(context.Background(), string(sqlText))
			return err
		})
		if err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
	}
	return dsn
}

// An installation made by the oldest schema upgrades with its data intact: the tickets,
// their messages, events, tags, links and custom fields, the customers and their identities,
// the staff and their API token all work through the API afterwards — and a node told not
// to migrate refuses to start on it, naming what kefu migrate would apply.
func TestUpgradeFromOldestSchema(t *testing.T) {
	for _, d := range testutil.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := config.Defaults(t.TempDir())
			cfg.DB = loadOldestSchema(t, d)
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))

			cfg.AutoMigrate = false
			if _, err := Open(ctx, cfg, logger); err == nil || !strings.Contains(err.Error(), "kefu migrate") || !strings.Contains(err.Error(), "0002_search") {
				t.Fatalf("open with --auto-migrate=false on schema 1: %v", err)
			}
			cfg.AutoMigrate = true
			a, err := Open(ctx, cfg, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if v, _ := a.DB.SchemaVersion(ctx); v != a.DB.KnownVersion() {
				t.Fatalf("schema at %d after the upgrade, want %d", v, a.DB.KnownVersion())
			}
			// The search index arrived with migration 0002 empty; kefu reindex fills it.
			if _, err := search.Rebuild(ctx, a.DB, nil); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			call := func(method, path, body string, want int) map[string]any {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+fixtureToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				out := map[string]any{}
				b, _ := io.ReadAll(resp.Body)
				json.Unmarshal(b, &out)
				if resp.StatusCode != want {
					t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
				}
				return out
			}
			tk := call("GET", "/api/v1/tickets/501", "", 200)
			if tk["subject"] != "洗衣机漏水，要求退款" || tk["status"] != "open" || tk["subtype"] != "refund" ||
				tk["customer"].(map[string]any)["name"] != "张伟" || tk["owner"].(map[string]any)["name"] != "王芳" ||
				tk["message_count"] != 2.0 || tk["custom_fields"].(map[string]any)["order_no"] != "SO-2025-0001" {
				t.Errorf("ticket 501 after the upgrade: %v", tk)
			}
			if tags, _ := tk["tags"].([]any); len(tags) != 1 || tags[0] != "退款" {
				t.Errorf("ticket 501 tags: %v", tk["tags"])
			}
			if links, _ := tk["links"].([]any); len(links) != 1 {
				t.Errorf("ticket 501 links: %v", tk["links"])
			}
			if msgs := call("GET", "/api/v1/tickets/501/messages", "", 200)["items"].([]any); len(msgs) != 2 {
				t.Errorf("ticket 501 has %d messages, want 2", len(msgs))
			}
			if evs := call("GET", "/api/v1/tickets/501/events", "", 200)["items"].([]any); len(evs) != 2 {
				t.Errorf("ticket 501 has %d events, want 2", len(evs))
			}
			dept := call("GET", "/api/v1/tickets/502", "", 200)["department"]
			if dept == nil || dept.(map[string]any)["name"] != "物流部" {
				t.Errorf("ticket 502 department: %v", dept)
			}
			found := call("GET", "/api/v1/search?q=漏水", "", 200)["tickets"].(map[string]any)["items"].([]any)
			if len(found) != 1 || found[0].(map[string]any)["number"] != 501.0 {
				t.Errorf("search 漏水 after reindex: %v", found)
			}
			// New work continues the old data: the next number, the same customer by identity.
			nt := call("POST", "/api/v1/tickets", `{"subject":"升级后的新工单","customer":{"email":"zhangwei@example.com"},"message":{"body":"洗衣机又漏水了"}}`, 201)
			if nt["number"] != 10001.0 || nt["customer"].(map[string]any)["name"] != "张伟" {
				t.Errorf("new ticket after the upgrade: number %v customer %v", nt["number"], nt["customer"])
			}
			call("POST", "/api/v1/tickets/502/messages", `{"body":"已联系物流部，今天送达","kind":"reply"}`, 201)
		})
	}
}
