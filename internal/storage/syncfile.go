package storage

import (
	"errors"
	"io/fs"
	"os"
)

// syncFile returns a function that makes the file at path durable. The file is opened for
// each sync rather than kept open: SQLite removes its WAL when the last connection closes and
// makes a new one later, and an old descriptor would sync the removed file. A WAL that is not
// there holds nothing to sync: SQLite removes it only after copying it into the database file
// and syncing that.
func syncFile(path string) func() error {
	return func() error {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := datasync(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}
