// Package backup makes and checks copies of a SQLite installation: a consistent snapshot of
// the database taken from a read connection (so the live writer is never blocked), the
// attachment files it refers to, and a manifest that lets a restore prove it is complete.
// PostgreSQL installations are backed up with PostgreSQL's own tools (see docs/operations.md).
package backup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// The files of a backup folder.
const (
	ManifestFile  = "manifest.json"
	DatabaseFile  = "kefu.db"
	AttachmentDir = "attachments"
)

// FormatVersion is the layout of a backup folder; a restore refuses layouts it does not know.
const FormatVersion = 1

// Manifest describes what a backup holds, so that a restore can check it lacks nothing.
type Manifest struct {
	Format         int              `json:"format"`
	CreatedAt      int64            `json:"created_at"` // Unix milliseconds
	KefuVersion    string           `json:"kefu_version"`
	SchemaVersion  int              `json:"schema_version"`
	DatabaseSHA256 string           `json:"database_sha256"`
	Tables         map[string]int64 `json:"tables"` // row count per table
	Attachments    []Attachment     `json:"attachments"`
}

// Attachment is one attachment file, named by the SHA-256 of its contents.
type Attachment struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// attachmentPath is where a file lives under an attachment folder: the layout of blob.Files.
func attachmentPath(dir, sum string) string {
	return filepath.Join(dir, sum[:2], sum[2:4], sum)
}

// ReadManifest reads the manifest of the backup folder dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("backup: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup: %s is not a manifest: %w", ManifestFile, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("backup: manifest format %d is not one this kefu reads (%d)", m.Format, FormatVersion)
	}
	return &m, nil
}

// write stores the manifest durably; it is written last, so a folder with a manifest is a
// finished backup.
func (m *Manifest) write(dir string) error {
	sort.Slice(m.Attachments, func(i, j int) bool { return m.Attachments[i].SHA256 < m.Attachments[j].SHA256 })
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, ManifestFile), append(b, '\n'))
}
