package parse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// QuoteAttr marks, in Message.HTML, the element where the quoted history
// starts; SplitQuotedHTML cuts there. The parser sets it (a sender's own
// attribute of that name is removed), because the markers mail clients use
// (Gmail's class, Outlook's id and border style, Apple's blockquote type)
// do not survive sanitising.
const QuoteAttr = "data-quote"

// quoteMarker copies HTML tokens to out and puts QuoteAttr on the first
// element that starts the quoted history.
type quoteMarker struct {
	out    []byte
	marked bool
	// The last block-level start tag written: where it is in out, its
	// length and token, and the text seen since it (an attribution like
	// "On ... wrote:" is split by links and entities into several tokens).
	block     taggedSpan
	blockText strings.Builder
	textSpan  taggedSpan // the block that held the last non-empty text
	lastText  string
}

type taggedSpan struct {
	pos, n int
	tok    html.Token
	ok     bool
}

func (q *quoteMarker) startTag(tok html.Token, raw []byte) {
	quoteStart := !q.marked && isQuoteStart(tok)
	// A sender's ids could clash with the page showing the mail (DOM
	// clobbering), and the quote marker is ours to set.
	if hasAttr(tok, QuoteAttr) || hasAttr(tok, "id") {
		tok.Attr = withoutAttr(withoutAttr(tok.Attr, QuoteAttr), "id")
		raw = []byte(tok.String())
	}
	if quoteStart {
		q.marked = true
		if q.textSpan.ok && isAttribution(q.lastText) {
			// Apple Mail and NetEase put "On ... wrote:" in a block of
			// its own just before the quote: collapse it with the quote.
			q.mark(q.textSpan)
		} else {
			tok.Attr = append(tok.Attr, html.Attribute{Key: QuoteAttr, Val: "1"})
			raw = []byte(tok.String())
		}
	}
	pos := len(q.out)
	q.out = append(q.out, raw...)
	if blockElements[tok.DataAtom] || tok.DataAtom == atom.Li || tok.DataAtom == atom.Td {
		q.block = taggedSpan{pos: pos, n: len(raw), tok: tok, ok: true}
		q.blockText.Reset()
	}
}

func (q *quoteMarker) text(t string, raw []byte) {
	q.out = append(q.out, raw...)
	if q.marked {
		return
	}
	t = strings.Map(func(r rune) rune {
		if r == '\u00a0' || r == '\u3000' || r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, t)
	if strings.TrimSpace(t) == "" {
		return
	}
	q.blockText.WriteString(t)
	line := strings.TrimSpace(q.blockText.String())
	if q.block.ok && quoteSeparator.MatchString(line) {
		// "-----Original Message-----", QQ Mail's "---- 原始邮件 ----".
		q.marked = true
		q.mark(q.block)
		return
	}
	q.lastText, q.textSpan = line, q.block
}

// mark rewrites an already written start tag with QuoteAttr added.
func (q *quoteMarker) mark(span taggedSpan) {
	tok := span.tok
	tok.Attr = append(withoutAttr(tok.Attr, QuoteAttr), html.Attribute{Key: QuoteAttr, Val: "1"})
	tail := append([]byte(tok.String()), q.out[span.pos+span.n:]...)
	q.out = append(q.out[:span.pos], tail...)
}

// isQuoteStart recognises the elements mail clients wrap quoted history in.
func isQuoteStart(tok html.Token) bool {
	if tok.DataAtom == atom.Blockquote && strings.EqualFold(attrValue(tok, "type"), "cite") {
		return true // Apple Mail, Thunderbird
	}
	for _, c := range strings.Fields(strings.ToLower(attrValue(tok, "class"))) {
		switch c {
		case "gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote", "zmail_extra":
			return true
		}
	}
	switch strings.ToLower(attrValue(tok, "id")) {
	case "divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "isreplycontent", "isforwardcontent":
		return true // Outlook on the web, NetEase 163/126
	}
	if tok.DataAtom == atom.Div {
		style := strings.ToLower(strings.Join(strings.Fields(attrValue(tok, "style")), ""))
		// Outlook desktop's rule above its From/Sent (发件人/发送时间) block.
		if strings.Contains(style, "border-top:solid#e1e1e1") || strings.Contains(style, "border-top:solid#b5c4df") {
			return true
		}
	}
	return false
}

func attrValue(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(tok html.Token, key string) bool {
	for _, a := range tok.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func withoutAttr(attrs []html.Attribute, key string) []html.Attribute {
	out := attrs[:0:0]
	for _, a := range attrs {
		if a.Key != key {
			out = append(out, a)
		}
	}
	return out
}

// SplitQuotedHTML is SplitQuoted for Message.HTML: it cuts at the element
// the parser marked with QuoteAttr and returns two well-formed fragments
// (open elements closed, stray end tags dropped), so a UI can show the reply
// and collapse the history. quoted is "" when the mail quotes nothing.
func SplitQuotedHTML(sanitized string) (reply, quoted string) {
	z := html.NewTokenizer(strings.NewReader(sanitized))
	offset := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return sanitized, ""
		}
		n := len(z.Raw())
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if hasAttr(z.Token(), QuoteAttr) {
				return strings.TrimSpace(balanceHTML(sanitized[:offset])), strings.TrimSpace(balanceHTML(sanitized[offset:]))
			}
		}
		offset += n
	}
}

// balanceHTML closes the elements a fragment leaves open and drops end tags
// it never opened, so the fragment cannot close a UI's own elements.
func balanceHTML(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	var open []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := append([]byte(nil), z.Raw()...) // TagName lower-cases the buffer in place
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[atom.Lookup(name)] {
				open = append(open, string(name))
			}
			b.Write(raw)
		case html.EndTagToken:
			name, _ := z.TagName()
			i := len(open) - 1
			for i >= 0 && open[i] != string(name) {
				i--
			}
			if i < 0 {
				continue // never opened here
			}
			for j := len(open) - 1; j > i; j-- {
				b.WriteString("</" + open[j] + ">")
			}
			open = open[:i]
			b.Write(raw)
		default:
			b.Write(raw)
		}
	}
	for j := len(open) - 1; j >= 0; j-- {
		b.WriteString("</" + open[j] + ">")
	}
	return b.String()
}

var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true, atom.Hr: true,
	atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true,
	atom.Track: true, atom.Wbr: true,
}
