package calendar

import (
	"maps"
	"strings"
	"testing"
	"time"
)

// crlf joins lines with CRLF, as RFC 5545 wants.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseICalendar(t *testing.T) {
	// "国庆节" folded in the middle of a UTF-8 sequence (国 is E5 9B BD), as octet-based
	// folders do; a SUMMARY with an escaped comma folded with a tab.
	guoqing := "国庆节"
	input := "\uFEFF" + crlf(
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Example//Holidays//ZH",
		"X-WR-CALNAME:中国节假日",
		"BEGIN:VTIMEZONE",
		"TZID:Asia/Shanghai",
		"BEGIN:STANDARD",
		"DTSTART:19700101T000000",
		"TZOFFSETFROM:+0800",
		"TZOFFSETTO:+0800",
		"END:STANDARD",
		"END:VTIMEZONE",
		"BEGIN:VEVENT",
		"UID:spring@example",
		"DTSTART;VALUE=DATE:20260215",
		"DTEND;VALUE=DATE:20260224", // exclusive: Feb 15–23
		"SUMMARY;LANGUAGE=zh-CN:春节",
		"BEGIN:VALARM",
		"ACTION:DISPLAY",
		"DTSTART;VALUE=DATE:20200101", // belongs to the alarm, not the event
		"END:VALARM",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20261001",
		"DTEND;VALUE=DATE:20261008",
		"SUMMARY:"+guoqing[:1],
		" "+guoqing[1:5],
		" "+guoqing[5:],
		"END:VEVENT",
		"begin:vevent", // names are case-insensitive
		"dtstart;value=date:20260101",
		"summary:元旦",
		"end:vevent",
		"BEGIN:VEVENT",
		`DTSTART;X-NOTE="a:b;c";VALUE=DATE:20260404`,
		"DURATION:P3D",
		"SUMMARY:清明节\\, 踏青",
		"\t（放假）",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART:20260619", // a bare date without VALUE=DATE
		"DTEND:20260619",   // equal to DTSTART: one day
		"SUMMARY:端午节",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260619",
		"SUMMARY:父亲节前夕",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;TZID=Asia/Shanghai:20260105T140000", // a timed event: not a closed day
		"DTEND;TZID=Asia/Shanghai:20260105T150000",
		"SUMMARY:部门会议",
		"RRULE:FREQ=WEEKLY",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260501",
		"DURATION:P1W",
		"STATUS:CANCELLED",
		"SUMMARY:取消",
		"END:VEVENT",
		"BEGIN:VTODO",
		"DTSTART;VALUE=DATE:20260701",
		"END:VTODO",
		"",
		"END:VCALENDAR",
	)
	want := map[Date]string{}
	for d := (Date{2026, 2, 15}); d.Before(Date{2026, 2, 24}); d = d.AddDays(1) {
		want[d] = "春节"
	}
	for d := (Date{2026, 10, 1}); d.Before(Date{2026, 10, 8}); d = d.AddDays(1) {
		want[d] = "国庆节"
	}
	want[Date{2026, 1, 1}] = "元旦"
	for d := (Date{2026, 4, 4}); d.Before(Date{2026, 4, 7}); d = d.AddDays(1) {
		want[d] = "清明节, 踏青（放假）"
	}
	want[Date{2026, 6, 19}] = "端午节、父亲节前夕"

	for name, in := range map[string]string{"CRLF": input, "LF": strings.ReplaceAll(input, "\r\n", "\n")} {
		got, err := ParseICalendar(strings.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
}

func TestParseICalendarFeedsACalendar(t *testing.T) {
	in := crlf("BEGIN:VCALENDAR",
		"BEGIN:VEVENT", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270104", "SUMMARY:公司年假", "END:VEVENT",
		"END:VCALENDAR")
	holidays, err := ParseICalendar(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c := Office(shanghai)
	maps.Copy(c.Holidays, holidays)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// 2026-12-31 is a Thursday; Jan 1–3 2027 are closed, Jan 4 is a Monday.
	if got, want := c.Add(at(shanghai, "2026-12-31 17:00"), 2*time.Hour), at(shanghai, "2027-01-04 10:00"); !got.Equal(want) {
		t.Errorf("Add = %s, want %s", fmtT(got), fmtT(want))
	}
}

func TestParseICalendarErrors(t *testing.T) {
	ev := func(lines ...string) string {
		return crlf(append(append([]string{"BEGIN:VCALENDAR", "BEGIN:VEVENT"}, lines...), "END:VEVENT", "END:VCALENDAR")...)
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no BEGIN:VCALENDAR"},
		{"not ical", "hello world\n", "line 1: malformed line"},
		{"missing colon", ev("DTSTART;VALUE=DATE 20260101"), "line 3: DTSTART: missing ':'"},
		{"bad property name", ev("SUM MARY:x", "DTSTART;VALUE=DATE:20260101"), "line 3: malformed property name"},
		{"bad parameter", ev("DTSTART;VALUE:20260101"), "line 3: DTSTART: malformed parameter"},
		{"unterminated quote", ev(`DTSTART;X="abc:20260101`), "line 3: DTSTART: unterminated quote"},
		{"continuation first", " BEGIN:VCALENDAR\r\n", "line 1: continuation line"},
		{"unclosed", crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20260101"), "BEGIN:VEVENT on line 2 has no END"},
		{"mismatched END", crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VCALENDAR"), "line 3: END:VCALENDAR does not match BEGIN:VEVENT on line 2"},
		{"END without BEGIN", crlf("END:VCALENDAR"), "line 1: END:VCALENDAR without BEGIN"},
		{"event outside calendar", crlf("BEGIN:VEVENT", "END:VEVENT"), "line 1: BEGIN:VEVENT outside VCALENDAR"},
		{"property after the end", crlf("BEGIN:VCALENDAR", "END:VCALENDAR", "SUMMARY:x"), "line 3: SUMMARY outside VCALENDAR"},
		{"nested calendar", crlf("BEGIN:VCALENDAR", "BEGIN:VCALENDAR"), "line 2: VCALENDAR nested"},
		{"no DTSTART", ev("SUMMARY:x"), "VEVENT on line 2: no DTSTART"},
		{"two DTSTARTs", ev("DTSTART;VALUE=DATE:20260101", "DTSTART;VALUE=DATE:20260102"), "line 4: second DTSTART"},
		{"bad date", ev("DTSTART;VALUE=DATE:20261345"), `DTSTART (line 3): "20261345" is not a date`},
		{"short date", ev("DTSTART;VALUE=DATE:2026-01-01"), "is not a date (want YYYYMMDD)"},
		{"February 30", ev("DTSTART;VALUE=DATE:20260230"), "is not a date"},
		{"bad DTEND", ev("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:2026010"), "DTEND (line 4)"},
		{"DTEND before DTSTART", ev("DTSTART;VALUE=DATE:20260105", "DTEND;VALUE=DATE:20260101"), "DTEND 2026-01-01 (line 4) is before DTSTART 2026-01-05"},
		{"DTEND with a time", ev("DTSTART;VALUE=DATE:20260101", "DTEND:20260102T000000"), "has a time of day but DTSTART is a date"},
		{"DTEND and DURATION", ev("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20260102", "DURATION:P1D"), "both DTEND (line 4) and DURATION (line 5)"},
		{"bad DURATION", ev("DTSTART;VALUE=DATE:20260101", "DURATION:PT5H"), "DURATION (line 4)"},
		{"too long", ev("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:29260101", "SUMMARY:typo"), `"typo" lasts`},
		{"recurring", ev("DTSTART;VALUE=DATE:20260101", "SUMMARY:元旦", "RRULE:FREQ=YEARLY"), `"元旦" repeats (RRULE on line 5)`},
		{"unsupported VALUE", ev("DTSTART;VALUE=PERIOD:20260101"), "unsupported VALUE=PERIOD"},
		{"line too long", "BEGIN:VCALENDAR\r\nX-A:" + strings.Repeat("x", maxLine) + "\r\n", "line 2: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseICalendar(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error, got %v", got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "icalendar: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseICalendar(f *testing.F) {
	f.Add(crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20260104", "SUMMARY:元旦", "END:VEVENT", "END:VCALENDAR"))
	f.Add("BEGIN:VCALENDAR\n BEGIN\n:VEVENT\nDTSTART;X=\"\":20260101\nDURATION:P9999W\nEND:VEVENT\nEND:VCALENDAR")
	f.Fuzz(func(t *testing.T, in string) {
		holidays, err := ParseICalendar(strings.NewReader(in))
		if err != nil {
			return
		}
		for d := range holidays {
			if !d.Valid() {
				t.Fatalf("invalid date %v", d)
			}
		}
	})
}
