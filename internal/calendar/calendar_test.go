package calendar

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo
)

var (
	shanghai = mustLoad("Asia/Shanghai")
	newYork  = mustLoad("America/New_York")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at parses "2006-01-02 15:04" (or with seconds and fractions, "15:04:05.000000001") in loc.
func at(loc *time.Location, s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout += ":05.999999999"
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func rng(s string) []Range {
	rs, err := ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return rs
}

func everyDay(loc *time.Location, hours string) *Calendar {
	c := &Calendar{Name: hours, Location: loc}
	for wd := range c.Week {
		c.Week[wd] = rng(hours)
	}
	return c
}

func fmtT(t time.Time) string { return t.Format("2006-01-02 Mon 15:04:05 MST") }

func TestOfficeAdd(t *testing.T) {
	office := Office(shanghai)
	if err := office.Validate(); err != nil {
		t.Fatal(err)
	}
	h := time.Hour
	tests := []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"within a day", "2025-03-04 09:00", 2 * h, "2025-03-04 11:00"},
		{"across lunch", "2025-03-04 11:30", h, "2025-03-04 14:00"},
		{"started at lunch", "2025-03-04 12:15", h, "2025-03-04 14:30"},
		{"ends exactly at closing, not next morning", "2025-03-04 17:00", h, "2025-03-04 18:00"},
		{"across a night", "2025-03-04 17:00", 2 * h, "2025-03-05 10:00"},
		{"before opening", "2025-03-04 07:00", 30 * time.Minute, "2025-03-04 09:30"},
		{"after closing", "2025-03-04 20:00", 30 * time.Minute, "2025-03-05 09:30"},
		{"Friday to Monday", "2025-03-07 17:00", 2 * h, "2025-03-10 10:00"},
		{"started on a Saturday", "2025-03-08 10:00", h, "2025-03-10 10:00"},
		{"started on a Sunday night", "2025-03-09 23:59", h, "2025-03-10 10:00"},
		{"a whole working day", "2025-03-04 09:00", 7*h + 30*time.Minute, "2025-03-04 18:00"},
		{"one working day from mid-morning", "2025-03-04 10:00", 7*h + 30*time.Minute, "2025-03-05 10:00"},
		{"nanoseconds carry", "2025-03-04 11:59", time.Minute + time.Nanosecond, "2025-03-04 13:30:00.000000001"},
		// 调休: 2026-01-04 is a Sunday and a working day.
		{"make-up Sunday", "2026-01-04 10:00", h, "2026-01-04 11:00"},
		{"make-up Sunday across lunch", "2026-01-04 08:00", 3*h + 30*time.Minute, "2026-01-04 14:00"},
		{"make-up Sunday 2025 劳动节", "2025-04-27 09:00", h, "2025-04-27 10:00"},
		{"Friday before 春节 2025, make-up Sunday", "2025-01-24 17:00", 2 * h, "2025-01-26 10:00"},
		{"Friday after 春节 2025, make-up Saturday", "2025-02-07 17:00", 2 * h, "2025-02-08 10:00"},
		// 国庆 2025: Fri Sep 26, then Sun Sep 28 is a make-up day, Oct 1–8 off.
		{"Friday before 国庆 2025", "2025-09-26 17:00", 2 * h, "2025-09-28 10:00"},
		{"last day before 国庆 2025", "2025-09-30 17:00", 2 * h, "2025-10-09 10:00"},
		{"opened during 国庆 2025", "2025-10-03 10:00", h, "2025-10-09 10:00"},
		{"make-up Saturday after 国庆 2025", "2025-10-10 17:00", 2 * h, "2025-10-11 10:00"},
		// 2026: 中秋 Fri Sep 25–27, make-up Sun Sep 20, 国庆 Oct 1–7, make-up Sat Oct 10.
		{"Friday before 国庆 2026, make-up Sunday", "2026-09-18 17:00", 2 * h, "2026-09-20 10:00"},
		{"before 中秋 2026", "2026-09-24 17:00", 2 * h, "2026-09-28 10:00"},
		{"last day before 国庆 2026 (a Wednesday)", "2026-09-30 17:00", 2 * h, "2026-10-08 10:00"},
		{"make-up Saturday after 国庆 2026", "2026-10-09 17:00", 2 * h, "2026-10-10 10:00"},
		// 春节 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 are working days.
		{"over the whole 春节 2026 break", "2026-02-14 17:00", 2 * h, "2026-02-24 10:00"},
		{"into the 春节 2026 make-up Saturday", "2026-02-13 17:00", 9 * h, "2026-02-24 09:30"},
		{"opened on 除夕 2026", "2026-02-16 12:00", 30 * time.Minute, "2026-02-24 09:30"},
		{"make-up Saturday Feb 28 2026", "2026-02-27 17:00", 2 * h, "2026-02-28 10:00"},
		// 元旦 2026: Jan 1–3 off, Sun Jan 4 a working day.
		{"year boundary", "2025-12-31 17:30", h, "2026-01-04 09:30"},
		{"30 working days across 中秋 and 国庆 2026", "2026-09-14 09:00", 30 * (7*h + 30*time.Minute), "2026-10-29 18:00"},
		{"zero", "2025-03-08 10:00", 0, "2025-03-08 10:00"},
		{"negative", "2025-03-08 10:00", -h, "2025-03-08 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := at(shanghai, tt.start)
			want := at(shanghai, tt.want)
			got := office.Add(start, tt.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %v) = %s, want %s", fmtT(start), tt.d, fmtT(got), fmtT(want))
			}
			if got.Location() != shanghai {
				t.Errorf("result in %v, want the start's location", got.Location())
			}
			if tt.d > 0 {
				if b := office.Between(start, got); b != tt.d {
					t.Errorf("Between(start, Add(start, d)) = %v, want %v", b, tt.d)
				}
				if !office.IsOpen(got.Add(-time.Nanosecond)) {
					t.Errorf("not open just before %s", fmtT(got))
				}
			}
		})
	}
}

