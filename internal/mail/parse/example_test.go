package parse_test

import (
	"fmt"

	"github.com/kefuhq/kefu/internal/mail/parse"
)

func ExampleParse() {
	raw := "From: =?gb2312?B?1cXOsA==?= <Zhang.Wei@Example.CN>\r\n" +
		"To: support@kefu.example\r\n" +
		"Subject: =?UTF-8?B?5Zue5aSN77yaWyMxMDAwMV0g6K6i5Y2V5pyq5Y+R6LSn?=\r\n" +
		"Message-ID: <a1@example.cn>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"还没发货。\r\n" +
		"\r\n" +
		"在 2026年11月22日 18:02，客服中心 <support@kefu.example> 写道：\r\n" +
		"> 预计明天发货。\r\n"
	m, err := parse.Parse([]byte(raw))
	if err != nil {
		fmt.Println("queue for an admin:", err)
		return
	}
	number, ok := parse.TicketNumber(m.Subject)
	reply, _ := parse.SplitQuoted(m.Text)
	fmt.Println(m.From.Name, m.From.Email)
	fmt.Println(parse.StripReplyPrefixes(m.Subject))
	fmt.Println(number, ok, m.Auto == parse.AutoNone)
	fmt.Println(reply)
	// Output:
	// 张伟 zhang.wei@example.cn
	// [#10001] 订单未发货
	// 10001 true true
	// 还没发货。
}
