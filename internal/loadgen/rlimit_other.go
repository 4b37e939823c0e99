//go:build !unix

package loadgen

import "math"

// RaiseOpenFiles has nothing to raise here.
func RaiseOpenFiles() (uint64, error) { return math.MaxUint64, nil }
