package parse

import (
	"reflect"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Address
	}{
		{"bare", "a@Example.COM", []Address{{"", "a@example.com"}}},
		{"angle", "<a@example.com>", []Address{{"", "a@example.com"}}},
		{"quoted name", `"Zhang, San" <zs@example.cn>`, []Address{{"Zhang, San", "zs@example.cn"}}},
		{"unquoted comma in name", `Zhang, San <zs@example.cn>, b@example.cn`, []Address{{"Zhang, San", "zs@example.cn"}, {"", "b@example.cn"}}},
		{"encoded word in quotes", `"=?UTF-8?B?5byg5LiJ?=" <zs@example.cn>`, []Address{{"张三", "zs@example.cn"}}},
		{"comment name", "zs@example.cn (张三)", []Address{{"张三", "zs@example.cn"}}},
		{"group", "客服组: a@example.cn, b@example.cn;", []Address{{"", "a@example.cn"}, {"", "b@example.cn"}}},
		{"undisclosed", "undisclosed-recipients:;", nil},
		{"empty items", "a@example.cn,, ;", []Address{{"", "a@example.cn"}}},
		{"mailto and spaces", "<mailto:A@Example.cn >", []Address{{"", "a@example.cn"}}},
		{"name equal to address dropped", `"a@example.cn" <a@example.cn>`, []Address{{"", "a@example.cn"}}},
		{"escaped quote", `"Li \"Boss\" Ming" <lm@example.cn>`, []Address{{`Li "Boss" Ming`, "lm@example.cn"}}},
		{"no address", "Zhang San", nil},
		{"unterminated angle", "Zhang <zs@example.cn", []Address{{"Zhang", "zs@example.cn"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseAddressList(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseAddressList(%q) = %#v; want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMsgIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@x> <b@x>", []string{"a@x", "b@x"}},
		{"<a@x>\r\n\t<b@x> <a@x>", []string{"a@x", "b@x"}},
		{"<a@x> (message from Zhang San of Mon, 23 Nov 2026)", []string{"a@x"}},
		{"a@x b@x", []string{"a@x", "b@x"}},
		{"garbage without ids", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseMsgIDs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMsgIDs(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if got := parseMsgID("  <x.y@z>  "); got != "x.y@z" {
		t.Errorf("parseMsgID = %q", got)
	}
	if got := parseMsgID("not an id"); got != "" {
		t.Errorf("parseMsgID(not an id) = %q; want empty", got)
	}
}

func TestParseDate(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Mon, 23 Nov 2026 09:15:00 +0800", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"Mon, 23 Nov 2026 09:15:00 +0800 (CST)", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"23 Nov 2026 09:15:00 +0800", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"Mon, 23 Nov 2026 09:15:00 GMT+0800", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"Mon, 23 Nov 2026 09:15:00 GMT+8", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"Mon,23 Nov 2026 09:15:00 +0800", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"2026-11-23 09:15:00", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"2026年11月23日 09:15", time.Date(2026, 11, 23, 9, 15, 0, 0, cst)},
		{"2026-11-23T01:15:00Z", time.Date(2026, 11, 23, 1, 15, 0, 0, time.UTC)},
		{"明天", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got := parseDate(tt.in)
		if !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
			t.Errorf("parseDate(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseMediaHeader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		value  string
		params map[string]string
	}{
		{"simple", `text/plain; charset="UTF-8"`, "text/plain", map[string]string{"charset": "UTF-8"}},
		{"upper case and spaces", ` Text/HTML ;Charset = gbk ; format=flowed`, "text/html", map[string]string{"charset": "gbk", "format": "flowed"}},
		{"rfc 2231 utf-8", `attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf`, "attachment", map[string]string{"filename": "发票.pdf"}},
		{"rfc 2231 gb2312 (dropped by mime.ParseMediaType)", `attachment; filename*=gb2312''%B7%A2%C6%B1.pdf`, "attachment", map[string]string{"filename": "发票.pdf"}},
		{"rfc 2231 continuations mixed", `attachment; filename*0*=UTF-8'zh-cn'%E5%8F%91; filename*1*=%E7%A5%A8; filename*2=".pdf"`, "attachment", map[string]string{"filename": "发票.pdf"}},
		{"rfc 2231 continuations out of order", `attachment; filename*1="b.txt"; filename*0="a"`, "attachment", map[string]string{"filename": "ab.txt"}},
		{"rfc 2231 wins over plain", `attachment; filename="fallback.pdf"; filename*=UTF-8''%E5%8F%91.pdf`, "attachment", map[string]string{"filename": "发.pdf"}},
		{"encoded-word in quotes", `attachment; filename="=?UTF-8?B?5Y+R56Wo?=.pdf"`, "attachment", map[string]string{"filename": "发票.pdf"}},
		{"duplicate parameter keeps first", `text/plain; charset=utf-8; charset=gbk`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"semicolon inside quotes", `multipart/mixed; boundary="a;b"`, "multipart/mixed", map[string]string{"boundary": "a;b"}},
		{"boundary kept raw", `multipart/mixed; boundary="=?x?="`, "multipart/mixed", map[string]string{"boundary": "=?x?="}},
		{"raw 8-bit GBK filename", "attachment; filename=\"" + string(encodeWith(t, simplifiedchinese.GB18030, "报表.xls")) + "\"", "attachment", map[string]string{"filename": "报表.xls"}},
		{"bare token ignored", `attachment; junk; filename=a.txt`, "attachment", map[string]string{"filename": "a.txt"}},
		{"empty", ``, "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, p := parseMediaHeader(tt.in)
			if v != tt.value || !reflect.DeepEqual(p, tt.params) {
				t.Errorf("parseMediaHeader(%q) = %q %v; want %q %v", tt.in, v, p, tt.value, tt.params)
			}
		})
	}
}

func TestSafeFilename(t *testing.T) {
	long := ""
	for range 100 {
		long += "长"
	}
	tests := []struct {
		name, in, ct string
		n            int
		want         string
	}{
		{"kept", "发票.pdf", "application/pdf", 1, "发票.pdf"},
		{"unix path", "../../etc/passwd", "text/plain", 1, "passwd"},
		{"windows path", `..\..\Windows\evil.exe`, "application/x-msdownload", 1, "evil.exe"},
		{"reserved characters", `a<b>:c"d|e?f*.txt`, "text/plain", 1, "a_b__c_d_e_f_.txt"},
		{"control and bidi override", "invoice\u202egpj.exe\x00", "", 1, "invoicegpj.exe"},
		{"dots only", "..", "image/png", 3, "attachment-3.png"},
		{"empty with known type", "", "message/rfc822", 2, "attachment-2.eml"},
		{"empty with unknown type", "", "application/x-unknown", 4, "attachment-4"},
		{"long keeps extension and UTF-8", long + ".pdf", "application/pdf", 1, long[:195] + ".pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeFilename(tt.in, tt.ct, tt.n); got != tt.want {
				t.Errorf("safeFilename(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5L2g5aW9", "你好"},
		{"5L2g\r\n5aW9\r\n", "你好"},
		{"QQ==", "A"},
		{"QQ", "A"},
		{"QQ==QkM=", "ABC"},
		{"Q!Q*=\n", "A"},
		{"QUJD\nRA", "ABCD"},
		{"QUJDR", "ABC"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(decodeBase64Lenient(tt.in)); got != tt.want {
			t.Errorf("decodeBase64Lenient(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