func TestOfficeBetween(t *testing.T) {
	office := Office(shanghai)
	day := 7*time.Hour + 30*time.Minute
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"one working day", "2025-03-04 09:00", "2025-03-04 18:00", day},
		{"a calendar day", "2025-03-04 00:00", "2025-03-05 00:00", day},
		{"lunch only", "2025-03-04 12:00", "2025-03-04 13:30", 0},
		{"straddling lunch", "2025-03-04 11:45", "2025-03-04 13:45", 30 * time.Minute},
		{"an ordinary week", "2025-03-03 00:00", "2025-03-10 00:00", 5 * day},
		{"a weekend", "2025-03-07 18:00", "2025-03-10 09:00", 0},
		{"春节 2026 break", "2026-02-14 18:00", "2026-02-24 09:00", 0},
		{"春节 2026 with its make-up Saturday", "2026-02-13 09:00", "2026-02-25 09:00", 3 * day},
		{"国庆 2025 fortnight with make-up days", "2025-09-28 00:00", "2025-10-12 00:00", 6 * day},
		{"year boundary", "2025-12-31 17:30", "2026-01-04 09:30", time.Hour},
		{"all of 2025: 248 working days", "2025-01-01 00:00", "2026-01-01 00:00", 248 * day},
		{"all of 2026: 248 working days", "2026-01-01 00:00", "2027-01-01 00:00", 248 * day},
		{"b before a", "2025-03-05 10:00", "2025-03-04 10:00", 0},
		{"b equals a", "2025-03-04 10:00", "2025-03-04 10:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := office.Between(at(shanghai, tt.a), at(shanghai, tt.b)); got != tt.want {
				t.Errorf("Between(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestOfficeIsOpenAndNextOpen(t *testing.T) {
	office := Office(shanghai)
	tests := []struct {
		at   string
		open bool
		next string
	}{
		{"2025-03-04 08:59", false, "2025-03-04 09:00"},
		{"2025-03-04 09:00", true, "2025-03-04 09:00"},
		{"2025-03-04 11:59", true, "2025-03-04 11:59"},
		{"2025-03-04 12:00", false, "2025-03-04 13:30"},
		{"2025-03-04 17:59", true, "2025-03-04 17:59"},
		{"2025-03-04 18:00", false, "2025-03-05 09:00"},
		{"2025-03-08 10:00", false, "2025-03-10 09:00"}, // Saturday
		{"2026-01-01 10:00", false, "2026-01-04 09:00"}, // 元旦, then a make-up Sunday
		{"2026-01-04 10:00", true, "2026-01-04 10:00"},  // make-up Sunday
		{"2026-02-15 10:00", false, "2026-02-24 09:00"}, // 春节
		{"2025-10-01 10:00", false, "2025-10-09 09:00"}, // 国庆
	}
	for _, tt := range tests {
		tm := at(shanghai, tt.at)
		if got := office.IsOpen(tm); got != tt.open {
			t.Errorf("IsOpen(%s) = %v, want %v", tt.at, got, tt.open)
		}
		if got, want := office.NextOpen(tm), at(shanghai, tt.next); !got.Equal(want) {
			t.Errorf("NextOpen(%s) = %s, want %s", tt.at, fmtT(got), fmtT(want))
		}
	}
}

func TestOtherZonesAndNilLocation(t *testing.T) {
	office := Office(shanghai)
	// Instants given in UTC are read on the calendar's wall clock; results stay in UTC.
	start := time.Date(2026, 1, 4, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai, a make-up Sunday
	got := office.Add(start, time.Hour)
	if want := time.Date(2026, 1, 4, 3, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Add = %s, want %s in UTC", fmtT(got), fmtT(want))
	}
	// Office(nil) uses a fixed UTC+8 zone, which agrees with Asia/Shanghai.
	fixed := Office(nil)
	r := rand.New(rand.NewPCG(1, 2))
	base := at(shanghai, "2025-01-01 00:00")
	for range 500 {
		a := base.Add(time.Duration(r.Int64N(int64(730 * 24 * time.Hour))))
		d := time.Duration(r.Int64N(int64(100 * time.Hour)))
		if x, y := office.Add(a, d), fixed.Add(a, d); !x.Equal(y) {
			t.Fatalf("Add(%s, %v): Asia/Shanghai %s, Office(nil) %s", fmtT(a), d, fmtT(x), fmtT(y))
		}
	}
}

// TestDST uses America/New_York: 2026-03-08 02:00 EST jumps to 03:00 EDT, 2026-11-01
// 02:00 EDT falls back to 01:00 EST.
func TestDST(t *testing.T) {
	night := everyDay(newYork, "00:00-06:00,09:00-17:00")
	gap := &Calendar{Location: newYork}
	gap.Week[time.Sunday] = rng("02:00-02:30,02:30-04:00")
	overlap := &Calendar{Location: newYork}
	overlap.Week[time.Sunday] = rng("01:30-02:00")
	weekdays := &Calendar{Location: newYork}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		weekdays.Week[wd] = rng("09:00-17:00")
	}
	utc := func(s string) time.Time { return at(time.UTC, s) }

	betweens := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"spring-forward day loses the 02:00 hour", night, at(newYork, "2026-03-08 00:00"), at(newYork, "2026-03-09 00:00"), 13 * time.Hour},
		{"ordinary day", night, at(newYork, "2026-03-07 00:00"), at(newYork, "2026-03-08 00:00"), 14 * time.Hour},
		{"fall-back day repeats the 01:00 hour", night, at(newYork, "2026-11-01 00:00"), at(newYork, "2026-11-02 00:00"), 15 * time.Hour},
		{"range entirely inside the gap counts nothing", gap, at(newYork, "2026-03-08 00:00"), at(newYork, "2026-03-09 00:00"), time.Hour},
		{"same ranges a week earlier", gap, at(newYork, "2026-03-01 00:00"), at(newYork, "2026-03-02 00:00"), 2 * time.Hour},
		{"repeated half hour happens twice", overlap, at(newYork, "2026-11-01 00:00"), at(newYork, "2026-11-02 00:00"), time.Hour},
		{"same range a week later", overlap, at(newYork, "2026-11-08 00:00"), at(newYork, "2026-11-09 00:00"), 30 * time.Minute},
		{"first 01:30 only", overlap, utc("2026-11-01 05:00"), utc("2026-11-01 06:15"), 30 * time.Minute},
		{"second 01:30 only", overlap, utc("2026-11-01 06:45"), utc("2026-11-01 07:15"), 15 * time.Minute},
		{"weekend across spring-forward", weekdays, at(newYork, "2026-03-06 16:00"), at(newYork, "2026-03-09 10:00"), 2 * time.Hour},
		{"weekend across fall-back", weekdays, at(newYork, "2026-10-30 16:00"), at(newYork, "2026-11-02 10:00"), 2 * time.Hour},
	}
	for _, tt := range betweens {
		if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Between(%s, %s) = %v, want %v", tt.name, fmtT(tt.a), fmtT(tt.b), got, tt.want)
		}
	}

	adds := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"00:00 EST + 2h is 03:00 EDT", night, at(newYork, "2026-03-08 00:00"), 2 * time.Hour, utc("2026-03-08 07:00")},
		{"the night shift ends at 06:00 EDT", night, at(newYork, "2026-03-08 00:00"), 5 * time.Hour, utc("2026-03-08 10:00")},
		{"into the day shift", night, at(newYork, "2026-03-08 00:00"), 6 * time.Hour, utc("2026-03-08 14:00")},
		{"00:00 EDT + 2h is the second 01:00", night, at(newYork, "2026-11-01 00:00"), 2 * time.Hour, utc("2026-11-01 06:00")},
		{"the night shift ends at 06:00 EST", night, at(newYork, "2026-11-01 00:00"), 7 * time.Hour, utc("2026-11-01 11:00")},
		{"gap range opens at 03:00 EDT", gap, at(newYork, "2026-03-08 00:00"), 30 * time.Minute, utc("2026-03-08 07:30")},
		{"repeated range, second pass", overlap, at(newYork, "2026-11-01 00:00"), 45 * time.Minute, utc("2026-11-01 06:45")},
		{"Friday to Monday over spring-forward", weekdays, at(newYork, "2026-03-06 16:00"), 2 * time.Hour, at(newYork, "2026-03-09 10:00")},
	}
	for _, tt := range adds {
		got := tt.cal.Add(tt.start, tt.d)
		if !got.Equal(tt.want) {
			t.Errorf("%s: Add(%s, %v) = %s, want %s", tt.name, fmtT(tt.start), tt.d, fmtT(got), fmtT(tt.want.In(newYork)))
		}
		if b := tt.cal.Between(tt.start, got); b != tt.d {
			t.Errorf("%s: Between(start, Add) = %v, want %v", tt.name, b, tt.d)
		}
	}

	if !night.IsOpen(utc("2026-03-08 07:30")) { // 03:30 EDT
		t.Error("03:30 EDT on 2026-03-08 should be open")
	}
	if got, want := overlap.NextOpen(utc("2026-11-01 06:10")), utc("2026-11-01 06:30"); !got.Equal(want) { // 01:10 EST
		t.Errorf("NextOpen(01:10 EST) = %s, want 01:30 EST", fmtT(got))
	}
	if got, want := gap.NextOpen(at(newYork, "2026-03-08 00:00")), utc("2026-03-08 07:00"); !got.Equal(want) {
		t.Errorf("NextOpen on the spring-forward day = %s, want 03:00 EDT", fmtT(got))
	}
}

