package mail

import "testing"

func TestReplySubject(t *testing.T) {
	for _, tc := range []struct {
		subject string
		want    string
	}{
		{"空调不制冷", "Re: 空调不制冷 [#10001]"},
		{"回复：空调不制冷", "Re: 空调不制冷 [#10001]"},
		{"Re: 空调不制冷 [#10001]", "Re: 空调不制冷 [#10001]"},
		{"RE: Re: order delayed [#10001]", "Re: order delayed [#10001]"},
		{"Re: 空调不制冷 [#10002]", "Re: 空调不制冷 [#10002] [#10001]"}, // another ticket's token stays a word of the subject
	} {
		if got := replySubject(tc.subject, 10001); got != tc.want {
			t.Errorf("replySubject(%q) = %q, want %q", tc.subject, got, tc.want)
		}
	}
}
