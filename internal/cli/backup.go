package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/backup"
)

func init() {
	Register("backup", "copy a running SQLite installation: kefu backup --to FOLDER; --verify FOLDER checks one (PostgreSQL: explains pg_dump / WAL archiving)", backupCmd)
}

// postgresBackupHelp is printed instead of a backup on PostgreSQL, where the database,
// attachments included, is backed up with PostgreSQL's own tools.
const postgresBackupHelp = `Kefu 使用 PostgreSQL：请用 PostgreSQL 自带的工具备份（附件也保存在数据库中，一并备份）。
This installation runs on PostgreSQL: back it up with PostgreSQL's own tools. Attachments are
kept in the database (table blobs), so they are part of every PostgreSQL backup.

  A logical copy (any size up to a few tens of GB; restore with pg_restore):
      pg_dump --format=custom --file=kefu-$(date +%F).dump "$KEFU_DB"

  Point-in-time recovery (base backup + continuous WAL archiving):
      postgresql.conf:  wal_level = replica
                        archive_mode = on
                        archive_command = 'test ! -f /backup/wal/%f && cp %p /backup/wal/%f'
      pg_basebackup --pgdata=/backup/base-$(date +%F) --format=tar --gzip --checkpoint=fast --wal-method=stream

See docs/operations.md, "Backup and restore".
`

func backupCmd(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "backup")
	to := fs.String("to", "", "the backup folder to create (must not exist or be empty)")
	verify := fs.String("verify", "", "check an existing backup folder where it lies (hashes, integrity, row counts) instead of making one")
	linkFrom := fs.String("link-from", "", "an earlier backup folder: attachments it holds are hard-linked, not copied again")
	cfg, err := Parse(fs, build, args)
	if err != nil {
		return err
	}
	if *verify != "" {
		report, err := backup.Verify(ctx, *verify)
		if err != nil {
			return err
		}
		report.Print(env.Stdout)
		if !report.OK() {
			return errReportPrinted
		}
		return nil
	}
	if cfg.Postgres() {
		io.WriteString(env.Stdout, postgresBackupHelp)
		return nil
	}
	if *to == "" {
		fmt.Fprintln(env.Stderr, "kefu backup: --to FOLDER is required")
		return errUsage
	}
	m, err := backup.Backup(ctx, backup.Options{
		Database: cfg.SQLitePath(), AttachmentDir: cfg.AttachmentDir(), To: *to, KefuVersion: app.Version, LinkFrom: *linkFrom,
	})
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "备份完成 / backup written to %s: schema version %d, %d tables, %d rows, %d attachment files\n",
		*to, m.SchemaVersion, len(m.Tables), rows, len(m.Attachments))
	return nil
}

// errReportPrinted means a check failed and its report has been printed.
var errReportPrinted = errors.New("the integrity check found problems (see above)")