func TestAlwaysOpen(t *testing.T) {
	for _, loc := range []*time.Location{shanghai, newYork, nil} {
		c := AlwaysOpen(loc)
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(3, 4))
		base := at(time.UTC, "2025-01-01 00:00")
		for range 1000 {
			a := base.Add(time.Duration(r.Int64N(int64(730 * 24 * time.Hour))))
			d := time.Duration(r.Int64N(int64(40 * 24 * time.Hour)))
			if got := c.Add(a, d); !got.Equal(a.Add(d)) {
				t.Fatalf("%v: Add(%s, %v) = %s, want plain addition", loc, fmtT(a), d, fmtT(got))
			}
			if got := c.Between(a, a.Add(d)); got != d {
				t.Fatalf("%v: Between = %v, want %v", loc, got, d)
			}
			if !c.IsOpen(a) || !c.NextOpen(a).Equal(a) {
				t.Fatalf("%v: closed at %s", loc, fmtT(a))
			}
		}
	}
	ny := AlwaysOpen(newYork)
	if got, want := ny.Add(at(newYork, "2026-03-07 12:00"), 24*time.Hour), at(newYork, "2026-03-08 13:00"); !got.Equal(want) {
		t.Errorf("24h across spring-forward = %s, want %s", fmtT(got), fmtT(want))
	}
	for day, want := range map[string]time.Duration{"2026-03-08": 23 * time.Hour, "2026-11-01": 25 * time.Hour, "2026-06-01": 24 * time.Hour} {
		a := at(newYork, day+" 00:00")
		b := a.AddDate(0, 0, 1)
		if got := ny.Between(a, b); got != want {
			t.Errorf("Between over %s = %v, want %v", day, got, want)
		}
	}
}

