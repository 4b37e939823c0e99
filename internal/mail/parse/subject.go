package parse

import (
	"regexp"
	"strconv"
	"strings"
)

// ticketToken matches our subject token in half- and full-width forms:
// "[#10001]", "［＃10001］", even with full-width digits typed by an IME.
var ticketToken = regexp.MustCompile(`[\[［]\s*[#＃]\s*([0-9０-９]{1,18})\s*[\]］]`)

// TicketNumber finds our subject token "[#10001]" (also full-width
// ［＃10001］) and returns 10001, true.
func TicketNumber(subject string) (int64, bool) {
	m := ticketToken.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, m[1])
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// replyPrefix matches one reply/forward marker: English, the German and
// Nordic ones Outlook writes, and the Simplified and Traditional Chinese ones
// from Foxmail, QQ Mail, NetEase and Outlook, with an optional counter
// ("Re[2]:") and a half- or full-width colon.
var replyPrefix = regexp.MustCompile(`^\s*(?i:re|fwd?|aw|wg|sv|vs|回复|答复|转发|回覆|答覆|轉發|轉寄)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// StripReplyPrefixes removes Re:/RE:/Fwd:/FW:/回复:/答复:/转发: (half- and
// full-width colons), repeated.
func StripReplyPrefixes(subject string) string {
	for {
		loc := replyPrefix.FindStringIndex(subject)
		if loc == nil {
			return strings.TrimSpace(subject)
		}
		subject = subject[loc[1]:]
	}
}
