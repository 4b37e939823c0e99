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

// spanBelow must read about size ids below hi as whole buckets of one level: its buckets
// start at Lo, hold every id of [Lo, hi) and reach no further than the bucket of hi-1.
func TestSpanBelow(t *testing.T) {
	const b = smallestBucket
	tests := []struct {
		hi, size int64
		level    uint
		lo       int64
	}{
		{hi: 4984669, size: b, level: 14, lo: 303 * b},             // first span: the newest bucket and the one below
		{hi: 303 * b, size: 533000, level: 17, lo: 34 << 17},       // 上门维修's second span: 2^17 buckets, the top one above hi
		{hi: 303 * b, size: 20000, level: 14, lo: 302 * b},         // a little more than one bucket
		{hi: 5 * b, size: 1 << 20, level: 20, lo: 0},               // never below zero
		{hi: 1<<26 + 3*b, size: 100 << 26, level: 26, lo: 0},       // larger than the largest bucket
		{hi: 7 << 20, size: 3<<20 + 3<<18, level: 20, lo: 3 << 20}, // nearest bucket, rounding down
		{hi: 7 << 20, size: 3<<20 + 1<<18, level: 20, lo: 4 << 20}, // and up
	}
	for _, tt := range tests {
		s := spanBelow(tt.hi, tt.size)
		if s.level != tt.level || s.Lo != tt.lo || s.Hi != tt.hi {
			t.Errorf("spanBelow(%d, %d) = %+v, want level %d from %d", tt.hi, tt.size, s, tt.level, tt.lo)
			continue
		}
		lex := strings.Split(strings.Trim(s.buckets(), "()"), " | ")
		pos := s.Lo
		for _, q := range lex {
			level, n := parseBucket(t, strings.Trim(q, "'"))
			if level != s.level || n<<level != pos {
				t.Fatalf("spanBelow(%d, %d): bucket %s, want level %d at %d", tt.hi, tt.size, q, s.level, pos)
			}
			pos += int64(1) << level
		}
		if pos < tt.hi || pos-tt.hi >= int64(1)<<s.level {
			t.Errorf("spanBelow(%d, %d): buckets end at %d, want the bucket of %d", tt.hi, tt.size, pos, tt.hi-1)
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
			var want []string
			for _, lex := range IDLexemes(id) {
				want = append(want, quoteLexeme(lex))
			}
			slices.Sort(want)
			if got != strings.Join(want, " ") {
				t.Errorf("id %d: SQL %s, Go %s", id, got, strings.Join(want, " "))
			}
		}
	})
}
