package storage

import (
	"os"
	"syscall"
)

// datasync flushes f's data (fdatasync, as SQLite itself uses on Linux): a WAL's frames, not
// its modification time.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