// openMinutes is the reference: it counts open minutes one by one with IsOpen, which reads
// the wall clock directly and shares nothing with walk. a and b must be minute-aligned.
func openMinutes(c *Calendar, a, b time.Time) time.Duration {
	var n time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if c.IsOpen(t) {
			n += time.Minute
		}
	}
	return n
}

func propertyCalendars() map[string]*Calendar {
	sparse := &Calendar{Location: shanghai, Workdays: map[Date]string{{2026, 1, 4}: "x", {2026, 2, 14}: "y"}, WorkdayHours: rng("09:00-10:00")}
	return map[string]*Calendar{
		"office Shanghai": Office(shanghai),
		"office New York": Office(newYork),
		"night New York":  everyDay(newYork, "00:00-06:00,09:00-17:00,23:00-24:00"),
		"touching ranges": everyDay(newYork, "01:00-02:00,02:00-03:00"),
		"always New York": AlwaysOpen(newYork),
		"sparse":          sparse,
	}
}

func TestBetweenMatchesMinuteCount(t *testing.T) {
	windows := []time.Time{
		at(shanghai, "2026-02-10 00:00"), at(shanghai, "2025-09-24 00:00"), at(shanghai, "2025-12-28 00:00"),
		at(newYork, "2026-03-04 00:00"), at(newYork, "2026-10-28 00:00"), at(shanghai, "2026-01-01 00:00"),
	}
	r := rand.New(rand.NewPCG(5, 6))
	for name, c := range propertyCalendars() {
		for _, w := range windows {
			for range 8 {
				a := w.Add(time.Duration(r.IntN(8*24*60)) * time.Minute)
				b := a.Add(time.Duration(r.IntN(4*24*60)) * time.Minute)
				if got, want := c.Between(a, b), openMinutes(c, a, b); got != want {
					t.Fatalf("%s: Between(%s, %s) = %v, minute count %v", name, fmtT(a), fmtT(b), got, want)
				}
				next := c.NextOpen(a)
				horizon := a.Add(30 * 24 * time.Hour)
				want := horizon
				for m := a; m.Before(horizon); m = m.Add(time.Minute) {
					if c.IsOpen(m) {
						want = m
						break
					}
				}
				if want.Equal(horizon) && next.After(horizon) {
					want = next // beyond the scan; the sparse calendar's cases are covered elsewhere
				}
				if !next.Equal(want) || !c.IsOpen(next) && !next.Equal(Never) {
					t.Fatalf("%s: NextOpen(%s) = %s, minute scan %s", name, fmtT(a), fmtT(next), fmtT(want))
				}
			}
		}
	}
}

func TestAddProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	base := at(time.UTC, "2024-12-25 00:00")
	for name, c := range propertyCalendars() {
		for range 300 {
			a := base.Add(time.Duration(r.Int64N(int64(740 * 24 * time.Hour)))) // any nanosecond
			ds := make([]time.Duration, 6)
			for i := range ds {
				ds[i] = time.Duration(r.Int64N(int64(300 * time.Hour)))
			}
			ds[0] = time.Duration(r.IntN(3)) * time.Hour // include 0 and whole hours
			slices.Sort(ds)
			prev := a
			for _, d := range ds {
				due := c.Add(a, d)
				if due.Before(prev) {
					t.Fatalf("%s: Add not monotonic at %s + %v: %s before %s", name, fmtT(a), d, fmtT(due), fmtT(prev))
				}
				prev = due
				if due.Equal(Never) {
					continue // the sparse calendar runs out
				}
				if got := c.Between(a, due); got != d {
					t.Fatalf("%s: Between(%s, Add(.., %v)) = %v", name, fmtT(a), d, got)
				}
				if d > 0 && c.Between(a, due.Add(-time.Nanosecond)) >= d {
					t.Fatalf("%s: Add(%s, %v) = %s is not the earliest instant", name, fmtT(a), d, fmtT(due))
				}
			}
			d1, d2 := ds[1], ds[2]
			if x, y := c.Add(c.Add(a, d1), d2), c.Add(a, d1+d2); !x.Equal(y) && !c.Add(a, d1).Equal(Never) {
				t.Fatalf("%s: Add(Add(a, %v), %v) = %s, Add(a, sum) = %s", name, d1, d2, fmtT(x), fmtT(y))
			}
		}
	}
}

