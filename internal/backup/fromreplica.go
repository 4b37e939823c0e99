package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kefuhq/kefu/internal/replica"
)

// ReplicaRestoreOptions say which replica to restore, to when, and where.
type ReplicaRestoreOptions struct {
	URL           string    // what --replicate streamed to
	At            time.Time // zero: the latest state the replica has
	DataDir       string    // the new data folder; it must not exist or be empty
	Database      string
	AttachmentDir string
	// AttachmentsFrom is a copy of the old attachment folder (a file sync of it); the
	// attachments the restored database refers to are copied from it, hash-checked.
	AttachmentsFrom string
}

// RestoreFromReplica rebuilds a data folder from a replica: the database as of o.At, then the
// attachment files it refers to, then the check. Unlike Restore it keeps what it restored
// when the check finds problems (a missing attachment should not cost the operator the
// database); the report says what is wrong and the error is set.
func RestoreFromReplica(ctx context.Context, o ReplicaRestoreOptions) (*Report, error) {
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
	if err := os.MkdirAll(filepath.Dir(o.Database), 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if err := replica.Restore(ctx, o.URL, o.Database, o.At); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.AttachmentDir, 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if o.AttachmentsFrom != "" {
		if err := copyReferenced(ctx, o.Database, o.AttachmentsFrom, o.AttachmentDir); err != nil {
			return nil, err
		}
	}
	if err := syncTree(o.DataDir); err != nil {
		return nil, fmt.Errorf("restore: sync: %w", err)
	}
	r, err := CheckInstallation(ctx, o.Database, o.AttachmentDir)
	if err != nil {
		return nil, err
	}
	return r, r.Err()
}

// copyReferenced copies the attachment files database refers to from src to dst; files
// missing or damaged in src are left for the check to report.
func copyReferenced(ctx context.Context, database, src, dst string) error {
	db, err := openSnapshot(database)
	if err != nil {
		return err
	}
	list, err := attachmentFiles(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		target := attachmentPath(dst, a.SHA256)
		sum, _, err := copyFile(attachmentPath(src, a.SHA256), target)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("restore: attachment %s: %w", a.SHA256, err)
		}
		if sum != a.SHA256 {
			os.Remove(target)
		}
	}
	return nil
}
