package calendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxEventDays bounds one all-day event, so that a typo such as DTEND:29250101 cannot make
// the parser list a thousand years of days.
const maxEventDays = 366

// maxLine bounds one physical line of iCalendar input.
const maxLine = 1 << 20

// ParseICalendar reads an iCalendar stream (RFC 5545, the subset holiday calendars use) and
// returns the dates of its all-day events, each named by the event's SUMMARY; dates with
// several events get their names joined with "、".
//
// An all-day event has DTSTART;VALUE=DATE:20261001 (a bare 8-digit DTSTART is accepted
// too). DTEND is exclusive and may span many days; without DTEND, DURATION (P3D, P1W) or
// else one day is used; a DTEND equal to DTSTART counts as one day. Events with a time of
// day (DTSTART:20261001T090000) and cancelled events (STATUS:CANCELLED) are skipped. Other
// components (VTIMEZONE, VTODO, VALARM …) are ignored. Folded lines (continued with a
// leading space or tab), CRLF or LF line ends and a UTF-8 byte order mark are accepted.
//
// Every all-day event is taken as a closed day: feeds that also list make-up working days
// (补班) as events must be filtered first. Recurring all-day events (RRULE, RDATE) are
// rejected rather than silently reduced to their first day, as are malformed lines,
// unbalanced BEGIN/END, bad dates, DTEND before DTSTART and events over 366 days; errors
// give the line number.
func ParseICalendar(r io.Reader) (holidays map[Date]string, err error) {
	p := icalParser{holidays: map[Date]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var logical strings.Builder
	start, n := 0, 0
	flush := func() error {
		if start == 0 {
			return nil
		}
		line := logical.String()
		logical.Reset()
		return p.line(start, line)
	}
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if start == 0 {
				return nil, fmt.Errorf("icalendar: line %d: continuation line with nothing to continue", n)
			}
			logical.WriteString(line[1:])
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		start = 0
		if strings.TrimSpace(line) == "" {
			continue // tolerated, though RFC 5545 has no blank lines
		}
		start = n
		logical.WriteString(line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("icalendar: line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, fmt.Errorf("icalendar: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(p.stack) > 0 {
		top := p.stack[len(p.stack)-1]
		return nil, fmt.Errorf("icalendar: unexpected end of input: BEGIN:%s on line %d has no END", top.name, top.line)
	}
	if !p.sawCalendar {
		return nil, errors.New("icalendar: no BEGIN:VCALENDAR found (not an iCalendar file?)")
	}
	return p.holidays, nil
}

type icalComponent struct {
	name string
	line int
}

type icalProp struct {
	line   int
	params map[string]string
	value  string
}

type icalParser struct {
	holidays    map[Date]string
	stack       []icalComponent
	sawCalendar bool
	event       map[string]icalProp // properties of the VEVENT being read
}

// line handles one unfolded content line: NAME *(;PARAM=VALUE) :VALUE.
func (p *icalParser) line(n int, s string) error {
	name, params, value, err := splitContentLine(s)
	if err != nil {
		return fmt.Errorf("icalendar: line %d: %v", n, err)
	}
	switch name {
	case "BEGIN":
		comp := strings.ToUpper(strings.TrimSpace(value))
		if comp == "" {
			return fmt.Errorf("icalendar: line %d: BEGIN without a component name", n)
		}
		if len(p.stack) == 0 && comp != "VCALENDAR" {
			return fmt.Errorf("icalendar: line %d: BEGIN:%s outside VCALENDAR", n, comp)
		}
		if comp == "VCALENDAR" {
			if len(p.stack) > 0 {
				return fmt.Errorf("icalendar: line %d: VCALENDAR nested in %s", n, p.stack[len(p.stack)-1].name)
			}
			p.sawCalendar = true
		}
		if comp == "VEVENT" && len(p.stack) == 1 {
			p.event = map[string]icalProp{}
		}
		p.stack = append(p.stack, icalComponent{comp, n})
		return nil
	case "END":
		comp := strings.ToUpper(strings.TrimSpace(value))
		if len(p.stack) == 0 {
			return fmt.Errorf("icalendar: line %d: END:%s without BEGIN", n, comp)
		}
		top := p.stack[len(p.stack)-1]
		if top.name != comp {
			return fmt.Errorf("icalendar: line %d: END:%s does not match BEGIN:%s on line %d", n, comp, top.name, top.line)
		}
		p.stack = p.stack[:len(p.stack)-1]
		if comp == "VEVENT" && len(p.stack) == 1 {
			err := p.endEvent(top.line)
			p.event = nil
			return err
		}
		return nil
	}
	if len(p.stack) == 0 {
		return fmt.Errorf("icalendar: line %d: %s outside VCALENDAR", n, name)
	}
	if p.event == nil || len(p.stack) != 2 || p.stack[1].name != "VEVENT" {
		return nil // a property of VCALENDAR or of a component we do not read
	}
	switch name {
	case "DTSTART", "DTEND", "DURATION", "SUMMARY", "STATUS", "RRULE", "RDATE":
		if prev, dup := p.event[name]; dup && name != "RDATE" {
			return fmt.Errorf("icalendar: line %d: second %s in one VEVENT (first on line %d)", n, name, prev.line)
		}
		p.event[name] = icalProp{line: n, params: params, value: value}
	}
	return nil
}

// endEvent records the days of the VEVENT that began on line begin.
func (p *icalParser) endEvent(begin int) error {
	ev := p.event
	fail := func(format string, args ...any) error {
		return fmt.Errorf("icalendar: VEVENT on line %d: %s", begin, fmt.Sprintf(format, args...))
	}
	if strings.EqualFold(strings.TrimSpace(ev["STATUS"].value), "CANCELLED") {
		return nil
	}
	dtstart, ok := ev["DTSTART"]
	if !ok {
		return fail("no DTSTART")
	}
	from, allDay, err := icalDate(dtstart)
	if err != nil {
		return fail("DTSTART (line %d): %v", dtstart.line, err)
	}
	if !allDay {
		return nil // a meeting or a half day, not a closed day
	}
	summary := unescapeText(ev["SUMMARY"].value)
	for _, k := range []string{"RRULE", "RDATE"} {
		if prop, ok := ev[k]; ok {
			return fail("%q repeats (%s on line %d); recurring events are not supported, list each occurrence", summary, k, prop.line)
		}
	}
	days := 1
	dtend, hasEnd := ev["DTEND"]
	dur, hasDur := ev["DURATION"]
	switch {
	case hasEnd && hasDur:
		return fail("both DTEND (line %d) and DURATION (line %d)", dtend.line, dur.line)
	case hasEnd:
		to, endAllDay, err := icalDate(dtend)
		if err != nil {
			return fail("DTEND (line %d): %v", dtend.line, err)
		}
		if !endAllDay {
			return fail("DTEND (line %d) has a time of day but DTSTART is a date", dtend.line)
		}
		if to.Before(from) {
			return fail("DTEND %s (line %d) is before DTSTART %s", to, dtend.line, from)
		}
		days = int(to.time().Sub(from.time()).Hours() / 24)
		if days == 0 {
			days = 1 // DTEND = DTSTART: read as one day, as many exporters mean it
		}
	case hasDur:
		days, err = icalDays(strings.TrimSpace(dur.value))
		if err != nil {
			return fail("DURATION (line %d): %v", dur.line, err)
		}
	}
	if days > maxEventDays {
		return fail("%q lasts %d days, more than %d", summary, days, maxEventDays)
	}
	for i := 0; i < days; i++ {
		d := from.AddDays(i)
		switch prev, ok := p.holidays[d]; {
		case !ok:
			p.holidays[d] = summary
		case summary != "" && !containsName(prev, summary):
			if prev == "" {
				p.holidays[d] = summary
			} else {
				p.holidays[d] = prev + "、" + summary
			}
		}
	}
	return nil
}

func containsName(joined, name string) bool {
	for _, n := range strings.Split(joined, "、") {
		if n == name {
			return true
		}
	}
	return false
}

// icalDate parses a DTSTART or DTEND value; allDay is false for a DATE-TIME.
func icalDate(prop icalProp) (d Date, allDay bool, err error) {
	v := strings.TrimSpace(prop.value)
	kind := strings.ToUpper(prop.params["VALUE"])
	if kind == "DATE-TIME" || (kind == "" && strings.ContainsAny(v, "Tt")) {
		return Date{}, false, nil
	}
	if kind != "" && kind != "DATE" {
		return Date{}, false, fmt.Errorf("unsupported VALUE=%s", kind)
	}
	if len(v) != 8 || strings.Trim(v, "0123456789") != "" {
		return Date{}, false, fmt.Errorf("%q is not a date (want YYYYMMDD)", v)
	}
	d, err = ParseDate(v)
	if err != nil || !d.Valid() {
		return Date{}, false, fmt.Errorf("%q is not a date", v)
	}
	return d, true, nil
}

// icalDays parses a whole-day DURATION: P3D, P1W, P1DT0H0M0S.
func icalDays(v string) (int, error) {
	bad := fmt.Errorf("%q is not a whole number of days (want e.g. P3D or P1W)", v)
	s, ok := strings.CutPrefix(strings.ToUpper(v), "P")
	if !ok {
		return 0, bad
	}
	date, tm, _ := strings.Cut(s, "T")
	if tm != "" && strings.Trim(tm, "0HMS") != "" {
		return 0, bad // a non-zero time part
	}
	unit := 1
	switch {
	case strings.HasSuffix(date, "W"):
		unit = 7
	case strings.HasSuffix(date, "D"):
	default:
		return 0, bad
	}
	n, err := strconv.Atoi(date[:len(date)-1])
	if err != nil || n < 1 || n > maxEventDays {
		return 0, bad
	}
	return n * unit, nil
}

// splitContentLine splits NAME;P1=V1;P2="V:2":VALUE. Parameter names and the property name
// are upper-cased; quoted parameter values may hold ':' and ';'.
func splitContentLine(s string) (name string, params map[string]string, value string, err error) {
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return "", nil, "", fmt.Errorf("malformed line %q (want NAME:VALUE)", clip(s))
	}
	name = strings.ToUpper(s[:i])
	if strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return "", nil, "", fmt.Errorf("malformed property name %q", clip(s[:i]))
	}
	params = map[string]string{}
	rest := s[i:]
	for strings.HasPrefix(rest, ";") {
		rest = rest[1:]
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return "", nil, "", fmt.Errorf("%s: malformed parameter in %q", name, clip(s))
		}
		key := strings.ToUpper(rest[:eq])
		rest = rest[eq+1:]
		var val strings.Builder
		for len(rest) > 0 && rest[0] != ';' && rest[0] != ':' {
			if rest[0] == '"' {
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return "", nil, "", fmt.Errorf("%s: unterminated quote in %q", name, clip(s))
				}
				val.WriteString(rest[1 : end+1])
				rest = rest[end+2:]
				continue
			}
			j := strings.IndexAny(rest, "\";:")
			if j < 0 {
				j = len(rest)
			}
			val.WriteString(rest[:j])
			rest = rest[j:]
		}
		params[key] = val.String()
	}
	if !strings.HasPrefix(rest, ":") {
		return "", nil, "", fmt.Errorf("%s: missing ':' before the value in %q", name, clip(s))
	}
	return name, params, rest[1:], nil
}

// unescapeText decodes an iCalendar TEXT value (\\ \; \, \n) into one line.
func unescapeText(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte(' ')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(b.String(), "\uFFFD")), " ")
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
