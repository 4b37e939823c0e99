package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/storage"
)

// A search shows the newest matches first, and its first page reads a window of the newest
// 2,001. FTS5 walks its rowids backwards and stops there. A GIN index cannot: it returns every
// match of a word unordered, so the window of a common word (订单 is in 954,000 of five
// million messages) used to cost a bitmap over all of them, a fetch of each row and a sort:
// 60–240 ms, against 5–13 ms on SQLite.
//
// So on PostgreSQL every message's tsvector also holds the id buckets it falls in, one lexeme
// per level: ids in blocks of 2^14, 2^17, 2^20, 2^23 and 2^26. A window is read in spans of
// ids, newest first: a span is the union of whole buckets of one level ("~17.36" | "~17.37"),
// ANDed with the query, so the index hands over only the matches inside the span and GIN's
// skipping scan touches little of a common word's posting list. The first span is one
// bucket's worth of ids; each next span is sized from the matches found so far, so a common
// word fills its window in one span and a rare one in two or three.
//
// Bucket lexemes start with "~", which no token has (tokens are letters and digits only), so
// no query can match them by accident, not even a prefix query. Migration 0012 added them to
// the rows indexed before it with the SQL function kefu_message_buckets, which a test holds
// equal to IDLexemes.
var bucketLevels = [...]uint{14, 17, 20, 23, 26}

const smallestBucket = int64(1) << 14

func bucketLexeme(level uint, id int64) string {
	return "~" + strconv.Itoa(int(level)) + "." + strconv.FormatInt(id>>level, 10)
}

// IDLexemes are the bucket lexemes of a message id, to be added (without positions) to its
// tsvector on PostgreSQL.
func IDLexemes(id int64) []string {
	out := make([]string, len(bucketLevels))
	for i, l := range bucketLevels {
		out[i] = bucketLexeme(l, id)
	}
	return out
}

// MessageVector is the tsvector literal of a message on PostgreSQL: TSVector(text) and the
// id's bucket lexemes.
func MessageVector(id int64, text string) string {
	v := TSVector(text)
	for _, lex := range IDLexemes(id) {
		if v != "" {
			v += " "
		}
		v += quoteLexeme(lex)
	}
	return v
}

// Span is a range of ids of an index, [Lo, Hi); Hi 0 means no upper bound. Walk's spans
// also name the bucket level they are read with.
type Span struct {
	Lo, Hi int64
	level  uint
}

// spanBelow is the span of about size ids below hi that Walk reads next: whole buckets of one
// level, the largest level whose bucket is no larger than size, from Lo (hi-size rounded to
// the nearest bucket) up to the bucket that holds hi-1.
//
// One level, because GIN reads first, in full, the entries it predicts to be rarest, and a
// span ending in small buckets (a mix such as "~14.271" | "~17.34" | … | "~14.302", the
// fewest buckets of any size) makes every small bucket such an entry: the second span of
// 上门维修 cost 27 ms of GIN that way against 9 ms over four buckets of 2^17. The top bucket
// may reach above hi, into ids an earlier span read: the key bound drops those rows, fewer
// than the span's own (its bucket is no larger than the span).
func spanBelow(hi, size int64) Span {
	level := bucketLevels[0]
	for _, l := range bucketLevels[1:] {
		if int64(1)<<l <= size {
			level = l
		}
	}
	b := int64(1) << level
	lo := max(0, (hi-size+b/2)/b*b)
	return Span{Lo: lo, Hi: hi, level: level}
}

// buckets is the tsquery of the span's buckets, to AND with a query; they reach from Lo up to
// Hi rounded up to a whole bucket, and a bound on the key trims them to Hi.
func (s Span) buckets() string {
	b := int64(1) << s.level
	var lex []string
	for n := s.Lo >> s.level; n*b < s.Hi; n++ {
		lex = append(lex, quoteLexeme(bucketLexeme(s.level, n<<s.level)))
	}
	return "(" + strings.Join(lex, " | ") + ")"
}

// Walk reads the newest matching messages below the id below (all ids when 0) span by span,
// newest first, until read has taken limit rows or the spans reach the oldest id. read runs
// one span's query (Newest for the span, asking for at most need rows) and returns how many
// rows it took. On SQLite, whose FTS5 index walks newest first by itself, the one span is the
// whole index below below.
func Walk(ctx context.Context, q storage.Querier, d storage.Dialect, below int64, limit int, read func(s Span, need int) (int, error)) error {
	if d != storage.Postgres {
		_, err := read(Span{Hi: below}, limit)
		return err
	}
	hi := below
	if hi <= 0 {
		var top *int64
		if err := q.QueryRowContext(ctx, `SELECT max(message_id) FROM `+Messages).Scan(&top); err != nil {
			return fmt.Errorf("newest indexed message: %w", err)
		}
		if top == nil {
			return nil
		}
		hi = *top + 1
	}
	need, size := limit, smallestBucket
	for need > 0 && hi > 0 {
		span := spanBelow(hi, size)
		n, err := read(span, need)
		if err != nil {
			return err
		}
		need -= n
		covered := hi - span.Lo
		if n == 0 {
			size = 16 * covered
		} else {
			// Enough ids for what is missing at the density found, with a quarter to spare.
			size = max(smallestBucket, int64(float64(covered)*float64(need)/float64(n)*1.25))
		}
		hi = span.Lo
	}
	return nil
}
