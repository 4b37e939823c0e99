// Package calendar computes business time: when a team is open, how much open time lies
// between two instants, and when a given amount of open time will have elapsed. Service
// levels (SLA: 首次响应 within 2 working hours, 解决 within 3 working days …) stand on it.
//
// A Calendar is weekly opening hours in a time zone, several ranges a day (09:00–12:00,
// 13:30–18:00), plus dated exceptions: holidays, closed all day, and make-up working days
// (调休上班), open on a weekend. Office returns the usual Chinese office calendar with the
// State Council's statutory holidays; AlwaysOpen is 7×24.
//
// The package is pure: nothing reads the system clock; every answer depends only on the
// calendar and the instants passed in, so callers inject "now".
//
// # Semantics
//
// Ranges are wall-clock times in the calendar's Location. An instant is open when, read on a
// wall clock in that location, its date is a working day and its time of day lies in one of
// that day's ranges. Business time is the real time elapsed while open, so each instant
// counts at most once: on a spring-forward day the skipped wall-clock hour does not exist
// and counts nothing; on a fall-back day a repeated wall-clock hour inside opening hours
// really happens twice and counts twice (an 00:00–06:00 night shift lasts 7 real hours
// that day).
//
// Between(a, Add(a, d)) == d for every d ≥ 0, and Add is monotonic in d. Add returns the
// earliest instant at which d has elapsed: a Friday 17:00 start plus one hour is Friday 18:00,
// not Monday 09:00.
//
// Methods read the calendar and never change it, so a Calendar may be shared by goroutines
// as long as nobody modifies it. They assume Validate accepted it; on an invalid calendar they
// still terminate and do not panic, but their answers are unspecified.
package calendar

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Never is what Add and NextOpen return when the calendar will never be open again (for
// instance one with no weekly hours whose last make-up workday has passed). It is far in the
// future, so a due time of Never sorts last and is never breached. Do not modify it.
var Never = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)

// Calendar is a team's business hours.
type Calendar struct {
	// Name identifies the calendar in error messages and the UI, e.g. "售后 7×24".
	Name string
	// Location is the time zone of the ranges and dates, e.g. Asia/Shanghai.
	Location *time.Location
	// Week holds each day's opening hours, indexed by time.Weekday (Week[time.Sunday] …),
	// sorted and not overlapping. A day without ranges is closed.
	Week [7][]Range
	// Holidays are dates closed all day, with their names (国庆节).
	Holidays map[Date]string
	// Workdays are make-up working days (调休上班), usually a Saturday or Sunday, open with
	// WorkdayHours whatever their weekday. A date may not be both a holiday and a workday.
	Workdays map[Date]string
	// WorkdayHours are the hours of a make-up working day; empty means Week[time.Monday].
	WorkdayHours []Range
}

// Validate reports every problem with the calendar, joined into one error, or nil: a nil
// location, ranges that are out of order, overlap or end before they start, dates that do
// not exist, a date that is both a holiday and a make-up workday, make-up workdays without
// hours, and a calendar that is never open.
func (c *Calendar) Validate() error {
	if c == nil {
		return errors.New("calendar: nil calendar")
	}
	prefix := "calendar: "
	if c.Name != "" {
		prefix = fmt.Sprintf("calendar %q: ", c.Name)
	}
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, errors.New(prefix+fmt.Sprintf(format, args...)))
	}
	if c.Location == nil {
		add("location is nil (set a time zone such as Asia/Shanghai)")
	}
	weekly := false
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if err := checkRanges(c.Week[wd]); err != nil {
			add("%s: %v", wd, err)
		}
		weekly = weekly || len(c.Week[wd]) > 0
	}
	if err := checkRanges(c.WorkdayHours); err != nil {
		add("make-up workday hours: %v", err)
	}
	for _, d := range sortedDates(c.Holidays) {
		if !d.Valid() {
			add("holiday %s (%s): no such date", d, c.Holidays[d])
		}
	}
	for _, d := range sortedDates(c.Workdays) {
		if !d.Valid() {
			add("make-up workday %s (%s): no such date", d, c.Workdays[d])
		}
		if h, ok := c.Holidays[d]; ok {
			add("%s is both a holiday (%s) and a make-up workday (%s)", d, h, c.Workdays[d])
		}
	}
	if len(c.Workdays) > 0 && len(c.workdayHours()) == 0 {
		add("make-up workdays are listed but have no hours (WorkdayHours is empty and Monday is closed)")
	}
	if !weekly && (len(c.Workdays) == 0 || len(c.workdayHours()) == 0) {
		add("never open: no opening hours on any day of the week and no make-up workdays")
	}
	return errors.Join(errs...)
}

