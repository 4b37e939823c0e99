// Package search finds tickets, messages and customers by words, Chinese first. Text is
// tokenised here, in Go, the same way for both stores, so SQLite (FTS5) and PostgreSQL
// (tsvector + GIN) index the same tokens and return the same results.
//
// Chinese has no spaces, so a run of CJK characters is indexed as its overlapping pairs
// (CJK bigrams, as Lucene's CJK analyzer does) plus its last character alone. A word of two or
// more characters is then the phrase of its pairs (退款进度 → "退款 款进 进度"), exact and
// fast; a single character is a prefix over the pairs and the run-final singles (退 → 退*),
// which finds every place it occurs. Latin letters and digits form words. Full-width and
// half-width forms are folded together (NFKC) and everything is lower-cased.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds text to the form that is indexed: NFKC (full-width ＡＢＣ１２３ → ABC123,
// ideographic space → space) and lower case.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// maxWordBytes caps a Latin word; longer runs (base64, hashes) are cut, not indexed whole.
const maxWordBytes = 64

// run is a maximal piece of text of one kind.
type run struct {
	cjk  bool
	text string
}

// runs splits normalised text into CJK runs and word runs, dropping everything else.
func runs(s string) []run {
	var out []run
	start, kind := -1, 0 // kind 1: cjk, 2: word
	flush := func(end int) {
		if start >= 0 {
			out = append(out, run{cjk: kind == 1, text: s[start:end]})
		}
		start, kind = -1, 0
	}
	for i, r := range s {
		k := 0
		switch {
		case isCJK(r):
			k = 1
		case isWordRune(r):
			k = 2
		}
		if k != kind {
			flush(i)
			if k != 0 {
				start, kind = i, k
			}
		}
	}
	flush(len(s))
	return out
}

// appendRunTokens adds the tokens of one run. final says whether the run's last character is
// also emitted alone: always when indexing, and in a query only where another run follows in
// the same term (so the term's tokens line up with the index's).
func appendRunTokens(dst []string, r run, final bool) []string {
	if !r.cjk {
		w := r.text
		if len(w) > maxWordBytes {
			w = w[:maxWordBytes]
			for !utf8.ValidString(w) {
				w = w[:len(w)-1]
			}
		}
		return append(dst, w)
	}
	prev, prevSize := rune(-1), 0
	for i, c := range r.text {
		if prev >= 0 {
			dst = append(dst, r.text[i-prevSize:i+utf8.RuneLen(c)])
		}
		prev, prevSize = c, utf8.RuneLen(c)
	}
	if final || utf8.RuneCountInString(r.text) == 1 {
		dst = append(dst, string(prev))
	}
	return dst
}

// Tokens is the index form of text: its tokens in order.
func Tokens(text string) []string {
	rs := runs(Normalize(text))
	out := make([]string, 0, len(text)/2)
	for _, r := range rs {
		out = appendRunTokens(out, r, true)
	}
	return out
}

// IndexText is Tokens joined by spaces: what SQLite's FTS5 (unicode61, which splits on
// spaces and keeps CJK pairs whole) stores for a document.
func IndexText(text string) string {
	return strings.Join(Tokens(text), " ")
}
