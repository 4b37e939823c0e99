package parse

import (
	"strings"
	"testing"
)

// How the mail clients Chinese customers use quote the mail they answer, in their text and
// HTML bodies (the markup each client writes, with our address and a made-up customer):
// the reply must come out alone and the history must be collapsible, attribution included.
func TestSplitQuotedChineseClients(t *testing.T) {
	texts := []struct{ client, text, reply, quotedStart string }{
		{"Foxmail", "收到，谢谢！\n\n\n\n发件人： 客服中心\n发送时间： 2026-11-23 10:00\n收件人： zhang@example.cn\n主题： Re: 退款问题 [#10001]\n\n您好，退款已原路退回。\n",
			"收到，谢谢！", "发件人： 客服中心"},
		{"QQ Mail", "好的\n\n\n\n------------------\u00a0原始邮件\u00a0------------------\n发件人: \"客服中心\"<support@kefu.example>;\n发送时间: 2026年11月23日(星期一) 上午10:00\n收件人: \"张三\"<zhang@example.cn>;\n主题: Re: 退款问题\n\n您好\n",
			"好的", "------------------\u00a0原始邮件\u00a0------------------"},
		{"QQ Mail in English", "OK\n\n------------------ Original ------------------\nFrom:  \"客服中心\"<support@kefu.example>;\nDate:  Mon, Nov 23, 2026 10:00 AM\n",
			"OK", "------------------ Original ------------------"},
		{"NetEase 163", "已经收到退款了\n\n\n\n\n\n\n\n在 2026-11-23 10:00:00，\"客服中心\" <support@kefu.example> 写道：\n>您好，退款已原路退回。\n",
			"已经收到退款了", "在 2026-11-23 10:00:00，"},
		{"Outlook zh-CN", "谢谢\n\n________________________________\n发件人: 客服中心 <support@kefu.example>\n发送时间: 2026年11月23日 10:00\n收件人: 张三 <zhang@example.cn>\n主题: 回复: 退款问题 [#10001]\n\n您好\n",
			"谢谢", "________________________________"},
		{"Outlook desktop zh-CN", "谢谢\n\n发件人: 客服中心 <support@kefu.example> \n发送时间: 2026年11月23日 10:00\n收件人: 张三 <zhang@example.cn>\n主题: 回复: 退款问题\n\n您好\n",
			"谢谢", "发件人: 客服中心"},
		{"Gmail zh-CN", "好的\n\n客服中心 <support@kefu.example> 于2026年11月23日周一 10:00写道：\n\n> 您好，退款已原路退回。\n>\n",
			"好的", "客服中心 <support@kefu.example> 于2026年11月23日周一 10:00写道："},
		{"Apple Mail zh-CN", "好的\n\n> 2026年11月23日 上午10:00，客服中心 <support@kefu.example> 写道：\n> \n> 您好\n",
			"好的", "> 2026年11月23日"},
		{"Apple Mail, attribution unquoted", "好的\n\n2026年11月23日 上午10:00，客服中心 <support@kefu.example> 写道：\n\n> 您好\n",
			"好的", "2026年11月23日 上午10:00"},
	}
	for _, tt := range texts {
		t.Run("text/"+tt.client, func(t *testing.T) {
			reply, quoted := SplitQuoted(tt.text)
			if reply != tt.reply || !strings.HasPrefix(quoted, tt.quotedStart) {
				t.Errorf("reply %q, quoted %q; want reply %q and quoted from %q", reply, quoted, tt.reply, tt.quotedStart)
			}
		})
	}
	// quotedTag is the element the history starts with; the parser marks it (QuoteAttr).
	htmls := []struct{ client, html, reply, quotedTag, quotedHas string }{
		{"Foxmail",
			`<div>收到，谢谢！</div><div><br></div><div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><div style="PADDING-RIGHT: 8px; PADDING-LEFT: 8px; FONT-SIZE: 12px;FONT-FAMILY:tahoma;COLOR:#000000; BACKGROUND: #efefef; PADDING-BOTTOM: 8px; PADDING-TOP: 8px"><div><b>发件人：</b>&nbsp;<a href="mailto:support@kefu.example">客服中心</a></div><div><b>发送时间：</b>&nbsp;2026-11-23&nbsp;10:00</div></div></div><div>您好</div>`,
			`<div>收到，谢谢！</div><div><br></div>`, "div", "发件人："},
		{"QQ Mail",
			`<div>好的</div><div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div><div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"客服中心"&lt;support@kefu.example&gt;;</div></div><div>您好</div>`,
			`<div>好的</div><div><br></div>`, "div", "原始邮件"},
		{"NetEase 163",
			`<div>已经收到退款了</div><br><br><div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br><pre><br>在 2026-11-23 10:00:00，"客服中心" &lt;support@kefu.example&gt; 写道：<br></pre><blockquote id="isReplyContent" style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">您好，退款已原路退回。</blockquote>`,
			`<div>已经收到退款了</div><br><br><div></div><div></div><br>`, "pre", "写道："},
		{"Outlook on the web zh-CN",
			`<div dir="ltr">谢谢</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" color="#000000"><b>发件人:</b> 客服中心 &lt;support@kefu.example&gt;<br><b>发送时间:</b> 2026年11月23日 10:00<br><b>主题:</b> 回复: 退款问题</font></div><div>您好</div>`,
			`<div dir="ltr">谢谢</div>`, "div", "发送时间:"},
		{"Outlook desktop zh-CN",
			`<div class="WordSection1"><p class="MsoNormal">谢谢</p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>发件人<span lang="EN-US">:</span></b> 客服中心<br><b>发送时间<span lang="EN-US">:</span></b> 2026年11月23日 10:00</p></div><p class="MsoNormal">您好</p></div>`,
			`<div><p>谢谢</p></div>`, "div", "发件人"},
		{"Gmail zh-CN",
			`<div dir="ltr">好的</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">客服中心 &lt;<a href="mailto:support@kefu.example">support@kefu.example</a>&gt; 于2026年11月23日周一 10:00写道：<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">您好</blockquote></div>`,
			`<div dir="ltr">好的</div><br>`, "div", "写道："},
		{"Apple Mail zh-CN",
			`<html><body dir="auto"><div dir="ltr">好的</div><div dir="ltr"><br><blockquote type="cite">2026年11月23日 上午10:00，客服中心 &lt;support@kefu.example&gt; 写道：<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">您好</div></blockquote></body></html>`,
			`<div dir="ltr">好的</div><div dir="ltr"><br></div>`, "blockquote", "写道："},
	}
	for _, tt := range htmls {
		t.Run("html/"+tt.client, func(t *testing.T) {
			reply, quoted := SplitQuotedHTML(sanitizeHTML(tt.html))
			first, _, _ := strings.Cut(quoted, ">")
			if reply != tt.reply || !strings.HasPrefix(first, "<"+tt.quotedTag+" ") || !strings.Contains(first, QuoteAttr+`="1"`) || !strings.Contains(quoted, tt.quotedHas) {
				t.Errorf("\n got reply  %q\n    quoted %q\nwant reply  %q, quoted from a marked <%s> with %q", reply, quoted, tt.reply, tt.quotedTag, tt.quotedHas)
			}
		})
	}
}
