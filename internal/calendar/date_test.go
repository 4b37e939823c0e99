package calendar

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	for _, s := range []string{"2026-02-29", "2025-13-01", "2025-00-10", "2025-1-1", "20250101x", "0000-01-01", ""} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
	for s, want := range map[string]Date{"2024-02-29": {2024, 2, 29}, "20261001": {2026, 10, 1}} {
		if got, err := ParseDate(s); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	if (Date{2025, 2, 29}).Valid() || !(Date{2024, 2, 29}).Valid() || (Date{2025, 4, 31}).Valid() {
		t.Error("Valid is wrong about month lengths")
	}
	if got := (Date{2025, 12, 31}).AddDays(1); got != (Date{2026, 1, 1}) {
		t.Errorf("AddDays across a year = %v", got)
	}
	if got := DateOf(time.Date(2026, 1, 3, 23, 30, 0, 0, time.UTC).In(shanghai)); got != (Date{2026, 1, 4}) {
		t.Errorf("DateOf = %v", got)
	}

	m := map[Date]string{{2026, 10, 1}: "国庆节", {2026, 1, 1}: "元旦"}
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"2026-01-01":"元旦","2026-10-01":"国庆节"}` {
		t.Fatalf("json = %s, %v", b, err)
	}
	var back map[Date]string
	if err := json.Unmarshal(b, &back); err != nil || !maps.Equal(back, m) {
		t.Fatalf("round trip = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"2026-02-30":"x"}`), &back); err == nil {
		t.Error("accepted 2026-02-30")
	}
	if _, err := json.Marshal(map[Date]string{{2026, 2, 30}: "x"}); err == nil {
		t.Error("marshalled 2026-02-30")
	}
}

func TestParseRanges(t *testing.T) {
	got, err := ParseRanges(" 9:00-12:00, 13:30–18:00 ,18:00~24:00")
	want := []Range{{Clock{9, 0}, Clock{12, 0}}, {Clock{13, 30}, Clock{18, 0}}, {Clock{18, 0}, Clock{24, 0}}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ParseRanges = %v, %v", got, err)
	}
	if rs, err := ParseRanges(""); err != nil || rs != nil {
		t.Errorf(`ParseRanges("") = %v, %v`, rs, err)
	}
	for s, msg := range map[string]string{
		"09:00":                   "want HH:MM-HH:MM",
		"9-12":                    "invalid time of day",
		"09:00-24:01":             "invalid time of day",
		"24:00-24:00":             "start 24:00",
		"12:00-09:00":             "end must be after start",
		"09:00-09:00":             "end must be after start",
		"09:00-12:00,11:00-13:00": "overlap",
		"13:00-14:00,09:00-12:00": "not in order",
		"09:0-12:00":              "invalid time of day",
		"009:00-12:00":            "invalid time of day",
	} {
		if _, err := ParseRanges(s); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseRanges(%q) error %v, want %q", s, err, msg)
		}
	}
	var rs []Range
	if err := json.Unmarshal([]byte(`["09:00-12:00","13:30-18:00"]`), &rs); err != nil || !slices.Equal(rs, want[:2]) {
		t.Errorf("json ranges = %v, %v", rs, err)
	}
	if got := (Range{Clock{13, 30}, Clock{18, 0}}).Duration(); got != 4*time.Hour+30*time.Minute {
		t.Errorf("Duration = %v", got)
	}
}
