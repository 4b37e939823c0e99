package calendar

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// The State Council notices, transcribed independently of data/china_statutory.json.
var wantStatutory = map[int][]struct {
	name     string
	from, to string
	workdays []string
}{
	2025: {
		{"元旦", "2025-01-01", "2025-01-01", nil},
		{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
		{"清明节", "2025-04-04", "2025-04-06", nil},
		{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
		{"端午节", "2025-05-31", "2025-06-02", nil},
		{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
	},
	2026: {
		{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
		{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
		{"清明节", "2026-04-04", "2026-04-06", nil},
		{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
		{"端午节", "2026-06-19", "2026-06-21", nil},
		{"中秋节", "2026-09-25", "2026-09-27", nil},
		{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
	},
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestChinaStatutoryMatchesNotices(t *testing.T) {
	if got := ChinaStatutoryYears(); !slices.Equal(got, []int{2025, 2026}) {
		t.Fatalf("years = %v", got)
	}
	for year, festivals := range wantStatutory {
		holidays, workdays, ok := ChinaStatutory(year)
		if !ok {
			t.Fatalf("%d: no data", year)
		}
		wantH, wantW := map[Date]string{}, map[Date]string{}
		for _, f := range festivals {
			for d := mustDate(f.from); !mustDate(f.to).Before(d); d = d.AddDays(1) {
				wantH[d] = f.name
			}
			for _, w := range f.workdays {
				wantW[mustDate(w)] = f.name + "调休上班"
			}
		}
		if !maps.Equal(holidays, wantH) {
			t.Errorf("%d holidays:\n got %v\nwant %v", year, holidays, wantH)
		}
		if !maps.Equal(workdays, wantW) {
			t.Errorf("%d workdays:\n got %v\nwant %v", year, workdays, wantW)
		}
	}
}

// Since 2025 there are 13 statutory days off a year; 调休 only moves days, so the holidays
// that fall on weekdays, minus the make-up days, must come to exactly 13.
func TestChinaStatutoryInvariants(t *testing.T) {
	for _, year := range ChinaStatutoryYears() {
		holidays, workdays, _ := ChinaStatutory(year)
		weekdayHolidays := 0
		for d, name := range holidays {
			if !d.Valid() || d.Year != year {
				t.Errorf("%d: holiday %s (%s) is not a date of that year", year, d, name)
			}
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				weekdayHolidays++
			}
			if !strings.ContainsAny(name, "元春清劳端中国") {
				t.Errorf("%d: %s has a strange name %q", year, d, name)
			}
		}
		for d, name := range workdays {
			if wd := d.Weekday(); !d.Valid() || (wd != time.Saturday && wd != time.Sunday) {
				t.Errorf("%d: make-up workday %s (%s) is a %s, not a weekend day", year, d, name, wd)
			}
			if _, clash := holidays[d]; clash {
				t.Errorf("%d: %s is both a holiday and a workday", year, d)
			}
		}
		if net := weekdayHolidays - len(workdays); net != 13 {
			t.Errorf("%d: %d weekday holidays − %d make-up days = %d, want 13", year, weekdayHolidays, len(workdays), net)
		}
	}
}

func TestWeekdaysOfTheBriefsDates(t *testing.T) {
	for s, want := range map[string]time.Weekday{
		"2025-09-26": time.Friday, "2025-09-28": time.Sunday, "2025-09-30": time.Tuesday,
		"2025-12-31": time.Wednesday, "2026-01-04": time.Sunday, "2026-09-30": time.Wednesday,
		"2026-09-18": time.Friday, "2026-09-20": time.Sunday, "2026-10-08": time.Thursday,
		"2026-02-14": time.Saturday, "2026-02-24": time.Tuesday, "2026-10-29": time.Thursday,
	} {
		if got := mustDate(s).Weekday(); got != want {
			t.Errorf("%s is a %s, not a %s", s, got, want)
		}
	}
}

func TestChinaStatutoryCopiesAndUnknownYears(t *testing.T) {
	h, w, _ := ChinaStatutory(2026)
	clear(h)
	clear(w)
	h2, w2, _ := ChinaStatutory(2026)
	if len(h2) != 33 || len(w2) != 6 {
		t.Errorf("2026 has %d holidays and %d workdays after a caller cleared its copy; want 33 and 6", len(h2), len(w2))
	}
	for _, y := range []int{2024, 2027} {
		if h, w, ok := ChinaStatutory(y); ok || h != nil || w != nil {
			t.Errorf("ChinaStatutory(%d) = %v, %v, %v", y, h, w, ok)
		}
	}
	// Office must not share its maps with the package data either.
	o := Office(nil)
	clear(o.Holidays)
	if len(Office(nil).Holidays) != 28+33 {
		t.Error("Office shares its holiday map")
	}
}

func TestParseStatutoryRejectsBadData(t *testing.T) {
	for name, data := range map[string]string{
		"weekday make-up": `{"2026":{"holidays":[{"name":"x","from":"2026-01-01","to":"2026-01-01","workdays":["2026-01-05"]}]}}`,
		"reversed":        `{"2026":{"holidays":[{"name":"x","from":"2026-01-03","to":"2026-01-01"}]}}`,
		"overlap":         `{"2026":{"holidays":[{"name":"x","from":"2026-01-01","to":"2026-01-03"},{"name":"y","from":"2026-01-03","to":"2026-01-04"}]}}`,
		"no such date":    `{"2026":{"holidays":[{"name":"x","from":"2026-02-29","to":"2026-03-01"}]}}`,
		"wrong year":      `{"2026":{"holidays":[{"name":"x","from":"2029-01-01","to":"2029-01-01"}]}}`,
		"unknown field":   `{"2026":{"holiday":[]}}`,
		"workday is off":  `{"2026":{"holidays":[{"name":"x","from":"2026-01-03","to":"2026-01-04","workdays":["2026-01-04"]}]}}`,
		"year":            `{"二〇二六":{"holidays":[]}}`,
	} {
		if _, err := parseStatutory([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
