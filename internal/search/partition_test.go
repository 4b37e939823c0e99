package search

import (
	"slices"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
)

// Spans covers every id below top exactly once, newest first, in spans that start at a
// partition boundary and double; it stops when read has enough.
func TestSpansCoverNewestFirst(t *testing.T) {
	const P = Partition
	tests := []struct {
		name   string
		d      storage.Dialect
		top    int64
		enough int // stop after this many calls (0: never)
		want   [][2]int64
	}{
		{"sqlite reads once", storage.SQLite, 5 * P, 0, [][2]int64{{0, 5 * P}}},
		{"one partition", storage.Postgres, 100, 0, [][2]int64{{0, 100}}},
		{"top on a boundary", storage.Postgres, 2 * P, 0, [][2]int64{{P, 2 * P}, {0, P}}},
		{"doubling", storage.Postgres, 5*P + 7, 0, [][2]int64{{5 * P, 5*P + 7}, {3 * P, 5 * P}, {0, 3 * P}}},
		{"enough at once", storage.Postgres, 9*P + 1, 1, [][2]int64{{9 * P, 9*P + 1}}},
		{"enough after two", storage.Postgres, 9*P + 1, 2, [][2]int64{{9 * P, 9*P + 1}, {7 * P, 9 * P}}},
		{"nothing", storage.Postgres, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]int64
			err := Spans(tt.d, tt.top, func(from, below int64) (bool, error) {
				got = append(got, [2]int64{from, below})
				return tt.enough > 0 && len(got) >= tt.enough, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("spans %v, want %v", got, tt.want)
			}
		})
	}
}
