package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil/apitest"
)

// A backup made with LinkFrom shares the unchanged attachment files of the earlier backup
// (hard links, no second copy), copies the new ones, never links a damaged one, and restores
// like any other.
func TestBackupLinksUnchangedAttachments(t *testing.T) {
	s := apitest.New(t, storage.SQLite)
	cfg := s.App.Config
	ctx := context.Background()
	for i := range 3 {
		if _, err := createTicket(s.URL, s.Admin.Token, fmt.Sprint("第一批 ", i), fmt.Sprintf("l%d@example.com", i), []byte(fmt.Sprint("旧附件 ", i))); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	m1, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: first})
	if err != nil {
		t.Fatal(err)
	}
	// One file of the earlier backup goes bad: it must be copied afresh, not linked.
	damaged := attachmentPath(filepath.Join(first, AttachmentDir), m1.Attachments[0].SHA256)
	os.Chmod(damaged, 0o640)
	if err := os.WriteFile(damaged, []byte("bit rot"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := createTicket(s.URL, s.Admin.Token, "第二批", "new@example.com", []byte("新附件")); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "second")
	m2, err := Backup(ctx, Options{Database: cfg.DB, AttachmentDir: cfg.AttachmentDir(), To: second, LinkFrom: first})
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Attachments) != 4 {
		t.Fatalf("%d attachments in the second backup, want 4", len(m2.Attachments))
	}
	linked := 0
	for _, a := range m2.Attachments {
		st2, err := os.Stat(attachmentPath(filepath.Join(second, AttachmentDir), a.SHA256))
		if err != nil {
			t.Fatal(err)
		}
		if st1, err := os.Stat(attachmentPath(filepath.Join(first, AttachmentDir), a.SHA256)); err == nil && os.SameFile(st1, st2) {
			linked++
			if a.SHA256 == m1.Attachments[0].SHA256 {
				t.Error("the damaged file of the earlier backup was linked")
			}
		}
	}
	if linked != 2 {
		t.Errorf("%d attachments linked, want the 2 intact unchanged ones", linked)
	}
	target := filepath.Join(t.TempDir(), "restored")
	c := config.Defaults(target)
	if _, err := Restore(ctx, RestoreOptions{From: second, DataDir: target, Database: c.DB, AttachmentDir: c.AttachmentDir()}); err != nil {
		t.Fatal(err)
	}
}
