package search

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"
)

// Snippet returns a short piece of text around the first place a term of q occurs, as HTML:
// escaped, with each occurrence wrapped in <mark>. width is about how many characters to
// show. Without an occurrence it is the beginning of the text.
func Snippet(text string, q Query, width int) string {
	type span struct{ start, end int } // byte offsets in text
	// Match on the normalised form, rune by rune, keeping each rune's place in text.
	var normRunes []rune
	var origin []int // byte offset in text of each normalised rune
	for i, r := range text {
		for _, nr := range Normalize(string(r)) {
			normRunes = append(normRunes, nr)
			origin = append(origin, i)
		}
	}
	norm := string(normRunes)
	// byte offset in norm → rune index
	runeAt := make(map[int]int, len(normRunes))
	off := 0
	for i, r := range normRunes {
		runeAt[off] = i
		off += utf8.RuneLen(r)
	}
	var spans []span
	for _, t := range q.Terms {
		needles := needlesOf(t)
		for _, n := range needles {
			from := 0
			for {
				k := strings.Index(norm[from:], n)
				if k < 0 {
					break
				}
				k += from
				ri, ok := runeAt[k]
				if !ok {
					from = k + 1
					continue
				}
				re := ri + utf8.RuneCountInString(n)
				end := len(text)
				if re < len(origin) {
					end = origin[re]
				}
				spans = append(spans, span{origin[ri], end})
				from = k + len(n)
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	// merge overlaps
	var merged []span
	for _, s := range spans {
		if len(merged) > 0 && s.start <= merged[len(merged)-1].end {
			if s.end > merged[len(merged)-1].end {
				merged[len(merged)-1].end = s.end
			}
			continue
		}
		merged = append(merged, s)
	}
	start := 0
	if len(merged) > 0 {
		start = backRunes(text, merged[0].start, width/4)
	}
	end := forwardRunes(text, start, width)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, s := range merged {
		if s.start >= end {
			break
		}
		b.WriteString(html.EscapeString(text[pos:s.start]))
		e := min(s.end, end)
		b.WriteString("<mark>" + html.EscapeString(text[s.start:e]) + "</mark>")
		pos = e
	}
	if pos < end {
		b.WriteString(html.EscapeString(text[pos:end]))
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// needlesOf is the normalised text a term shows as: its words and Chinese runs in order.
func needlesOf(t Term) []string {
	var out []string
	for _, r := range runs(Normalize(t.Text)) {
		out = append(out, r.text)
	}
	return out
}

func backRunes(s string, at, n int) int {
	for n > 0 && at > 0 {
		_, size := utf8.DecodeLastRuneInString(s[:at])
		at -= size
		n--
	}
	return at
}

func forwardRunes(s string, at, n int) int {
	for n > 0 && at < len(s) {
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
		n--
	}
	return at
}
