package search

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// cover must name buckets whose union is exactly [lo, hi): no gap, no overlap, nothing
// outside, and few of them.
func TestCover(t *testing.T) {
	const b = smallestBucket
	tests := []struct {
		lo, hi int64
		most   int // at most this many buckets
	}{
		{0, b, 1},
		{0, 1 << 26, 1},
		{b, 2 * b, 1},
		{b, 1 << 17, 7},
		{0, 1<<17 + b, 2},
		{3 * b, 1<<20 + 5*b, 7 + 7 + 1 + 5},
		{304 * b, 305 * b, 1},
		{0, 100 << 26, 100},
		{5 << 26, 5<<26 + 1<<23 + 3*b, 2 + 2},
	}
	for _, tt := range tests {
		got := cover(tt.lo, tt.hi)
		pos := tt.lo
		for _, lex := range got {
			level, n := parseBucket(t, lex)
			start, size := n<<level, int64(1)<<level
			if start != pos {
				t.Fatalf("cover(%d, %d) = %v: %s starts at %d, want %d", tt.lo, tt.hi, got, lex, start, pos)
			}
			pos += size
		}
		if pos != tt.hi {
			t.Errorf("cover(%d, %d) = %v ends at %d", tt.lo, tt.hi, got, pos)
		}
		if len(got) > tt.most {
			t.Errorf("cover(%d, %d): %d buckets, want at most %d", tt.lo, tt.hi, len(got), tt.most)
		}
	}
}

func parseBucket(t *testing.T, lex string) (uint, int64) {
	t.Helper()
	l, n, ok := strings.Cut(strings.TrimPrefix(lex, "~"), ".")
	level, err1 := strconv.Atoi(l)
	num, err2 := strconv.ParseInt(n, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("bucket lexeme %q", lex)
	}
	return uint(level), num
}

// Migration 0012 added bucket lexemes to the messages indexed before it with an SQL function;
// they must be the ones Kefu writes and queries.
func TestMigrationBucketsMatchIDLexemes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		if db.Dialect() != storage.Postgres {
			t.Skip("the buckets are PostgreSQL's")
		}
		for _, id := range []int64{1, 16383, 16384, 4984961, 1<<26 + 7, 1 << 40} {
			var got string
			if err := db.Read().QueryRowContext(context.Background(), `SELECT kefu_message_buckets($1)::text`, id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			want := quoteAll(IDLexemes(id))
			slices.Sort(want)
			if got != strings.Join(want, " ") {
				t.Errorf("id %d: SQL %s, Go %s", id, got, strings.Join(want, " "))
			}
		}
	})
}
