package cli

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/backup"
	"github.com/kefuhq/kefu/internal/config"
)

// The replication drill: `kefu serve --replicate` writes under load, the server is killed
// with SIGKILL, and `kefu restore --from-replica` brings back every acknowledged ticket once
// the replica had caught up with the last of them — attachments taken from a file copy of
// the old folder — and a restore to a moment between two batches brings back the first only.
func TestReplicationDrill(t *testing.T) {
	data := t.TempDir()
	replicaDir := filepath.Join(t.TempDir(), "replica")
	addr := freeAddr(t)
	child, out := startChild(t, []string{"serve", "--data=" + data, "--addr=" + addr, "--replicate=file://" + replicaDir})
	token := waitToken(t, out)
	waitOK(t, "http://"+addr+"/healthz", "")

	post := func(i int) int64 {
		body := fmt.Sprintf(`{"subject":"复制 %d","customer":{"email":"r%d@example.com"},"message":{"body":"发票","attachments":[{"filename":"a.txt","content_type":"text/plain","data":%q}]}}`,
			i, i, base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("附件 ", i))))
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tk struct{ Number int64 }
		json.NewDecoder(resp.Body).Decode(&tk)
		if resp.StatusCode != 201 {
			t.Fatalf("create ticket %d: %d", i, resp.StatusCode)
		}
		return tk.Number
	}
	// restored restores the latest replica (or the one as of at) into a new folder and
	// returns the ticket numbers in it.
	restored := func(at time.Time) (map[int64]bool, string, error) {
		dir := filepath.Join(t.TempDir(), "restored")
		c := config.Defaults(dir)
		_, err := backup.RestoreFromReplica(t.Context(), backup.ReplicaRestoreOptions{
			URL: "file://" + replicaDir, At: at, DataDir: dir, Database: c.DB, AttachmentDir: c.AttachmentDir(),
			AttachmentsFrom: filepath.Join(data, "attachments"),
		})
		if err != nil {
			return nil, dir, err
		}
		db := openSQLite(t, c.DB)
		defer db.Close()
		rows, err := db.Query(`SELECT number FROM tickets`)
		if err != nil {
			return nil, dir, err
		}
		defer rows.Close()
		got := map[int64]bool{}
		for rows.Next() {
			var n int64
			rows.Scan(&n)
			got[n] = true
		}
		return got, dir, nil
	}
	// caughtUp waits until the replica holds ticket n (replication ships within a second).
	caughtUp := func(n int64) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, _, err := restored(time.Time{})
			if err == nil && got[n] {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("ticket %d never reached the replica (last error %v)", n, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	var first, second []int64
	for i := range 10 {
		first = append(first, post(i))
	}
	caughtUp(first[len(first)-1])
	time.Sleep(5 * time.Millisecond) // the replica's clock is in milliseconds: keep the batches apart
	between := time.Now()
	time.Sleep(5 * time.Millisecond)
	for i := 10; i < 20; i++ {
		second = append(second, post(i))
	}
	caughtUp(second[len(second)-1])
	mreq, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer "+token)
	mresp, err := http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, series := range []string{"kefu_replica_pending_transactions ", "kefu_replica_last_sync_timestamp_seconds "} {
		if !strings.Contains(string(page), "\n"+series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()

	got, _, err := restored(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(append([]int64{}, first...), second...) {
		if !got[n] {
			t.Errorf("acknowledged ticket %d is not in the restore after SIGKILL", n)
		}
	}
	got, _, err = restored(between)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range first {
		if !got[n] {
			t.Errorf("ticket %d, written before the restore point, is missing", n)
		}
	}
	for _, n := range second {
		if got[n] {
			t.Errorf("ticket %d, written after the restore point, was restored", n)
		}
	}

	// The command: the latest state, checked and printed; then a node serves it.
	target := filepath.Join(t.TempDir(), "from-replica")
	stdout, stderr, code := run(t, "restore", "--from-replica=file://"+replicaDir, "--attachments-from="+filepath.Join(data, "attachments"), "--data="+target)
	if code != 0 || !strings.Contains(stdout, "result:                 OK") {
		t.Fatalf("kefu restore --from-replica: %d\n%s%s", code, stdout, stderr)
	}
	// Without the attachments the database still comes back, and the check names what is missing.
	bare := filepath.Join(t.TempDir(), "bare")
	stdout, _, code = run(t, "restore", "--from-replica="+replicaDir, "--data="+bare)
	if code != 1 || !strings.Contains(stdout, "is missing") {
		t.Fatalf("restore without attachments: %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(bare, "kefu.db")); err != nil {
		t.Errorf("the restored database was not kept: %v", err)
	}
	addr2 := freeAddr(t)
	child2, _ := startChild(t, []string{"serve", "--data=" + target, "--addr=" + addr2})
	defer func() { child2.Process.Signal(syscall.SIGTERM); child2.Wait() }()
	waitOK(t, "http://"+addr2+"/healthz", "")
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/tickets/%d", addr2, second[len(second)-1]), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the last acknowledged ticket on a node serving the restored folder: %d", resp.StatusCode)
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}
