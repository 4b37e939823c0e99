package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// The restore drill through the command line: `kefu serve` runs as its own process under
// load, `kefu backup` copies it from this process, `kefu restore` fills a new folder, and a
// second `kefu serve` on that folder answers for every ticket acknowledged before the backup.
func TestBackupRestoreDrillCommands(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	child, out := startChild(t, []string{"serve", "--data=" + data, "--addr=" + addr})
	token := waitToken(t, out)
	waitOK(t, "http://"+addr+"/healthz", "")

	post := func(i int) (int64, bool) {
		body := fmt.Sprintf(`{"subject":"备份 %d","customer":{"email":"b%d@example.com"},"message":{"body":"发票","attachments":[{"filename":"a.txt","content_type":"text/plain","data":%q}]}}`,
			i, i, base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("file ", i))))
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var tk struct{ Number int64 }
		json.NewDecoder(resp.Body).Decode(&tk)
		return tk.Number, resp.StatusCode == 201
	}
	var mu sync.Mutex
	var acked []int64
	for i := range 5 {
		if n, ok := post(i); ok {
			acked = append(acked, n)
		}
	}
	before := append([]int64(nil), acked...)
	if len(before) != 5 {
		t.Fatalf("%d of 5 tickets acknowledged: %s", len(before), out.String())
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // keeps writing while the backup runs
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if n, ok := post(i); ok {
				mu.Lock()
				acked = append(acked, n)
				mu.Unlock()
			}
		}
	}()
	to := filepath.Join(t.TempDir(), "backup")
	stdout, stderr, code := run(t, "backup", "--data="+data, "--to="+to)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.Contains(stdout, "backup written to") {
		t.Fatalf("backup: code %d\n%s%s", code, stdout, stderr)
	}
	child.Process.Signal(syscall.SIGTERM)
	child.Wait()
	if stdout, stderr, code := run(t, "backup", "--verify="+to); code != 0 || !strings.Contains(stdout, "result:                 OK") {
		t.Fatalf("backup --verify: code %d\n%s%s", code, stdout, stderr)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if _, stderr, code := run(t, "restore", "--from="+to, "--data="+data); code == 0 {
		t.Fatalf("restore over the live folder succeeded: %s", stderr)
	}
	stdout, stderr, code = run(t, "restore", "--from="+to, "--data="+restored)
	if code != 0 || !strings.Contains(stdout, "result:                 OK") {
		t.Fatalf("restore: code %d\n%s%s", code, stdout, stderr)
	}

	addr2 := freeAddr(t)
	child2, _ := startChild(t, []string{"serve", "--data=" + restored, "--addr=" + addr2})
	defer func() { child2.Process.Signal(syscall.SIGTERM); child2.Wait() }()
	waitOK(t, "http://"+addr2+"/healthz", "")
	for _, n := range before {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/tickets/%d", addr2, n), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("ticket %d acknowledged before the backup: status %d on the restored node", n, resp.StatusCode)
		}
	}
	t.Logf("%d tickets acknowledged before the backup, %d in all", len(before), len(acked))
}

// On PostgreSQL, kefu backup explains how to back up with PostgreSQL's tools and succeeds.
func TestBackupOnPostgresExplains(t *testing.T) {
	stdout, _, code := run(t, "backup", "--db="+testutil.DSN(t, storage.Postgres), "--to="+t.TempDir())
	if code != 0 || !strings.Contains(stdout, "pg_dump") || !strings.Contains(stdout, "pg_basebackup") {
		t.Fatalf("code %d: %s", code, stdout)
	}
}
