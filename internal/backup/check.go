package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Report is the result of an integrity check; Problems is empty when all is well.
type Report struct {
	Integrity     string // PRAGMA integrity_check's answer ("ok")
	SchemaVersion int
	Tables        int // tables whose row count was compared
	Rows          int64
	Attachments   int // attachment files checked by hash
	Problems      []string
}

// OK reports whether the check found nothing wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Err is nil for a clean report and otherwise names every problem.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("integrity check failed: %s", strings.Join(r.Problems, "; "))
}

// Print writes the report for an operator, in Chinese and English.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "完整性检查 / integrity check:  %s\n", r.Integrity)
	fmt.Fprintf(w, "数据库版本 / schema version:   %d\n", r.SchemaVersion)
	fmt.Fprintf(w, "数据表行数 / row counts:       %d tables, %d rows\n", r.Tables, r.Rows)
	fmt.Fprintf(w, "附件 / attachments:            %d files, hashes checked\n", r.Attachments)
	if r.OK() {
		fmt.Fprintln(w, "结果 / result:                 OK")
		return
	}
	fmt.Fprintf(w, "结果 / result:                 %d problem(s)\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  -", p)
	}
}

// Check verifies a database file and its attachment folder against a manifest: SQLite's own
// integrity check, the schema version, every table's row count, and every attachment file's
// presence and hash. It returns an error only when the check itself could not run.
func Check(ctx context.Context, database, attachmentDir string, m *Manifest) (*Report, error) {
	return check(ctx, database, attachmentDir, m, openSnapshot)
}

// Verify checks a backup folder where it lies, without restoring it and without writing to
// it: the database file's hash, then everything Check does. A nightly job can prove its
// backups restore.
func Verify(ctx context.Context, dir string) (*Report, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	database := filepath.Join(dir, DatabaseFile)
	sum, _, err := hashFile(database)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if sum != m.DatabaseSHA256 {
		return &Report{Integrity: "not checked", Problems: []string{fmt.Sprintf("%s hashes to %s, the manifest says %s", DatabaseFile, sum, m.DatabaseSHA256)}}, nil
	}
	return check(ctx, database, filepath.Join(dir, AttachmentDir), m, openImmutable)
}

func check(ctx context.Context, database, attachmentDir string, m *Manifest, open func(string) (*sql.DB, error)) (*Report, error) {
	db, err := open(database)
	if err != nil {
		return nil, fmt.Errorf("check: open %s: %w", database, err)
	}
	defer db.Close()
	r := &Report{}
	if err := r.integrity(ctx, db); err != nil {
		return nil, err
	}
	if r.SchemaVersion != m.SchemaVersion {
		r.Problems = append(r.Problems, fmt.Sprintf("schema version %d, manifest says %d", r.SchemaVersion, m.SchemaVersion))
	}
	counts, err := countRows(ctx, db)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		got, ok := counts[n]
		switch {
		case !ok:
			r.Problems = append(r.Problems, "table "+n+" is missing")
		case got != m.Tables[n]:
			r.Problems = append(r.Problems, fmt.Sprintf("table %s has %d rows, manifest says %d", n, got, m.Tables[n]))
		}
		r.Tables++
		r.Rows += got
	}
	for n := range counts {
		if _, ok := m.Tables[n]; !ok {
			r.Problems = append(r.Problems, "table "+n+" is not in the manifest")
		}
	}
	listed, err := attachmentFiles(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(listed) != len(m.Attachments) {
		r.Problems = append(r.Problems, fmt.Sprintf("the database refers to %d attachment files, manifest lists %d", len(listed), len(m.Attachments)))
	}
	r.checkAttachments(attachmentDir, m.Attachments)
	return r, nil
}

// integrity runs PRAGMA integrity_check and reads the schema version.
func (r *Report) integrity(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("check: integrity_check: %w", err)
	}
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		lines = append(lines, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	r.Integrity = strings.Join(lines, "; ")
	if r.Integrity != "ok" {
		r.Problems = append(r.Problems, "PRAGMA integrity_check: "+r.Integrity)
	}
	r.SchemaVersion, err = schemaVersion(ctx, db)
	return err
}

// CheckInstallation checks a data folder with no manifest to compare with (one restored from
// a replica): SQLite's integrity check, and every attachment the database refers to present
// with the right hash. Row counts are reported, not compared.
func CheckInstallation(ctx context.Context, database, attachmentDir string) (*Report, error) {
	db, err := openSnapshot(database)
	if err != nil {
		return nil, fmt.Errorf("check: open %s: %w", database, err)
	}
	defer db.Close()
	r := &Report{}
	if err := r.integrity(ctx, db); err != nil {
		return nil, err
	}
	counts, err := countRows(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, n := range counts {
		r.Tables++
		r.Rows += n
	}
	listed, err := attachmentFiles(ctx, db)
	if err != nil {
		return nil, err
	}
	r.checkAttachments(attachmentDir, listed)
	return r, nil
}

func (r *Report) checkAttachments(dir string, list []Attachment) {
	for _, a := range list {
		sum, size, err := hashFile(attachmentPath(dir, a.SHA256))
		switch {
		case errors.Is(err, os.ErrNotExist):
			r.Problems = append(r.Problems, "attachment "+a.SHA256+" is missing")
		case err != nil:
			r.Problems = append(r.Problems, "attachment "+a.SHA256+": "+err.Error())
		case sum != a.SHA256 || size != a.Size:
			r.Problems = append(r.Problems, fmt.Sprintf("attachment %s is damaged: contents hash to %s, %d bytes", a.SHA256, sum, size))
		}
		r.Attachments++
	}
}
