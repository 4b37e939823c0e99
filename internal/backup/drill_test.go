package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// createTicket posts a ticket with one attachment and returns its number, or 0 if it was not
// acknowledged. It is safe to call from any goroutine (it never fails the test itself).
func createTicket(url, token, subject, email string, file []byte) (int64, error) {
	body, _ := json.Marshal(map[string]any{
		"subject":  subject,
		"customer": map[string]any{"email": email, "name": "客户 " + email},
		"message": map[string]any{"body": "请问退款进度？" + subject, "attachments": []map[string]any{
			{"filename": "发票.txt", "content_type": "text/plain", "data": file},
		}},
	})
	req, _ := http.NewRequest("POST", url+"/api/v1/tickets", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var tk struct{ Number int64 }
	json.NewDecoder(resp.Body).Decode(&tk)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return tk.Number, nil
}

// The restore drill: data made through the API, a backup taken while four clients keep
// writing, a restore into a new folder, and a node started on it. The restored database must
// be one consistent moment of the live one: every write acknowledged before the backup began
// is there, every restored row is identical to the live row, no ticket is half-written, and
// every attachment comes back byte for byte.
func TestRestoreDrill(t *testing.T) {
	s := apitest.New(t, storage.SQLite)
	cfg := s.App.Config
	ctx := context.Background()

	files := map[int64][]byte{} // ticket number → attachment contents
	var mu sync.Mutex
	for i := range 12 {
		file := []byte(fmt.Sprintf("发票 %d\n", i%5)) // some contents repeat: stored once
		n, err := createTicket(s.URL, s.Admin.Token, fmt.Sprintf("备份演练 %d", i), fmt.Sprintf("drill%d@example.com", i), file)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = file
		if i%3 == 0 {
			s.Admin.Must(201, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"body": "已为您办理退款", "kind": "reply"})
			s.Admin.Must(200, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", n), map[string]any{"status": "pending_customer", "tags": []string{"退款"}})
		}
	}

	// Writers run before, during and after the backup; each signals its acknowledgements.
	stop := make(chan struct{})
	acks := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				file := []byte(fmt.Sprintf("writer %d file %d %s", w, i, strings.Repeat("附", i%50)))
				n, err := createTicket(s.URL, s.Admin.Token, fmt.Sprintf("并发 %d-%d", w, i), fmt.Sprintf("w%d-%d@example.com", w, i), file)
				if err != nil {
					continue
				}
				mu.Lock()
				files[n] = file
				mu.Unlock()
				select {
				case acks <- struct{}{}:
				default:
				}
			}
		}()
	}
	waitAcks := func(n int) {
		timeout := time.After(time.Minute)
		for range n {
			select {
			case <-acks:
			case <-timeout:
				t.Fatal("the writers stopped getting answers")
			}
		}
	}
	waitAcks(10)
	mu.Lock()
	before := make(map[int64]bool, len(files))
	for n := range files {
		before[n] = true
	}
	mu.Unlock()

	to := filepath.Join(t.TempDir(), "backup")
	m, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: to, KefuVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	waitAcks(10) // writes go on after the backup too
	close(stop)
	wg.Wait()

	if m.Tables["tickets"] < int64(len(before)) || len(m.Attachments) == 0 || m.SchemaVersion == 0 {
		t.Fatalf("manifest: %d tickets (want ≥ %d), %d attachments, schema %d", m.Tables["tickets"], len(before), len(m.Attachments), m.SchemaVersion)
	}
	if m.Tables["tickets"] >= int64(len(files)) {
		t.Fatalf("the backup holds %d tickets, all %d ever written: the writes did not overlap the backup", m.Tables["tickets"], len(files))
	}

	target := filepath.Join(t.TempDir(), "restored")
	rcfg := config.Defaults(target)
	report, err := Restore(ctx, RestoreOptions{From: to, DataDir: target, Database: rcfg.DB, AttachmentDir: rcfg.AttachmentDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Integrity != "ok" || report.Attachments != len(m.Attachments) || report.SchemaVersion != m.SchemaVersion {
		t.Fatalf("report: %+v", report)
	}
	var out bytes.Buffer
	report.Print(&out)
	if !strings.Contains(out.String(), "OK") {
		t.Fatalf("printed report: %s", out.String())
	}

	// Every restored row is the live row; nothing acknowledged before the backup is missing.
	live, restored := tableRows(t, cfg.DB), tableRows(t, rcfg.DB)
	for table, rows := range restored {
		if table == "counters" {
			continue // the ticket number counter moved on with the later writes; checked below
		}
		for row := range rows {
			if !live[table][row] {
				t.Errorf("table %s: restored row %s is not in the live database", table, row)
			}
		}
		if int64(len(rows)) != m.Tables[table] {
			t.Errorf("table %s: %d rows restored, manifest says %d", table, len(rows), m.Tables[table])
		}
	}
	rdb := openTest(t, rcfg.DB)
	numbers := map[int64]bool{}
	rs, err := rdb.Query(`SELECT number FROM tickets`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var n int64
		rs.Scan(&n)
		numbers[n] = true
	}
	rs.Close()
	for n := range before {
		if !numbers[n] {
			t.Errorf("ticket %d was acknowledged before the backup began but is not restored", n)
		}
	}
	var counter, maxNumber, halfWritten int64
	rdb.QueryRow(`SELECT value FROM counters WHERE name = 'ticket_number'`).Scan(&counter)
	rdb.QueryRow(`SELECT max(number) FROM tickets`).Scan(&maxNumber)
	rdb.QueryRow(`SELECT count(*) FROM tickets t WHERE message_count != (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id)
		OR NOT EXISTS (SELECT 1 FROM events e WHERE e.subject_kind = 'ticket' AND e.subject_id = t.id)`).Scan(&halfWritten)
	if counter != maxNumber || halfWritten != 0 {
		t.Errorf("restored counter %d, highest ticket %d, %d half-written tickets", counter, maxNumber, halfWritten)
	}
	t.Logf("%d tickets before the backup, %d in it, %d written in all; %d attachment files", len(before), m.Tables["tickets"], len(files), len(m.Attachments))

	// A node started on the restored folder serves the data and every attachment.
	a, err := app.Open(ctx, rcfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	checked := 0
	for n := range numbers {
		var msgs struct {
			Items []struct {
				Attachments []struct {
					ID     int64
					SHA256 string `json:"sha256"`
				}
			}
		}
		get(t, srv.URL+fmt.Sprintf("/api/v1/tickets/%d/messages", n), s.Admin.Token, &msgs)
		for _, msg := range msgs.Items {
			for _, at := range msg.Attachments {
				var raw []byte
				get(t, srv.URL+fmt.Sprintf("/api/v1/attachments/%d", at.ID), s.Admin.Token, &raw)
				sum := sha256.Sum256(raw)
				if !bytes.Equal(raw, files[n]) || hex.EncodeToString(sum[:]) != at.SHA256 {
					t.Errorf("ticket %d: attachment %d came back as %q, want %q", n, at.ID, raw, files[n])
				}
				checked++
			}
		}
	}
	if checked != len(numbers) {
		t.Errorf("checked %d attachments over %d tickets; every ticket has one", checked, len(numbers))
	}
}

// get fetches url with the token into v (JSON) or into *[]byte (raw).
func get(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if raw, ok := v.(*[]byte); ok {
		*raw = b
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func openTest(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := openSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tableRows reads every row of every ordinary table (the search index's virtual tables and
// their internals are left to the row counts) as printable strings.
func tableRows(t *testing.T, path string) map[string]map[string]bool {
	t.Helper()
	db := openTest(t, path)
	rows, err := db.Query(`SELECT name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables, virtual []string
	for rows.Next() {
		var name, ddl string
		rows.Scan(&name, &ddl)
		if strings.HasPrefix(strings.ToUpper(ddl), "CREATE VIRTUAL") {
			virtual = append(virtual, name)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]map[string]bool{}
next:
	for _, table := range tables {
		for _, v := range virtual {
			if table == v || strings.HasPrefix(table, v+"_") {
				continue next
			}
		}
		rs, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		set := map[string]bool{}
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			set[fmt.Sprintf("%q", vals)] = true
		}
		rs.Close()
		out[table] = set
	}
	return out
}

// A restore refuses any target that holds something, and a damaged backup restores nothing.
func TestRestoreRefuses(t *testing.T) {
	s := apitest.New(t, storage.SQLite)
	cfg := s.App.Config
	ctx := context.Background()
	if _, err := createTicket(s.URL, s.Admin.Token, "附件", "a@example.com", []byte("内容")); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "backup")
	m, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: to})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: to}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second backup into the same folder: %v", err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	if _, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: damaged}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attachmentPath(filepath.Join(damaged, AttachmentDir), m.Attachments[0].SHA256), []byte("tampered"), 0o640); err != nil {
		t.Fatal(err)
	}

	// A backup whose manifest disagrees with its database: the copy succeeds, the check fails.
	lying := filepath.Join(t.TempDir(), "lying")
	if _, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: lying}); err != nil {
		t.Fatal(err)
	}
	lm, err := ReadManifest(lying)
	if err != nil {
		t.Fatal(err)
	}
	lm.Tables["tickets"]++
	os.Remove(filepath.Join(lying, ManifestFile))
	if err := lm.write(lying); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		from    string
		prepare func(dir string) // makes the target what the case needs
		want    string
	}{
		{"the live data folder", to, nil, "kefu.db exists"},
		{"a folder with a database", to, func(dir string) { os.WriteFile(filepath.Join(dir, "kefu.db"), nil, 0o640) }, "kefu.db exists"},
		{"a folder with a WAL file", to, func(dir string) { os.WriteFile(filepath.Join(dir, "kefu.db-wal"), nil, 0o640) }, "kefu.db-wal exists"},
		{"a folder with other files", to, func(dir string) { os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o640) }, "not empty"},
		{"a damaged attachment", damaged, func(string) {}, "damaged"},
		{"a folder without a manifest", t.TempDir(), func(string) {}, "manifest"},
		{"a manifest that disagrees with its database", lying, func(string) {}, "table tickets has 1 rows, manifest says 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := cfg.DataDir
			if tc.prepare != nil {
				dir = t.TempDir()
				tc.prepare(dir)
			}
			before, _ := os.ReadDir(dir)
			c := config.Defaults(dir)
			_, err := Restore(ctx, RestoreOptions{From: tc.from, DataDir: dir, Database: c.DB, AttachmentDir: c.AttachmentDir()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want an error about %q", err, tc.want)
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before) {
				t.Errorf("a refused restore left files behind: %d entries before, %d after", len(before), len(after))
			}
		})
	}
}
