//go:build unix

package app

import (
	"log/slog"
	"syscall"
)

// raiseOpenFiles lifts the soft limit of open files to the hard limit: every widget socket,
// event stream and page is a file, and the usual soft limit (1024) would cap a node far below
// the connections it can hold.
func raiseOpenFiles(logger *slog.Logger) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		logger.Warn("read the open-files limit", "err", err)
		return
	}
	if l.Cur >= l.Max {
		return
	}
	from := l.Cur
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		logger.Warn("raise the open-files limit", "from", from, "to", l.Max, "err", err)
		return
	}
	logger.Debug("open-files limit raised", "from", from, "to", l.Max)
}