func TestNeverOpen(t *testing.T) {
	start := at(shanghai, "2026-01-01 00:00")
	closed := &Calendar{Location: shanghai}
	bogus := &Calendar{Location: shanghai} // only invalid ranges: must not loop forever
	bogus.Week[time.Monday] = []Range{{Clock{25, 0}, Clock{26, 0}}, {Clock{10, 0}, Clock{9, 0}}}
	sparse := propertyCalendars()["sparse"]
	for name, c := range map[string]*Calendar{"closed": closed, "bogus": bogus, "sparse": sparse} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if got := c.Add(start, 3*time.Hour); !got.Equal(Never) {
				t.Errorf("%s: Add = %s, want Never", name, fmtT(got))
			}
			if name != "sparse" && !c.NextOpen(start).Equal(Never) {
				t.Errorf("%s: NextOpen = %s, want Never", name, fmtT(c.NextOpen(start)))
			}
			if got := c.Between(start, start.AddDate(1, 0, 0)); name != "sparse" && got != 0 {
				t.Errorf("%s: Between = %v, want 0", name, got)
			}
			if c.IsOpen(start) {
				t.Errorf("%s: open", name)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Add did not terminate", name)
		}
	}
	if got, want := sparse.Add(start, 90*time.Minute), at(shanghai, "2026-02-14 09:30"); !got.Equal(want) {
		t.Errorf("sparse: Add = %s, want %s", fmtT(got), fmtT(want))
	}
	if got := sparse.NextOpen(at(shanghai, "2026-02-14 10:00")); !got.Equal(Never) {
		t.Errorf("sparse: NextOpen after the last workday = %s, want Never", fmtT(got))
	}
}

func TestLongDurations(t *testing.T) {
	office := Office(shanghai)
	start := at(shanghai, "2025-01-02 09:00")
	// 2000 working days reach far beyond the shipped holiday data (into 2032).
	d := 2000 * (7*time.Hour + 30*time.Minute)
	due := office.Add(start, d)
	if got := office.Between(start, due); got != d {
		t.Fatalf("Between = %v, want %v (due %s)", got, d, fmtT(due))
	}
	if due.Year() < 2032 || due.Year() > 2033 {
		t.Errorf("2000 working days from 2025-01-02 end %s", fmtT(due))
	}
	// Between saturates instead of overflowing.
	always := AlwaysOpen(time.UTC)
	if got := always.Between(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1400, 1, 1, 0, 0, 0, 0, time.UTC)); got != time.Duration(1<<63-1) {
		t.Errorf("400 years = %v, want saturation", got)
	}
}

