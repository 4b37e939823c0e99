package parse

import "testing"

func TestSplitQuotedHTML(t *testing.T) {
	tests := []struct {
		name, in, reply, quoted string
	}{
		{"no quote", `<p>只有回复</p>`, `<p>只有回复</p>`, ``},
		{"gmail",
			`<div dir="ltr">好的</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Dec 14, 2026 at 10:00 AM Support &lt;<a href="mailto:support@kefu.example">support@kefu.example</a>&gt; wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>`,
			`<div dir="ltr">好的</div><br>`,
			`<div data-quote="1"><div dir="ltr">On Mon, Dec 14, 2026 at 10:00 AM Support &lt;<a href="mailto:support@kefu.example" rel="nofollow noreferrer">support@kefu.example</a>&gt; wrote:<br></div><blockquote>old</blockquote></div>`},
		{"apple mail attribution collapses with the quote",
			`<div>Thanks</div><div><br><div>On Dec 14, 2026, at 10:00, Support &lt;support@kefu.example&gt; wrote:</div><br><blockquote type="cite"><div>old</div></blockquote></div>`,
			`<div>Thanks</div><div><br></div>`,
			`<div data-quote="1">On Dec 14, 2026, at 10:00, Support &lt;support@kefu.example&gt; wrote:</div><br><blockquote><div>old</div></blockquote>`},
		{"thunderbird",
			`<p>OK</p><div class="moz-cite-prefix">在 2026/12/14 10:00, 客服 写道:<br></div><blockquote type="cite">old</blockquote>`,
			`<p>OK</p>`,
			`<div data-quote="1">在 2026/12/14 10:00, 客服 写道:<br></div><blockquote>old</blockquote>`},
		{"outlook on the web",
			`<div>收到</div><hr><div id="divRplyFwdMsg"><b>发件人:</b> 客服</div><div>old</div>`,
			`<div>收到</div><hr>`,
			`<div data-quote="1"><b>发件人:</b> 客服</div><div>old</div>`},
		{"netease with attribution before the quote",
			`<div>好</div><div>在 2026-12-14 10:00:00，"客服" &lt;support@kefu.example&gt; 写道：</div><blockquote id="isReplyContent">old</blockquote>`,
			`<div>好</div>`,
			`<div data-quote="1">在 2026-12-14 10:00:00，&#34;客服&#34; &lt;support@kefu.example&gt; 写道：</div><blockquote>old</blockquote>`},
		{"original message separator",
			`<p>Done</p><p>-----Original Message-----<br>From: a@example.com</p>`,
			`<p>Done</p>`,
			`<p data-quote="1">-----Original Message-----<br>From: a@example.com</p>`},
		{"quote nested deep is cut with balanced tags",
			`<table><tr><td><div>reply</div><div class="gmail_quote">old</div></td></tr></table>`,
			`<table><tr><td><div>reply</div></td></tr></table>`,
			`<div data-quote="1">old</div>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, quoted := SplitQuotedHTML(sanitizeHTML(tt.in))
			if reply != tt.reply || quoted != tt.quoted {
				t.Errorf("SplitQuotedHTML(sanitizeHTML(%q))\n got reply  %q\n    quoted %q\nwant reply  %q\n    quoted %q", tt.in, reply, quoted, tt.reply, tt.quoted)
			}
		})
	}
}

func TestBalanceHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<div><p>a`, `<div><p>a</p></div>`},
		{`a</div></p>b`, `ab`},
		{`<div><b>a</div>`, `<div><b>a</b></div>`},
		{`<p>a<br>b<img src="cid:x"></p>`, `<p>a<br>b<img src="cid:x"></p>`},
	}
	for _, tt := range tests {
		if got := balanceHTML(tt.in); got != tt.want {
			t.Errorf("balanceHTML(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
