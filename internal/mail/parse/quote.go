package parse

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	// "-----原始邮件-----", "-----Original Message-----", Gmail's forward line.
	quoteSeparator = regexp.MustCompile(`(?i)^\s*-{2,}\s*(?:原始邮件|原始郵件|原邮件|original(?: message)?|forwarded message|转发的邮件|轉寄的郵件|message d'origine|ursprüngliche nachricht)\s*-{2,}\s*$`)
	// Outlook's rule above its header block.
	outlookRule = regexp.MustCompile(`^\s*_{10,}\s*$`)
	// The first and a later line of an Outlook/Foxmail header block.
	outlookFrom = regexp.MustCompile(`(?i)^\s*\*?(?:from|发件人|寄件者|寄件人)\*?\s*[:：]`)
	outlookSent = regexp.MustCompile(`(?i)^\s*\*?(?:sent|date|发送时间|日期|时间|寄件日期|傳送時間|發送時間)\*?\s*[:：]`)
	// Attribution lines: "On Mon, ... wrote:", "在 2026年11月23日 ... 写道：", "... 於 ... 寫道：".
	attribution = regexp.MustCompile(`(?i)(?:wrote|写道|寫道|a écrit|schrieb)\s*[:：]\s*$`)
)

// maxAttributionRunes bounds an attribution line: a long line ending in
// "wrote:" is the reply itself talking about someone.
const maxAttributionRunes = 300

// SplitQuoted separates a reply from the quoted history below it (">"
// blocks, "On ... wrote:", "在 ... 写道：", "-----原始邮件-----",
// "-----Original Message-----", "发件人: ... 发送时间:" Outlook blocks), so a
// UI can collapse it. reply+quoted keeps all of the text except the
// whitespace trimmed at the cut.
func SplitQuoted(text string) (reply, quoted string) {
	text = normaliseNewlines(text)
	lines := strings.Split(text, "\n")
	offsets := make([]int, len(lines)+1)
	for i, l := range lines {
		offsets[i+1] = offsets[i] + len(l) + 1
	}
	// Matching runs on a copy with no-break and ideographic spaces made
	// plain: HTML-derived text is full of &nbsp; (QQ Mail's separator is
	// "------------------&nbsp;原始邮件&nbsp;------------------").
	plain := make([]string, len(lines))
	for i, l := range lines {
		plain[i] = strings.Map(func(r rune) rune {
			if r == '\u00a0' || r == '\u3000' {
				return ' '
			}
			return r
		}, l)
	}
	lines = plain
	cut := -1
	for i := 0; i < len(lines) && cut < 0; i++ {
		line := lines[i]
		switch {
		case quoteSeparator.MatchString(line):
			cut = i
		case outlookRule.MatchString(line) && nextNonBlankMatches(lines, i+1, outlookFrom):
			cut = i
		case outlookFrom.MatchString(line) && withinLines(lines, i+1, 5, outlookSent):
			cut = i
		case isAttribution(line):
			cut = i
		case i+1 < len(lines) && startsAttribution(line) && isAttribution(line+" "+lines[i+1]):
			cut = i // Gmail wraps a long attribution over two lines
		}
	}
	if cut < 0 {
		cut = trailingQuoteBlock(lines)
	}
	if cut < 0 {
		return strings.TrimRight(text, " \t\n"), ""
	}
	return strings.TrimRight(text[:offsets[cut]], " \t\n"), strings.TrimRight(text[offsets[cut]:], " \t\n")
}

func isAttribution(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, ">") || utf8.RuneCountInString(t) > maxAttributionRunes || !attribution.MatchString(t) {
		return false
	}
	// Attributions name a date or an address; a sentence that merely ends
	// in "wrote:" does neither.
	return startsAttribution(t) || strings.Contains(t, "@") || strings.ContainsAny(t, "0123456789")
}

// startsAttribution checks the first half of a wrapped attribution looks
// like one ("On ...", "在 ...", "於 ...", or a name with an address).
func startsAttribution(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "On ") || strings.HasPrefix(t, "在") || strings.HasPrefix(t, "於") || strings.HasPrefix(t, "Le ") || strings.HasPrefix(t, "Am ")
}

func nextNonBlankMatches(lines []string, from int, re *regexp.Regexp) bool {
	for i := from; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return re.MatchString(lines[i])
		}
	}
	return false
}

func withinLines(lines []string, from, n int, re *regexp.Regexp) bool {
	for i := from; i < len(lines) && i < from+n; i++ {
		if re.MatchString(lines[i]) {
			return true
		}
	}
	return false
}

// trailingQuoteBlock finds the ">" block that ends the text (blank lines
// allowed inside and after it); quotes interleaved with answers are part of
// the reply.
func trailingQuoteBlock(lines []string) int {
	start := -1
	for i := len(lines) - 1; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		switch {
		case t == "":
			continue
		case strings.HasPrefix(t, ">"):
			start = i
		default:
			return start
		}
	}
	return start
}
