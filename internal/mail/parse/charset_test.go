package parse

import (
	"encoding/base64"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func encodeWith(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDecodeText(t *testing.T) {
	gb := func(s string) []byte { return encodeWith(t, simplifiedchinese.GB18030, s) }
	tests := []struct {
		name    string
		in      []byte
		label   string
		want    string
		charset string
	}{
		{"ascii", []byte("hello"), "", "hello", csASCII},
		{"utf-8 declared", []byte("你好"), "UTF-8", "你好", csUTF8},
		{"gb2312 label decodes as GB18030 (GBK-only 镕)", gb("朱镕基"), "gb2312", "朱镕基", csGB18030},
		{"gbk label", gb("客服"), "GBK", "客服", csGB18030},
		{"x-gbk label", gb("客服"), "x-gbk", "客服", csGB18030},
		{"gb18030 four-byte", gb("𠮷😀"), "gb18030", "𠮷😀", csGB18030},
		{"WHATWG alias of GBK", gb("客服"), "gb_2312", "客服", csGB18030},
		{"Outlook's Korean label", encodeWith(t, korean.EUCKR, "안녕하세요"), "ks_c_5601-1987", "안녕하세요", "euc-kr"},
		{"quoted label", gb("客服"), `"gb2312"`, "客服", csGB18030},
		{"hz-gb-2312 is 7-bit", encodeWith(t, simplifiedchinese.HZGB2312, "你好"), "HZ-GB-2312", "你好", "hz-gb-2312"},
		{"big5", encodeWith(t, traditionalchinese.Big5, "繁體中文"), "big5", "繁體中文", csBig5},
		{"iso-2022-jp", encodeWith(t, japanese.ISO2022JP, "日本語"), "ISO-2022-JP", "日本語", csISO2022J},
		{"iso-2022-jp without label", encodeWith(t, japanese.ISO2022JP, "日本語"), "", "日本語", csISO2022J},
		{"shift_jis via htmlindex", encodeWith(t, japanese.ShiftJIS, "日本語です"), "shift_jis", "日本語です", "shift_jis"},
		{"us-ascii label on GBK bytes", gb("会员积分被清零"), "us-ascii", "会员积分被清零", csGB18030},
		{"latin1 label on GBK bytes", gb("会员积分被清零"), "iso-8859-1", "会员积分被清零", csGB18030},
		{"no label on GBK bytes", gb("快递单号"), "", "快递单号", csGB18030},
		{"latin1 label on UTF-8 bytes", []byte("密码错误"), "iso-8859-1", "密码错误", csUTF8},
		{"gb2312 label on UTF-8 Chinese", []byte("密码错误"), "gb2312", "密码错误", csUTF8},
		{"gb2312 label on GBK that is also valid UTF-8", gb("郑 强"), "gb2312", "郑 强", csGB18030},
		{"no label on GBK that is also valid UTF-8", gb("郑 强"), "", "郑 强", csGB18030},
		{"genuine latin1 stays latin", []byte("Tr\xe8s bien re\xe7u, caf\xe9"), "iso-8859-1", "Très bien reçu, café", csW1252},
		{"latin1 where accents pair like GBK", []byte("Tr\xe8s re\xe7u"), "", "Très reçu", csW1252},
		{"windows-1252 euro under latin1 label", []byte("45\x80"), "iso-8859-1", "45€", csW1252},
		{"utf-8 label with invalid bytes", []byte("ok\xff"), "utf-8", "ok\ufffd", csUTF8},
		{"unknown label, UTF-8 bytes", []byte("é"), "x-made-up", "é", csUTF8},
		{"GBK cut mid-character under a latin1 label", gb("快递单号")[:7], "iso-8859-1", "快递单\ufffd", csGB18030},
		{"latin1 with a cut accent stays latin", []byte("Tr\xe8s bien, caf\xe9"), "", "Très bien, café", csW1252},
		{"big5 mislabelled as ascii", encodeWith(t, traditionalchinese.Big5, "請問何時出貨，謝謝您"), "us-ascii", "請問何時出貨，謝謝您", csBig5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs := decodeText(tt.in, tt.label)
			if got != tt.want || cs != tt.charset {
				t.Errorf("decodeText(%q, %q) = %q, %q; want %q, %q", tt.in, tt.label, got, cs, tt.want, tt.charset)
			}
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	gb := func(s string) []byte { return encodeWith(t, simplifiedchinese.GB18030, s) }
	b64 := base64.StdEncoding.EncodeToString
	split := gb("退款申请")
	u := []byte("紧急订单")
	tests := []struct{ name, in, want string }{
		{"plain", "Hello  world", "Hello world"},
		{"b utf-8", "=?UTF-8?B?" + b64([]byte("你好")) + "?=", "你好"},
		{"q utf-8 with underscore", "=?utf-8?Q?Zhang_San_=E5=BC=A0?=", "Zhang San 张"},
		{"lower-case encoding letter", "=?utf-8?q?a_b?=", "a b"},
		{"gbk split mid-character", "=?GBK?B?" + b64(split[:3]) + "?= =?GBK?B?" + b64(split[3:]) + "?=", "退款申请"},
		{"utf-8 split mid-character, folded", "=?UTF-8?B?" + b64(u[:4]) + "?=\r\n =?UTF-8?B?" + b64(u[4:]) + "?=", "紧急订单"},
		{"adjacent words without space", "=?UTF-8?B?" + b64(u[:4]) + "?==?UTF-8?B?" + b64(u[4:]) + "?=", "紧急订单"},
		{"text between words kept", "=?UTF-8?B?" + b64([]byte("订单")) + "?= 123 =?UTF-8?B?" + b64([]byte("号")) + "?=", "订单 123 号"},
		{"different charsets adjacent", "=?GBK?B?" + b64(gb("客服")) + "?= =?UTF-8?B?" + b64([]byte("中心")) + "?=", "客服中心"},
		{"missing padding", "=?UTF-8?B?5L2g5aW9?=", "你好"},
		{"rfc 2231 language in word", "=?UTF-8*zh-CN?B?" + b64([]byte("你好")) + "?=", "你好"},
		{"raw 8-bit GBK", string(gb("关于会员积分")), "关于会员积分"},
		{"raw 8-bit UTF-8", "关于会员积分", "关于会员积分"},
		{"broken word left as text", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
		{"unterminated word", "=?UTF-8?B?5L2g", "=?UTF-8?B?5L2g"},
		{"control characters removed", "a\x00b\x07c\td", "a bc d"},
		{"mislabelled encoded-word", "=?us-ascii?B?" + b64(gb("发货")) + "?=", "发货"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeHeader(tt.in); got != tt.want {
				t.Errorf("decodeHeader(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
