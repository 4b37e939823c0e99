package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a day in the proleptic Gregorian calendar, without a time or a time zone. It is
// comparable, so it can key a map. Its text form is "2006-01-02", which lets a
// map[Date]string read and write JSON objects such as {"2026-10-01": "国庆节"}.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location; use DateOf(t.In(loc)) for another zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02" (and, for convenience, the iCalendar form "20060102").
func ParseDate(s string) (Date, error) {
	layout := "2006-01-02"
	if len(s) == 8 && !strings.Contains(s, "-") {
		layout = "20060102"
	}
	t, err := time.Parse(layout, s)
	if err != nil || !DateOf(t).Valid() {
		return Date{}, fmt.Errorf("calendar: invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// String returns the date as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Valid reports whether the date exists (month 1–12, day within the month, year 1–9999).
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.time().Weekday() }

// AddDays returns the date n days after d (before it if n is negative).
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// Before reports whether d comes before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("calendar: invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Clock is a wall-clock time of day, minute precision: 09:00, 13:30. 24:00 is allowed as the
// end of a Range (midnight at the end of the day).
type Clock struct {
	Hour, Minute int
}

// ParseClock parses "9:00", "09:00" or "24:00".
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	c := Clock{hh, mm}
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) < 1 || len(h) > 2 || !c.valid(true) {
		return Clock{}, fmt.Errorf("calendar: invalid time of day %q (want HH:MM, 00:00–24:00)", s)
	}
	return c, nil
}

// String returns the clock as "15:04".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// valid reports whether c is 00:00–23:59, or exactly 24:00 when asEnd.
func (c Clock) valid(asEnd bool) bool {
	if asEnd && c.Hour == 24 && c.Minute == 0 {
		return true
	}
	return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60
}

// offset is the time since midnight on a 24-hour wall clock.
func (c Clock) offset() time.Duration {
	return time.Duration(c.Hour)*time.Hour + time.Duration(c.Minute)*time.Minute
}

// Range is a half-open span [Start, End) of wall-clock time within one day, such as
// 09:00–12:00. End must be after Start; End may be 24:00.
type Range struct {
	Start, End Clock
}

// ParseRange parses "09:00-12:00" (a hyphen, an en dash or a tilde between the two times).
func ParseRange(s string) (Range, error) {
	for _, sep := range []string{"-", "–", "~", "～"} {
		if a, b, ok := strings.Cut(s, sep); ok {
			start, err := ParseClock(a)
			if err != nil {
				return Range{}, err
			}
			end, err := ParseClock(b)
			if err != nil {
				return Range{}, err
			}
			r := Range{start, end}
			if err := r.check(); err != nil {
				return Range{}, err
			}
			return r, nil
		}
	}
	return Range{}, fmt.Errorf("calendar: invalid range %q (want HH:MM-HH:MM)", s)
}

// ParseRanges parses a comma-separated list of ranges: "09:00-12:00,13:30-18:00". The empty
// string gives no ranges (closed all day).
func ParseRanges(s string) ([]Range, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Range
	for _, part := range strings.Split(s, ",") {
		r, err := ParseRange(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := checkRanges(out); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return out, nil
}

// String returns the range as "09:00-12:00".
func (r Range) String() string { return r.Start.String() + "-" + r.End.String() }

// MarshalText implements encoding.TextMarshaler.
func (r Range) MarshalText() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Range) UnmarshalText(b []byte) error {
	v, err := ParseRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Duration returns End − Start on a 24-hour wall clock (DST days may differ in real time).
func (r Range) Duration() time.Duration { return r.End.offset() - r.Start.offset() }

func (r Range) check() error {
	switch {
	case !r.Start.valid(false):
		return fmt.Errorf("range %s: start %s is not a time of day (00:00–23:59)", r, r.Start)
	case !r.End.valid(true):
		return fmt.Errorf("range %s: end %s is not a time of day (00:01–24:00)", r, r.End)
	case r.End.offset() <= r.Start.offset():
		return fmt.Errorf("range %s: end must be after start", r)
	}
	return nil
}

// checkRanges checks each range and that they are sorted and do not overlap (touching, as in
// 09:00-12:00 and 12:00-13:00, is allowed).
func checkRanges(rs []Range) error {
	for i, r := range rs {
		if err := r.check(); err != nil {
			return err
		}
		if i > 0 {
			prev := rs[i-1]
			if r.Start.offset() < prev.End.offset() {
				if r.Start.offset() < prev.Start.offset() {
					return fmt.Errorf("ranges %s and %s are not in order", prev, r)
				}
				return fmt.Errorf("ranges %s and %s overlap", prev, r)
			}
		}
	}
	return nil
}
