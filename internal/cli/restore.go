package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/backup"
)

func init() {
	Register("restore", "restore into a new data folder and check it: kefu restore --from BACKUP --data NEWDIR, or --from-replica URL [--at TIME]", restoreCmd)
}

func restoreCmd(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "restore")
	from := fs.String("from", "", "the backup folder made by kefu backup")
	fromReplica := fs.String("from-replica", "", "restore from what --replicate streamed to (a folder, file:// or s3:// URL) instead of a backup")
	at := fs.String("at", "", "with --from-replica: the moment to restore, e.g. 2026-11-22T14:05:00+08:00 (default: the latest)")
	attachmentsFrom := fs.String("attachments-from", "", "with --from-replica: a copy of the old attachments folder to take the restored database's attachments from")
	cfg, err := Parse(fs, build, args)
	if err != nil {
		return err
	}
	if cfg.Postgres() {
		return fmt.Errorf("kefu restore restores SQLite backups; a PostgreSQL database is restored with pg_restore or from its base backup (see docs/operations.md)")
	}
	if (*from == "") == (*fromReplica == "") {
		fmt.Fprintln(env.Stderr, "kefu restore: give either --from BACKUP or --from-replica URL")
		return errUsage
	}
	var report *backup.Report
	if *fromReplica != "" {
		var when time.Time
		if *at != "" {
			if when, err = time.Parse(time.RFC3339, *at); err != nil {
				return fmt.Errorf("--at: want a time like 2026-11-22T14:05:00+08:00, got %q", *at)
			}
		}
		report, err = backup.RestoreFromReplica(ctx, backup.ReplicaRestoreOptions{
			URL: *fromReplica, At: when, DataDir: cfg.DataDir, Database: cfg.SQLitePath(), AttachmentDir: cfg.AttachmentDir(),
			AttachmentsFrom: *attachmentsFrom,
		})
	} else {
		report, err = backup.Restore(ctx, backup.RestoreOptions{
			From: *from, DataDir: cfg.DataDir, Database: cfg.SQLitePath(), AttachmentDir: cfg.AttachmentDir(),
		})
	}
	if report != nil {
		report.Print(env.Stdout)
	}
	if err != nil {
		if report != nil {
			return errReportPrinted
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "已恢复 / restored into %s; start it with: kefu serve --data %s\n", cfg.DataDir, cfg.DataDir)
	return nil
}
