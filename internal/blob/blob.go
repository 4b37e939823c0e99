// Package blob keeps attachment contents, addressed by their SHA-256 so the same file is
// stored once and its integrity can always be checked. On SQLite they live as files in the
// data folder; on PostgreSQL in the database, so that every node sees every file.
package blob

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/storage"
)

// Store keeps contents by hash.
type Store interface {
	// Put stores data under its hash as part of the command tx. Storing the same data twice
	// is harmless.
	Put(tx *storage.Tx, sum string, data []byte) error
	// Get returns the data stored under sum.
	Get(ctx context.Context, sum string) ([]byte, error)
}

// Sum is the hex SHA-256 that names data.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Files keeps contents under dir/ab/cd/<sha256>.
type Files struct{ Dir string }

func (f Files) path(sum string) string {
	return filepath.Join(f.Dir, sum[:2], sum[2:4], sum)
}

// Put writes the file before the command commits (write to a temporary name, fsync, rename):
// a command that then fails leaves at worst an unreferenced file, never a reference to a
// missing one.
func (f Files) Put(_ *storage.Tx, sum string, data []byte) error {
	p := f.path(sum)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("blob folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("blob temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Get reads a file.
func (f Files) Get(_ context.Context, sum string) ([]byte, error) {
	if len(sum) != 64 {
		return nil, apperr.NotFound("attachment")
	}
	b, err := os.ReadFile(f.path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, apperr.NotFound("attachment")
	}
	return b, err
}

// Database keeps contents in the blobs table.
type Database struct{ DB *storage.DB }

// Put inserts the contents in the command's transaction.
func (d Database) Put(tx *storage.Tx, sum string, data []byte) error {
	_, err := tx.ExecContext(tx.Context(), `INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, 0) ON CONFLICT (sha256) DO NOTHING`,
		sum, len(data), data)
	if err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	return nil
}

// Get reads contents from the database.
func (d Database) Get(ctx context.Context, sum string) ([]byte, error) {
	var b []byte
	err := d.DB.Read().QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = $1`, sum).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("attachment")
	}
	return b, err
}