// IsOpen reports whether t falls within opening hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	lt := t.In(c.loc())
	y, m, d := lt.Date()
	h, mi, s := lt.Clock()
	tod := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
	for _, r := range c.hours(Date{y, m, d}, lt.Weekday()) {
		if r.Start.offset() <= tod && tod < r.End.offset() {
			return true
		}
	}
	return false
}

// NextOpen returns t if the calendar is open at t, else the next instant it opens, in t's
// location; Never if it will never open again.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	var next time.Time
	if !c.walk(t, time.Time{}, func(s, _ time.Time) bool { next = s; return false }) {
		return Never
	}
	return next.In(t.Location())
}

// Add returns the earliest instant at which d of business time has elapsed since start, in
// start's location. Time outside opening hours does not count: from a closed start the clock
// begins at the next opening. Add returns start when d ≤ 0, and Never when the calendar will
// close for good before d has elapsed.
//
// Add walks day by day, skipping closed days, so long targets cost one step per calendar
// day, not per minute.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	left := d
	var due time.Time
	if !c.walk(start, time.Time{}, func(s, e time.Time) bool {
		if n := e.Sub(s); n < left {
			left -= n
			return true
		}
		due = s.Add(left)
		return false
	}) {
		return Never
	}
	return due.In(start.Location())
}

// Between returns the business time in [a, b), 0 if b is not after a. It saturates at the
// largest time.Duration (about 292 years).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	var sum time.Duration
	c.walk(a, b, func(s, e time.Time) bool {
		if !s.Before(b) {
			return false
		}
		if e.After(b) {
			e = b
		}
		n := e.Sub(s)
		if sum > math.MaxInt64-n {
			sum = math.MaxInt64
			return false
		}
		sum += n
		return true
	})
	return sum
}

// walk calls fn with the open intervals [s, e) at or after from, in time order, the first
// one clipped to start at from; adjacent intervals are not merged. It stops and returns true
// when fn returns false or, if until is not zero, on reaching until. It returns false when
// the calendar will never be open again.
//
// Time is cut into pieces during which both the UTC offset and the wall-clock date are
// constant; in a piece the wall clock is the instant plus the offset, so each range maps to
// one interval of instants. A piece ends at local midnight or at a zone transition, so DST
// gaps and overlaps need no special case and every instant is seen exactly once.
func (c *Calendar) walk(from, until time.Time, fn func(s, e time.Time) bool) bool {
	loc := c.loc()
	weekly := false
	for _, rs := range c.Week {
		weekly = weekly || anyValid(rs)
	}
	// Without weekly hours only make-up workdays open: stop after the last one.
	var last Date
	if !weekly {
		if !anyValid(c.workdayHours()) {
			return false
		}
		found := false
		for d := range c.Workdays {
			if _, closed := c.Holidays[d]; !closed && (!found || last.Before(d)) {
				last, found = d, true
			}
		}
		if !found {
			return false
		}
	}
	for t := from; ; {
		if !until.IsZero() && !t.Before(until) {
			return true
		}
		lt := t.In(loc)
		y, m, d := lt.Date()
		day := Date{y, m, d}
		if y > 9999 || (!weekly && last.Before(day)) {
			return false
		}
		_, off := lt.Zone()
		// base is the instant at which, with this offset, the wall clock reads 00:00 on day.
		base := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
		end := base.Add(24 * time.Hour)
		if _, zoneEnd := lt.ZoneBounds(); !zoneEnd.IsZero() && zoneEnd.Before(end) {
			end = zoneEnd
		}
		for _, r := range c.hours(day, lt.Weekday()) {
			if r.check() != nil {
				continue
			}
			s, e := base.Add(r.Start.offset()), base.Add(r.End.offset())
			if s.Before(t) {
				s = t
			}
			if e.After(end) {
				e = end
			}
			if s.Before(e) && !fn(s, e) {
				return true
			}
		}
		t = end
	}
}

// hours returns the opening hours of day, whose weekday is wd.
func (c *Calendar) hours(day Date, wd time.Weekday) []Range {
	if _, ok := c.Holidays[day]; ok {
		return nil
	}
	if _, ok := c.Workdays[day]; ok {
		return c.workdayHours()
	}
	return c.Week[wd]
}

func (c *Calendar) workdayHours() []Range {
	if len(c.WorkdayHours) > 0 {
		return c.WorkdayHours
	}
	return c.Week[time.Monday]
}

func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func anyValid(rs []Range) bool {
	for _, r := range rs {
		if r.check() == nil {
			return true
		}
	}
	return false
}

func sortedDates(m map[Date]string) []Date {
	ds := make([]Date, 0, len(m))
	for d := range m {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Date) int {
		switch {
		case a.Before(b):
			return -1
		case b.Before(a):
			return 1
		}
		return 0
	})
	return ds
}
