package parse

import "testing"

func TestSplitQuoted(t *testing.T) {
	tests := []struct {
		name, text, reply, quoted string
	}{
		{"no quote", "谢谢，已解决。\n", "谢谢，已解决。", ""},
		{"empty", "", "", ""},
		{"trailing > block",
			"Thanks!\n\n> old line 1\n> old line 2\n",
			"Thanks!", "> old line 1\n> old line 2"},
		{"interleaved quotes stay in the reply",
			"> question 1\nanswer 1\n> question 2\nanswer 2\n",
			"> question 1\nanswer 1\n> question 2\nanswer 2", ""},
		{"english attribution",
			"Works now.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support <support@kefu.example> wrote:\n> Please retry.\n",
			"Works now.", "On Mon, Nov 23, 2026 at 10:00 AM Support <support@kefu.example> wrote:\n> Please retry."},
		{"gmail wraps the attribution",
			"Works now.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Kefu Support Center <\nsupport@kefu.example> wrote:\n> Please retry.\n",
			"Works now.", "On Mon, Nov 23, 2026 at 10:00 AM Kefu Support Center <\nsupport@kefu.example> wrote:\n> Please retry."},
		{"chinese attribution",
			"好的。\n\n在 2026年11月22日周日 18:02，客服中心 <support@kefu.example> 写道：\n> 您好\n",
			"好的。", "在 2026年11月22日周日 18:02，客服中心 <support@kefu.example> 写道：\n> 您好"},
		{"qq mail attribution",
			"收到\n\n张三 <zs@example.cn> 于2026年11月22日周日 上午10:00写道:\n原文\n",
			"收到", "张三 <zs@example.cn> 于2026年11月22日周日 上午10:00写道:\n原文"},
		{"traditional attribution",
			"收到\n於 2026年11月22日 週日 客服 寫道：\n> 原文\n",
			"收到", "於 2026年11月22日 週日 客服 寫道：\n> 原文"},
		{"chinese original message separator",
			"已处理\n\n-----原始邮件-----\n发件人: a@example.cn\n主题: 问题\n",
			"已处理", "-----原始邮件-----\n发件人: a@example.cn\n主题: 问题"},
		{"english original message separator",
			"Done\r\n\r\n-----Original Message-----\r\nFrom: a@example.com\r\n",
			"Done", "-----Original Message-----\nFrom: a@example.com"},
		{"outlook chinese header block with rule",
			"好的\n\n________________________________\n发件人: 客服中心 <support@kefu.example>\n发送时间: 2026年12月10日 17:02\n收件人: 郑强\n主题: 退款\n\n原文\n",
			"好的", "________________________________\n发件人: 客服中心 <support@kefu.example>\n发送时间: 2026年12月10日 17:02\n收件人: 郑强\n主题: 退款\n\n原文"},
		{"outlook english header block without rule",
			"OK\n\nFrom: Support <support@kefu.example>\nSent: Thursday, December 10, 2026 5:02 PM\nTo: Zheng\nSubject: refund\n\nbody\n",
			"OK", "From: Support <support@kefu.example>\nSent: Thursday, December 10, 2026 5:02 PM\nTo: Zheng\nSubject: refund\n\nbody"},
		{"foxmail full-width colons",
			"嗯\n\n发件人：客服\n发送时间：2026-12-10 17:02\n收件人：我\n主题：退款\n",
			"嗯", "发件人：客服\n发送时间：2026-12-10 17:02\n收件人：我\n主题：退款"},
		{"a From: line alone is not a header block",
			"From: my old address I used to write from\nis gone.\n",
			"From: my old address I used to write from\nis gone.", ""},
		{"wrote: inside a long sentence is not an attribution",
			"I checked what the manual says and it is not what your colleague wrote:\nsee page 4.\n",
			"I checked what the manual says and it is not what your colleague wrote:\nsee page 4.", ""},
		{"qq mail separator with no-break spaces",
			"好的\n\n------------------\u00a0原始邮件\u00a0------------------\n发件人: \"客服\"<support@kefu.example>;\n",
			"好的", "------------------\u00a0原始邮件\u00a0------------------\n发件人: \"客服\"<support@kefu.example>;"},
		{"qq mail english separator",
			"OK\n\n------------------ Original ------------------\nFrom: support\n",
			"OK", "------------------ Original ------------------\nFrom: support"},
		{"whole mail is a forward",
			"-----Original Message-----\nFrom: x@example.com\n",
			"", "-----Original Message-----\nFrom: x@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, quoted := SplitQuoted(tt.text)
			if reply != tt.reply || quoted != tt.quoted {
				t.Errorf("SplitQuoted(%q)\n got reply %q quoted %q\nwant reply %q quoted %q", tt.text, reply, quoted, tt.reply, tt.quoted)
			}
		})
	}
}
