package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the same pure-Go driver the store uses
)

// Options say what to back up and where.
type Options struct {
	Database      string // the live SQLite file
	AttachmentDir string // where blob.Files keeps attachment files
	To            string // the backup folder to create; it must not exist or be empty
	KefuVersion   string // recorded in the manifest
	// LinkFrom is an earlier backup folder: attachments it already holds (checked by hash)
	// are hard-linked from it instead of copied, so nightly backups of a large attachment
	// folder cost only what is new. It must be on the same file system as To.
	LinkFrom string
	Now      func() time.Time
}

// Backup copies a SQLite installation, running or not, into a new folder: the database via
// VACUUM INTO on its own read connection (a consistent snapshot; in WAL mode the live writer
// goes on committing meanwhile), then every attachment file the snapshot refers to, then the
// manifest. The folder is built under a temporary name and renamed into place at the end, so
// a folder named To is always a finished backup.
func Backup(ctx context.Context, o Options) (*Manifest, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := os.Stat(o.Database); err != nil {
		return nil, fmt.Errorf("backup: no database at %s: %w", o.Database, err)
	}
	ok, err := emptyOrMissing(o.To)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("backup: %s is not empty; choose a new folder", o.To)
	}
	to := filepath.Clean(o.To)
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	work, err := os.MkdirTemp(filepath.Dir(to), "."+filepath.Base(to)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(work)
		}
	}()

	snapshot := filepath.Join(work, DatabaseFile)
	if err := vacuumInto(ctx, o.Database, snapshot); err != nil {
		return nil, err
	}
	sum, _, err := hashFile(snapshot)
	if err != nil {
		return nil, fmt.Errorf("backup: hash snapshot: %w", err)
	}
	m := &Manifest{Format: FormatVersion, CreatedAt: o.Now().UnixMilli(), KefuVersion: o.KefuVersion, DatabaseSHA256: sum}
	if err := describe(ctx, snapshot, m); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		dst := attachmentPath(filepath.Join(work, AttachmentDir), a.SHA256)
		if o.LinkFrom != "" && linkEarlier(attachmentPath(filepath.Join(o.LinkFrom, AttachmentDir), a.SHA256), dst, a) {
			continue
		}
		got, size, err := copyFile(attachmentPath(o.AttachmentDir, a.SHA256), dst)
		if err != nil {
			return nil, fmt.Errorf("backup: attachment %s: %w", a.SHA256, err)
		}
		if got != a.SHA256 || size != a.Size {
			return nil, fmt.Errorf("backup: attachment %s is damaged in %s: its contents hash to %s (%d bytes, want %d)",
				a.SHA256, o.AttachmentDir, got, size, a.Size)
		}
	}
	if err := m.write(work); err != nil {
		return nil, fmt.Errorf("backup: write manifest: %w", err)
	}
	if err := syncTree(work); err != nil {
		return nil, fmt.Errorf("backup: sync: %w", err)
	}
	if err := os.Rename(work, to); err != nil {
		return nil, fmt.Errorf("backup: move into place: %w", err)
	}
	done = true
	if d, err := os.Open(filepath.Dir(to)); err == nil {
		d.Sync()
		d.Close()
	}
	return m, nil
}

// vacuumInto writes a consistent, compacted copy of src to dst from one read-only connection.
func vacuumInto(ctx context.Context, src, dst string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+src+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, dst); err != nil {
		return fmt.Errorf("backup: snapshot %s: %w", src, err)
	}
	return nil
}

// openSnapshot opens a database file for reading only.
func openSnapshot(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// openImmutable opens a database file that nothing writes (a finished backup) without
// creating -wal or -shm files beside it.
func openImmutable(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// describe fills the manifest's schema version, row counts and attachment list from the
// snapshot itself, so they describe exactly what was copied.
func describe(ctx context.Context, snapshot string, m *Manifest) error {
	db, err := openSnapshot(snapshot)
	if err != nil {
		return fmt.Errorf("backup: open snapshot: %w", err)
	}
	defer db.Close()
	if m.SchemaVersion, err = schemaVersion(ctx, db); err != nil {
		return err
	}
	if m.Tables, err = countRows(ctx, db); err != nil {
		return err
	}
	if m.Attachments, err = attachmentFiles(ctx, db); err != nil {
		return err
	}
	return nil
}

func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("backup: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// countRows counts the rows of every table, virtual and internal ones of the search index
// included: a restore must bring back the index as well as the data.
func countRows(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("backup: count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}

// attachmentFiles lists the attachment contents kept as files: those not in the blobs table.
func attachmentFiles(ctx context.Context, db *sql.DB) ([]Attachment, error) {
	rows, err := db.QueryContext(ctx, `SELECT sha256, max(size) FROM attachments
		WHERE sha256 NOT IN (SELECT sha256 FROM blobs) GROUP BY sha256 ORDER BY sha256`)
	if err != nil {
		return nil, fmt.Errorf("backup: list attachments: %w", err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.SHA256, &a.Size); err != nil {
			return nil, err
		}
		if len(a.SHA256) != 64 {
			return nil, errors.New("backup: an attachment row has a malformed sha256: " + a.SHA256)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// linkEarlier hard-links an attachment from an earlier backup when that copy is intact.
func linkEarlier(earlier, dst string, a Attachment) bool {
	sum, size, err := hashFile(earlier)
	if err != nil || sum != a.SHA256 || size != a.Size {
		return false
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return false
	}
	return os.Link(earlier, dst) == nil
}