func TestValidate(t *testing.T) {
	base := func() *Calendar { return Office(shanghai) }
	tests := []struct {
		name   string
		mutate func(c *Calendar)
		want   []string // substrings; none means valid
	}{
		{"office", func(c *Calendar) {}, nil},
		{"touching ranges", func(c *Calendar) { c.Week[time.Monday] = rng("09:00-12:00,12:00-18:00") }, nil},
		{"24:00 end", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{18, 0}, Clock{24, 0}}} }, nil},
		{"nil location", func(c *Calendar) { c.Location = nil }, []string{`calendar "办公时间": location is nil`}},
		{"end before start", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{12, 0}, Clock{9, 0}}} }, []string{"Monday: range 12:00-09:00: end must be after start"}},
		{"empty range", func(c *Calendar) { c.Week[time.Tuesday] = []Range{{Clock{9, 0}, Clock{9, 0}}} }, []string{"Tuesday", "end must be after start"}},
		{"overlap", func(c *Calendar) { c.Week[time.Wednesday] = rngNoCheck("09:00-12:00", "11:00-13:00") }, []string{"Wednesday: ranges 09:00-12:00 and 11:00-13:00 overlap"}},
		{"unsorted", func(c *Calendar) { c.Week[time.Friday] = rngNoCheck("13:30-18:00", "09:00-12:00") }, []string{"Friday: ranges 13:30-18:00 and 09:00-12:00 are not in order"}},
		{"bad hour", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{25, 0}, Clock{26, 0}}} }, []string{"start 25:00 is not a time of day"}},
		{"end past 24:00", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{9, 0}, Clock{24, 30}}} }, []string{"end 24:30 is not a time of day"}},
		{"start at 24:00", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{24, 0}, Clock{24, 0}}} }, []string{"start 24:00"}},
		{"bad minute", func(c *Calendar) { c.Week[time.Monday] = []Range{{Clock{9, 60}, Clock{10, 0}}} }, []string{"start 09:60"}},
		{"bad workday hours", func(c *Calendar) { c.WorkdayHours = []Range{{Clock{10, 0}, Clock{9, 0}}} }, []string{"make-up workday hours"}},
		{"no such date", func(c *Calendar) { c.Holidays[Date{2025, 2, 29}] = "x" }, []string{"holiday 2025-02-29 (x): no such date"}},
		{"no such workday", func(c *Calendar) { c.Workdays[Date{2025, 13, 1}] = "y" }, []string{"make-up workday 2025-13-01 (y): no such date"}},
		{"holiday and workday", func(c *Calendar) { c.Workdays[Date{2026, 10, 1}] = "调休" }, []string{"2026-10-01 is both a holiday (国庆节) and a make-up workday (调休)"}},
		{"workdays without hours", func(c *Calendar) { c.Week[time.Monday] = nil }, []string{"make-up workdays are listed but have no hours"}},
		{"never open", func(c *Calendar) { c.Week = [7][]Range{}; c.Workdays = nil }, []string{"never open"}},
		{"several problems", func(c *Calendar) { c.Location = nil; c.Week = [7][]Range{}; c.Workdays = nil }, []string{"location is nil", "never open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
	var nilCal *Calendar
	if nilCal.Validate() == nil {
		t.Error("nil calendar validated")
	}
	if err := (&Calendar{Location: time.UTC}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "calendar: never open") {
		t.Errorf("unnamed calendar: %v", err)
	}
}

func rngNoCheck(ss ...string) []Range {
	var out []Range
	for _, s := range ss {
		r, err := ParseRange(s)
		if err != nil {
			panic(err)
		}
		out = append(out, r)
	}
	return out
}

func BenchmarkAdd(b *testing.B) {
	office := Office(shanghai)
	start := at(shanghai, "2026-09-14 10:17") // its 30 working days cross 中秋 and 国庆
	day := 7*time.Hour + 30*time.Minute
	for _, bc := range []struct {
		name string
		d    time.Duration
	}{{"1day", day}, {"30days", 30 * day}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				office.Add(start, bc.d)
			}
		})
	}
}

func BenchmarkBetween30Days(b *testing.B) {
	office := Office(shanghai)
	a := at(shanghai, "2026-09-14 10:17")
	c := a.AddDate(0, 0, 45)
	for b.Loop() {
		office.Between(a, c)
	}
}
