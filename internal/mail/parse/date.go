package parse

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// chinaTime is used for dates that carry no zone at all: Kefu's users are
// in China first, and Asia/Shanghai has had no daylight saving since 1991.
var chinaTime = time.FixedZone("CST", 8*3600)

var (
	dateComment   = regexp.MustCompile(`\([^()]*\)`)
	dateGMTOffset = regexp.MustCompile(`(?i)\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2}):?(\d{2})?\b`)
)

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Monday, January 2, 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
}

var dateLayoutsNoZone = []string{
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006/01/02 15:04:05",
	"2006年1月2日 15:04:05",
	"2006年1月2日 15:04",
}

// parseDate accepts RFC 5322 dates and the common deviations; zero when the
// value cannot be understood.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	s := dateComment.ReplaceAllString(v, " ")
	s = dateGMTOffset.ReplaceAllStringFunc(s, func(m string) string {
		p := dateGMTOffset.FindStringSubmatch(m)
		h := p[2]
		if len(h) == 1 {
			h = "0" + h
		}
		mm := p[3]
		if mm == "" {
			mm = "00"
		}
		return p[1] + h + mm
	})
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, ",", ", ")), " ")
	s = strings.ReplaceAll(s, " ,", ",")
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	for _, l := range dateLayoutsNoZone {
		if t, err := time.ParseInLocation(l, s, chinaTime); err == nil {
			return t
		}
	}
	return time.Time{}
}
