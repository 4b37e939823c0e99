package parse

import "testing"

func TestTicketNumber(t *testing.T) {
	tests := []struct {
		subject string
		want    int64
		ok      bool
	}{
		{"[#10001] 订单未发货", 10001, true},
		{"Re: [#10001] order", 10001, true},
		{"回复：［＃10002］退款申请", 10002, true},
		{"答复: ［＃１０００３］全角数字", 10003, true},
		{"[ #42 ] spaced", 42, true},
		{"first [#7] then [#8]", 7, true},
		{"#10001 without brackets", 0, false},
		{"[10001] without hash", 0, false},
		{"[#] empty", 0, false},
		{"[#0] zero", 0, false},
		{"[#99999999999999999999] too long", 0, false},
		{"[#12a] not a number", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := TicketNumber(tt.subject)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TicketNumber(%q) = %d, %v; want %d, %v", tt.subject, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStripReplyPrefixes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Re: hello", "hello"},
		{"RE: RE: Fwd: hello", "hello"},
		{"FW: hello", "hello"},
		{"Fwd:hello", "hello"},
		{"回复: 订单", "订单"},
		{"回复：订单", "订单"},
		{"答复: 回复：［＃10002］退款申请", "［＃10002］退款申请"},
		{"转发：派送失败通知", "派送失败通知"},
		{"回覆：訂單", "訂單"},
		{"轉寄: 訂單", "訂單"},
		{"Re[2]: counted", "counted"},
		{"Re : french spacing", "french spacing"},
		{"AW: WG: german", "german"},
		{"  re:  spaced  ", "spaced"},
		{"Regarding: not a prefix", "Regarding: not a prefix"},
		{"Reply needed", "Reply needed"},
		{"回复我一下", "回复我一下"},
		{"[#10001] Re: inner prefix kept", "[#10001] Re: inner prefix kept"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := StripReplyPrefixes(tt.in); got != tt.want {
			t.Errorf("StripReplyPrefixes(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
