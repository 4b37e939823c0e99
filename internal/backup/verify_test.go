package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// Verify checks a backup where it lies without writing a byte there, and finds a damaged
// database file, a damaged attachment and a missing one.
func TestVerifyBackupInPlace(t *testing.T) {
	s := apitest.New(t, storage.SQLite)
	cfg := s.App.Config
	ctx := context.Background()
	for i, body := range []string{"发票一", "发票二"} {
		if _, err := createTicket(s.URL, s.Admin.Token, body, strings.Repeat("v", i+1)+"@example.com", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	fresh := func() (string, *Manifest) {
		dir := filepath.Join(t.TempDir(), "backup")
		m, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: dir})
		if err != nil {
			t.Fatal(err)
		}
		return dir, m
	}
	for _, tc := range []struct {
		name   string
		damage func(dir string, m *Manifest)
		want   string // "" for a clean report
	}{
		{"intact", func(string, *Manifest) {}, ""},
		{"database", func(dir string, _ *Manifest) {
			f, _ := os.OpenFile(filepath.Join(dir, DatabaseFile), os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte{0})
			f.Close()
		}, "kefu.db hashes to"},
		{"attachment damaged", func(dir string, m *Manifest) {
			os.WriteFile(attachmentPath(filepath.Join(dir, AttachmentDir), m.Attachments[0].SHA256), []byte("x"), 0o640)
		}, "is damaged"},
		{"attachment missing", func(dir string, m *Manifest) {
			os.Remove(attachmentPath(filepath.Join(dir, AttachmentDir), m.Attachments[1].SHA256))
		}, "is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, m := fresh()
			tc.damage(dir, m)
			before, _ := os.ReadDir(dir)
			r, err := Verify(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before) {
				t.Errorf("verify wrote into the backup folder: %d entries before, %d after", len(before), len(after))
			}
			if tc.want == "" {
				if !r.OK() || r.Integrity != "ok" || r.Attachments != 2 {
					t.Errorf("report %+v", r)
				}
				return
			}
			if r.OK() || !strings.Contains(strings.Join(r.Problems, "; "), tc.want) {
				t.Errorf("problems %v, want one with %q", r.Problems, tc.want)
			}
		})
	}
}
