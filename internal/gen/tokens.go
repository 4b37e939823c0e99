package gen

import (
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kefuhq/kefu/internal/search"
)

// index turns a batch's texts into search index rows. It runs in a pool of workers between
// the generator and the writer: tokenising costs more than generating.
func (b *batch) index(named bool) {
	var tb tsvBuilder
	for _, x := range []struct {
		t    *table
		docs []doc
	}{{tMessageIndex, b.messageDocs}, {tCustomerIndex, b.customerDocs}} {
		r := b.rows(x.t)
		for _, d := range x.docs {
			switch {
			case named:
				r.add(d.id, search.IndexText(d.text))
			case x.t == tMessageIndex:
				r.add(d.id, d.ticket, tb.message(d.id, d.text))
			default:
				r.add(d.id, tb.build(d.text))
			}
		}
	}
	b.messageDocs, b.customerDocs = nil, nil
}

// tsvBuilder makes search.TSVector(text) as a value COPY sends in binary: the same lexemes
// with the same positions (the tests compare the two), without writing and parsing the text
// form, and with few allocations.
type tsvBuilder struct {
	idx   map[string]int
	count []int
	last  []int
}

// message is search.MessageVector(id, text): build(text) and the id's bucket lexemes.
func (w *tsvBuilder) message(id int64, text string) pgtype.TSVector {
	v := w.build(text)
	for _, lex := range search.IDLexemes(id) {
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: lex})
	}
	return v
}

func (w *tsvBuilder) build(text string) pgtype.TSVector {
	toks := search.Tokens(text)
	if w.idx == nil {
		w.idx = make(map[string]int, 64)
	}
	clear(w.idx)
	w.count, w.last = w.count[:0], w.last[:0]
	lex := make([]pgtype.TSVectorLexeme, 0, len(toks))
	total := 0
	// Which lexemes, in order of first appearance, and how many positions each keeps: at most
	// 256, the last position (16383) only once.
	for i, tok := range toks {
		p := min(i+1, 16383) // PostgreSQL's largest position
		k, ok := w.idx[tok]
		if !ok {
			k = len(lex)
			w.idx[tok] = k
			lex = append(lex, pgtype.TSVectorLexeme{Word: tok})
			w.count, w.last = append(w.count, 0), append(w.last, 0)
		}
		if w.count[k] < 256 && w.last[k] != p {
			w.count[k]++
			w.last[k] = p
			total++
		}
	}
	pos := make([]pgtype.TSVectorPosition, total)
	off := 0
	for k := range lex {
		lex[k].Positions = pos[off : off : off+w.count[k]]
		off += w.count[k]
	}
	for i, tok := range toks {
		p := uint16(min(i+1, 16383))
		l := &lex[w.idx[tok]]
		if n := len(l.Positions); n < cap(l.Positions) && (n == 0 || l.Positions[n-1].Position != p) {
			l.Positions = append(l.Positions, pgtype.TSVectorPosition{Position: p})
		}
	}
	return pgtype.TSVector{Lexemes: lex, Valid: true}
}
