package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
)

// Limits of a query.
const (
	MaxQueryChars = 256
	MaxTerms      = 16
)

// Term is one thing every match must contain: a word, a Chinese word, or a quoted phrase,
// as the sequence of index tokens it must match in order. Prefix means the last token only
// has to start with it (a single Chinese character).
type Term struct {
	Text   string
	Tokens []string
	Prefix bool
}

// Query is a parsed search: every term must match (AND).
type Query struct {
	Terms []Term
}

// quotes people type: ASCII, full-width, and Chinese corner and curly quotes.
func isQuote(r rune) bool {
	return r == '"' || r == '“' || r == '”' || r == '「' || r == '」' || r == '『' || r == '』' || r == '＂'
}

// Parse reads what a user typed. Words and quoted phrases are terms, all of which must
// match; "AND" between them is allowed and means the same. Operators alone, stray quotes and
// symbols are ignored; a query with nothing left to search for is an error, as is one over
// MaxQueryChars characters.
func Parse(q string) (Query, error) {
	if utf8.RuneCountInString(q) > MaxQueryChars {
		return Query{}, apperr.Invalid("q", "too_long", map[string]any{"max": MaxQueryChars})
	}
	if !utf8.ValidString(q) {
		return Query{}, apperr.Invalid("q", "bad_encoding", nil)
	}
	var pieces []string
	var b strings.Builder
	inQuote := false
	flush := func() {
		if b.Len() > 0 {
			pieces = append(pieces, b.String())
			b.Reset()
		}
	}
	for _, r := range q {
		switch {
		case isQuote(r):
			flush()
			inQuote = !inQuote
		case unicode.IsSpace(r) && !inQuote:
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush() // an unclosed quote ends with the query
	var out Query
	seen := map[string]bool{}
	for _, p := range pieces {
		if p == "AND" || p == "&&" || p == "&" {
			continue
		}
		t, ok := termOf(p)
		if !ok || seen[strings.Join(t.Tokens, " ")] {
			continue
		}
		seen[strings.Join(t.Tokens, " ")] = true
		out.Terms = append(out.Terms, t)
	}
	if len(out.Terms) == 0 {
		return Query{}, apperr.Invalid("q", "nothing_to_search", nil)
	}
	if len(out.Terms) > MaxTerms {
		return Query{}, apperr.Invalid("q", "too_many", map[string]any{"max": MaxTerms})
	}
	return out, nil
}

func termOf(text string) (Term, bool) {
	rs := runs(Normalize(text))
	if len(rs) == 0 {
		return Term{}, false
	}
	t := Term{Text: text}
	for i, r := range rs {
		t.Tokens = appendRunTokens(t.Tokens, r, i < len(rs)-1)
	}
	last := rs[len(rs)-1]
	t.Prefix = last.cjk && utf8.RuneCountInString(last.text) == 1
	return t, true
}

// FTS5 is the query as an SQLite FTS5 MATCH expression.
func (q Query) FTS5() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		p := `"` + strings.Join(t.Tokens, " ") + `"`
		if t.Prefix {
			p += "*"
		}
		parts[i] = p
	}
	return strings.Join(parts, " AND ")
}

// TSQuery is the query as a PostgreSQL tsquery literal (cast with ::tsquery).
func (q Query) TSQuery() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		lex := make([]string, len(t.Tokens))
		for j, tok := range t.Tokens {
			lex[j] = quoteLexeme(tok)
			if t.Prefix && j == len(t.Tokens)-1 {
				lex[j] += ":*"
			}
		}
		p := strings.Join(lex, " <-> ")
		if len(lex) > 1 {
			p = "(" + p + ")"
		}
		parts[i] = p
	}
	return strings.Join(parts, " & ")
}

// lexemeEscaper is built once: quoteLexeme runs for every token of every indexed message.
var lexemeEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

func quoteLexeme(s string) string {
	return "'" + lexemeEscaper.Replace(s) + "'"
}

// TSVector is text's index tokens as a PostgreSQL tsvector literal with positions (cast
// with ::tsvector), so that phrases match on PostgreSQL exactly as on SQLite. It does not
// go through PostgreSQL's own parser, which would split Chinese by the server's locale.
func TSVector(text string) string {
	toks := Tokens(text)
	pos := make(map[string][]int, len(toks))
	order := make([]string, 0, len(toks))
	for i, tok := range toks {
		if _, ok := pos[tok]; !ok {
			order = append(order, tok)
		}
		p := i + 1
		if p > 16383 { // PostgreSQL's largest position
			p = 16383
		}
		if l := pos[tok]; len(l) < 256 && (len(l) == 0 || l[len(l)-1] != p) {
			pos[tok] = append(l, p)
		}
	}
	var b strings.Builder
	for i, tok := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(tok))
		b.WriteByte(':')
		for j, p := range pos[tok] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(itoa(p))
		}
	}
	return b.String()
}

func itoa(n int) string {
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}
