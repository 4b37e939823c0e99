package parse

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// RemoteSrcAttr holds the original URL of a remote image whose src was
// removed, so a UI can offer "show images" without the sender learning that
// the mail was opened.
const RemoteSrcAttr = "data-remote-src"

// mailPolicy is what survives of an HTML mail: the layout tags mail clients
// produce (tables, fonts, inline styles with harmless properties), links that
// open elsewhere, and images only from cid: parts or data: URIs. No script,
// forms, frames, style sheets, event handlers or remote resources.
var mailPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "tel", "cid")
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowElements("font", "center", "span", "div", "u", "s", "strike", "small", "big")
	p.AllowAttrs("color", "face", "size").OnElements("font")
	p.AllowAttrs("align", "valign", "width", "height", "bgcolor", "cellpadding", "cellspacing", "border", "colspan", "rowspan", "dir").
		OnElements("table", "tr", "td", "th", "tbody", "thead", "tfoot", "col", "colgroup")
	p.AllowAttrs("align", "dir").OnElements("p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("width", "height", "alt", "title", "align", "border").OnElements("img")
	p.AllowAttrs(RemoteSrcAttr).Matching(regexp.MustCompile(`^https?://[^\s"'<>]+$`)).OnElements("img")
	p.AllowAttrs(QuoteAttr).Matching(regexp.MustCompile(`^1$`)).Globally()
	p.AllowStyles("color", "background-color", "font-family", "font-size", "font-weight", "font-style",
		"text-align", "text-decoration", "text-indent", "line-height", "letter-spacing", "vertical-align",
		"white-space", "margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
		"padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
		"border", "border-top", "border-bottom", "border-left", "border-right", "border-color",
		"border-style", "border-width", "border-collapse", "width", "max-width", "min-width", "height",
		"list-style-type", "direction").Globally()
	return p
}()

// sanitizeHTML blocks remote images, marks where quoted history starts and
// then lets bluemonday decide what survives; bluemonday runs last so its
// guarantees hold for the output.
func sanitizeHTML(doc string) string {
	if strings.TrimSpace(doc) == "" {
		return ""
	}
	return strings.TrimSpace(mailPolicy.Sanitize(prepareHTML(doc)))
}

// prepareHTML rewrites the few tags that need it before sanitising: every
// <img> that would load from the network gets its src moved into
// RemoteSrcAttr (cid: and data: images are kept), and the element where the
// quoted history begins gets QuoteAttr (see quotehtml.go). It works on the
// token stream, not a parsed tree: tree construction is quadratic in the
// nesting depth and a mail of 100,000 nested <div>s would stall it.
func prepareHTML(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	q := quoteMarker{out: make([]byte, 0, len(doc)+64)}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return string(q.out)
		}
		// Copied: Token and Text unescape inside the tokenizer's buffer,
		// which would corrupt a slice of it.
		raw := append([]byte(nil), z.Raw()...)
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.DataAtom == atom.Img {
				blockRemoteSrc(&tok)
				q.out = append(q.out, tok.String()...)
				continue
			}
			q.startTag(tok, raw)
		case html.TextToken:
			q.text(string(z.Text()), raw)
		default:
			q.out = append(q.out, raw...)
		}
	}
}

// blockRemoteSrc moves a network src into RemoteSrcAttr and drops srcset.
func blockRemoteSrc(tok *html.Token) {
	attrs := tok.Attr[:0:0]
	for _, a := range tok.Attr {
		switch a.Key {
		case "src":
			v := strings.TrimSpace(a.Val)
			lv := strings.ToLower(v)
			if strings.HasPrefix(lv, "cid:") || strings.HasPrefix(lv, "data:image/") {
				attrs = append(attrs, a)
			} else {
				attrs = append(attrs, html.Attribute{Key: RemoteSrcAttr, Val: v})
			}
		case "srcset", RemoteSrcAttr, QuoteAttr:
			// never let the sender choose what a UI loads or collapses
		default:
			attrs = append(attrs, a)
		}
	}
	tok.Attr = attrs
}

// cidReferences lists the Content-IDs an HTML body shows via cid: URLs.
func cidReferences(doc string) map[string]bool {
	refs := map[string]bool{}
	lower := strings.ToLower(doc)
	for i := 0; ; {
		j := strings.Index(lower[i:], "cid:")
		if j < 0 {
			break
		}
		start := i + j + 4
		end := start
		for end < len(doc) && !strings.ContainsRune("\"' )>\t\r\n", rune(doc[end])) {
			end++
		}
		if end > start {
			refs[strings.ToLower(unescapeURL(doc[start:end]))] = true
		}
		i = end
		if i >= len(doc) {
			break
		}
	}
	return refs
}

func unescapeURL(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return string(percentDecode(s))
}

// htmlToText renders an HTML body as plain text for the ticket view and the
// search index: blocks become lines, links keep their text, scripts, styles
// and head content disappear. Like blockRemoteImages it reads tokens, so its
// cost is linear whatever the nesting.
func htmlToText(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	var b strings.Builder
	newline := func() {
		if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	var skip atom.Atom // inside an element whose text is not content
	inHead := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			if skip != 0 || inHead {
				continue
			}
			t := collapseSpaces(string(z.Text()))
			s := b.String()
			if s == "" || strings.HasSuffix(s, "\n") {
				t = strings.TrimLeft(t, " ")
			} else if strings.HasSuffix(s, " ") {
				t = strings.TrimLeft(t, " ")
			}
			b.WriteString(t)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Title, atom.Noscript, atom.Template, atom.Textarea:
				if tt == html.StartTagToken {
					skip = a
				}
			case atom.Head:
				inHead = true
			case atom.Body:
				inHead = false
			case atom.Br:
				b.WriteByte('\n')
			case atom.Img:
				for hasAttr {
					var key, val []byte
					key, val, hasAttr = z.TagAttr()
					if string(key) == "alt" && strings.TrimSpace(string(val)) != "" {
						b.WriteString("[" + strings.TrimSpace(string(val)) + "]")
					}
				}
			case atom.Li:
				newline()
				b.WriteString("- ")
			case atom.Td, atom.Th:
				if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, " ") {
					b.WriteByte(' ')
				}
			default:
				if blockElements[a] {
					newline()
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == skip:
				skip = 0
			case a == atom.Head:
				inHead = false
			case a == atom.Li || blockElements[a]:
				newline()
			}
		}
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \u00a0")
	}
	out := strings.Join(lines, "\n")
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(out)
}

var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Tr: true, atom.Table: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Center: true,
}

var spaceRun = regexp.MustCompile(`[ \t\r\n\f]+`)

func collapseSpaces(s string) string {
	return spaceRun.ReplaceAllString(s, " ")
}
