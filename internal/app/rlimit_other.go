//go:build !unix

package app

import "log/slog"

// raiseOpenFiles has nothing to raise here.
func raiseOpenFiles(*slog.Logger) {}
