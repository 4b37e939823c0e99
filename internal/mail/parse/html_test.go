package parse

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func TestSanitizeHTML(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		contains    []string
		notContains []string
	}{
		{"script and handlers removed", `<p onclick="x()">hi</p><script>alert(1)</script>`,
			[]string{"<p>hi</p>"}, []string{"script", "onclick", "alert"}},
		{"remote image blocked, url kept", `<img src="https://t.example.com/p.gif?id=1&amp;u=2" alt="x">`,
			[]string{`data-remote-src="https://t.example.com/p.gif?id=1&amp;u=2"`}, []string{" src="}},
		{"protocol-relative image blocked", `<img src="//t.example.com/p.gif">`,
			nil, []string{"src=", "t.example.com"}},
		{"srcset removed", `<img src="cid:a@b" srcset="https://t.example.com/2x.png 2x">`,
			[]string{`src="cid:a@b"`}, []string{"srcset", "t.example.com"}},
		{"cid image kept", `<img src="cid:logo@x">`, []string{`src="cid:logo@x"`}, []string{RemoteSrcAttr}},
		{"data image kept", `<img src="data:image/png;base64,iVBORw0KGgo=">`, []string{`src="data:image/png;base64,iVBORw0KGgo="`}, nil},
		{"sender cannot pre-set the remote attribute", `<img data-remote-src="javascript:alert(1)">`, nil, []string{"javascript"}},
		{"javascript link removed", `<a href="javascript:alert(1)">x</a>`, []string{"x"}, []string{"javascript", "href"}},
		{"links open elsewhere without referrer", `<a href="https://example.com/">x</a>`,
			[]string{`target="_blank"`, "noreferrer", "nofollow"}, nil},
		{"safe inline style kept, url() and position dropped", `<p style="color: #333; position: fixed; background-image: url(https://t.example.com/bg.png)">x</p>`,
			[]string{"color: #333"}, []string{"position", "url(", "t.example.com"}},
		{"style url in an allowed property dropped", `<div style="border: url(https://t.example.com/b.png)">x</div>`,
			nil, []string{"url(", "t.example.com"}},
		{"style sheets, forms, frames removed", `<style>p{}</style><link rel=stylesheet href="https://t.example.com/a.css"><form action="https://evil.example"><input name=pw></form><iframe src="https://evil.example"></iframe>ok`,
			[]string{"ok"}, []string{"style", "link", "form", "input", "iframe", "evil"}},
		{"table layout kept", `<table width="600" cellpadding="4"><tr><td align="center" bgcolor="#eeeeee">x</td></tr></table>`,
			[]string{`width="600"`, `align="center"`, `bgcolor="#eeeeee"`}, nil},
		{"background attribute dropped", `<table background="https://t.example.com/bg.png"><tr><td>x</td></tr></table>`,
			nil, []string{"background", "t.example.com"}},
		{"entities in attributes and text survive", `<p><img src="cid:x" alt="a &amp; b"><a href="https://x.example/?a=1&amp;b=2">x &amp; y</a></p>`,
			[]string{`alt="a &amp; b"`, `href="https://x.example/?a=1&amp;b=2"`, "x &amp; y"}, nil},
		{"crlf text unchanged", "<p>a\r\nb</p>", []string{"<p>a\nb</p>"}, nil},
		{"ids removed", `<div id="app">x</div>`, []string{"<div>x</div>"}, []string{"id="}},
		{"sender cannot pre-set the quote marker", `<div data-quote="1">mine</div>`, []string{"<div>mine</div>"}, []string{QuoteAttr}},
		{"empty", "  ", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sanitizeHTML(tt.in)
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("sanitizeHTML(%q) = %q; want it to contain %q", tt.in, got, s)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(got, s) {
					t.Errorf("sanitizeHTML(%q) = %q; must not contain %q", tt.in, got, s)
				}
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs and breaks", "<p>您好：</p><p>第一行<br>第二行</p>", "您好：\n第一行\n第二行"},
		{"head, script and style skipped", "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script>正文</body></html>", "正文"},
		{"whitespace collapsed", "<div>  a \n\t b  </div>", "a b"},
		{"list items", "<ul><li>一</li><li>二</li></ul>", "- 一\n- 二"},
		{"table cells", "<table><tr><td>商品</td><td>杯子</td></tr><tr><td>数量</td><td>2</td></tr></table>", "商品 杯子\n数量 2"},
		{"image alt", `<p>logo: <img src="cid:x" alt="标志"></p>`, "logo: [标志]"},
		{"entities", "<p>A &amp; B &lt;3&gt; &yen;</p>", "A & B <3> ¥"},
		{"blank lines bounded", "<p>a</p><p></p><p></p><p></p><p>b</p>", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		delSp bool
		want  string
	}{
		{"soft breaks joined", "This is a long \nparagraph that \nwraps.\nNext line.", false, "This is a long paragraph that wraps.\nNext line."},
		{"delsp removes the break space", "中文段落被 \n折行了。", true, "中文段落被折行了。"},
		{"quotes join at the same depth", "> quoted soft \n> continued\n>> deeper\nplain", false, "> quoted soft continued\n>> deeper\nplain"},
		{"signature separator kept", "text\n-- \nZhang San", false, "text\n-- \nZhang San"},
		{"space-stuffed line", " From here on", false, "From here on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflow(tt.in, tt.delSp); got != tt.want {
				t.Errorf("unflow(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestDeepHTMLNesting guards the token-stream design: building a tree of
// 100,000 nested elements is quadratic and would make this test time out.
func TestDeepHTMLNesting(t *testing.T) {
	const depth = 100000
	body := strings.Repeat("<div>", depth) + `深<img src="https://t.example.com/x.gif">` + strings.Repeat("</div>", depth)
	raw := "From: a@example.cn\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "深" || strings.Contains(m.HTML, ` src=`) || !strings.Contains(m.HTML, RemoteSrcAttr) {
		t.Errorf("text %q, html has %d bytes", m.Text, len(m.HTML))
	}
}

// FuzzSanitizeHTML checks the HTML path on its own: whatever the input, no
// script, handler or remote image survives, and the quote split stays
// well-formed.
func FuzzSanitizeHTML(f *testing.F) {
	for _, seed := range []string{
		`<p onclick="x()">hi<script>alert(1)</script><img src="https://t.example.com/p.gif"></p>`,
		`<div class="gmail_quote"><blockquote type="cite">old</blockquote></div>`,
		`<div>a</div><div>On Mon, 1 Dec 2026 Support &lt;s@kefu.example&gt; wrote:</div><blockquote type="cite">q</blockquote>`,
		`<p>-----Original Message-----</p><table><tr><td><img src="cid:a@b" srcset="https://x/2x.png">`,
		`<a href="javascript:alert(1)">x</a><svg><image href="https://t.example.com/x"/></svg><style>@import url(https://t.example.com)</style>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		out := sanitizeHTML(doc)
		z := html.NewTokenizer(strings.NewReader(out))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			switch tok.DataAtom {
			case atom.Script, atom.Style, atom.Iframe, atom.Object, atom.Embed, atom.Form, atom.Link, atom.Meta, atom.Base:
				t.Fatalf("sanitizeHTML(%q) kept <%s>", doc, tok.Data)
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || a.Key == "srcset" || a.Key == "id" ||
					(a.Key == "src" && !strings.HasPrefix(v, "cid:") && !strings.HasPrefix(v, "data:image/")) ||
					(a.Key == "href" && strings.HasPrefix(v, "javascript:")) {
					t.Fatalf("sanitizeHTML(%q) kept %s=%q on <%s>", doc, a.Key, a.Val, tok.Data)
				}
			}
		}
		reply, quoted := SplitQuotedHTML(out)
		if utf8.ValidString(doc) && (!utf8.ValidString(out) || !utf8.ValidString(reply) || !utf8.ValidString(quoted)) {
			t.Fatalf("invalid UTF-8 from valid input %q", doc)
		}
		if quoted == "" && reply != out {
			t.Fatalf("no quote but reply differs: %q vs %q", reply, out)
		}
		_ = htmlToText(doc)
	})
}
