package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// RestoreOptions say which backup to restore and where.
type RestoreOptions struct {
	From          string // a backup folder made by Backup
	DataDir       string // the new data folder; it must not exist or be empty
	Database      string // where the database goes (normally DataDir/kefu.db)
	AttachmentDir string // where attachment files go (normally DataDir/attachments)
}

// ErrNotEmpty means the restore target already holds data; a restore never overwrites.
var ErrNotEmpty = errors.New("restore: the target already holds data; restore into a new, empty folder")

// Restore copies a backup into a fresh data folder, checking every file's hash as it copies,
// and then runs the integrity check on the result. It refuses a folder that holds anything,
// a database file above all: a live installation is never overwritten. On failure it removes
// what it wrote.
func Restore(ctx context.Context, o RestoreOptions) (*Report, error) {
	m, err := ReadManifest(o.From)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{o.Database, o.Database + "-wal", o.Database + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("%w: %s exists", ErrNotEmpty, p)
		}
	}
	for _, dir := range []string{o.DataDir, o.AttachmentDir} {
		ok, err := emptyOrMissing(dir)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s is not empty", ErrNotEmpty, dir)
		}
	}
	done := false
	defer func() {
		if !done {
			for _, p := range []string{o.Database, o.Database + "-wal", o.Database + "-shm"} {
				os.Remove(p)
			}
			os.RemoveAll(o.AttachmentDir)
		}
	}()
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(o.Database), 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	sum, _, err := copyFile(filepath.Join(o.From, DatabaseFile), o.Database)
	if err != nil {
		return nil, fmt.Errorf("restore: copy database: %w", err)
	}
	if sum != m.DatabaseSHA256 {
		return nil, fmt.Errorf("restore: the backup's database hashes to %s, the manifest says %s: the backup is damaged", sum, m.DatabaseSHA256)
	}
	if err := os.MkdirAll(o.AttachmentDir, 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	for _, a := range m.Attachments {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got, _, err := copyFile(attachmentPath(filepath.Join(o.From, AttachmentDir), a.SHA256), attachmentPath(o.AttachmentDir, a.SHA256))
		if err != nil {
			return nil, fmt.Errorf("restore: attachment %s: %w", a.SHA256, err)
		}
		if got != a.SHA256 {
			return nil, fmt.Errorf("restore: attachment %s in the backup is damaged (hashes to %s)", a.SHA256, got)
		}
	}
	for _, dir := range []string{o.AttachmentDir, filepath.Dir(o.Database), o.DataDir} {
		if err := syncTree(dir); err != nil {
			return nil, fmt.Errorf("restore: sync: %w", err)
		}
	}
	r, err := Check(ctx, o.Database, o.AttachmentDir, m)
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, r.Err()
	}
	done = true
	return r, nil
}
