package calendar

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

var (
	admin      = auth.Actor{Kind: auth.ActorUser, ID: 1, Role: auth.RoleAdmin}
	supervisor = auth.Actor{Kind: auth.ActorUser, ID: 2, Role: auth.RoleSupervisor}
	agent      = auth.Actor{Kind: auth.ActorUser, ID: 3, Role: auth.RoleAgent}
)

// The seeded office calendar is the same data as Office: every shipped holiday and
// make-up day, the same hours.
func TestSeededOfficeCalendarMatchesShippedData(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		rec, err := Load(context.Background(), db.Read(), OfficeID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rec.Calendar()
		if err != nil {
			t.Fatal(err)
		}
		want := Office(nil)
		if len(got.Holidays) != len(want.Holidays) || len(got.Workdays) != len(want.Workdays) {
			t.Fatalf("seeded %d holidays, %d workdays; shipped %d, %d", len(got.Holidays), len(got.Workdays), len(want.Holidays), len(want.Workdays))
		}
		for d, name := range want.Holidays {
			if got.Holidays[d] != name {
				t.Errorf("holiday %s: seeded %q, shipped %q", d, got.Holidays[d], name)
			}
		}
		for d, name := range want.Workdays {
			if got.Workdays[d] != name {
				t.Errorf("workday %s: seeded %q, shipped %q", d, got.Workdays[d], name)
			}
		}
		for wd := range want.Week {
			if len(got.Week[wd]) != len(want.Week[wd]) {
				t.Errorf("%s: seeded %v, shipped %v", time.Weekday(wd), got.Week[wd], want.Week[wd])
			}
		}
		// Same answers: 2 working hours from the Friday evening before 国庆 2026.
		start := time.Date(2026, 9, 30, 17, 0, 0, 0, got.Location)
		if g, w := got.Add(start, 2*time.Hour), want.Add(start, 2*time.Hour); !g.Equal(w) {
			t.Fatalf("seeded calendar gives %v, shipped %v", g, w)
		}
		always, err := Load(context.Background(), db.Read(), AlwaysOpenID)
		if err != nil || len(always.Week[time.Sunday]) != 1 {
			t.Fatalf("7×24 calendar: %+v, %v", always, err)
		}
	})
}

func weekdays(ranges ...string) [7][]Range {
	var w [7][]Range
	for wd := time.Monday; wd <= time.Friday; wd++ {
		for _, s := range ranges {
			r, err := ParseRange(s)
			if err != nil {
				panic(err)
			}
			w[wd] = append(w[wd], r)
		}
	}
	return w
}

func TestCalendarEditing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := NewStore(db, nil)
		in := Input{Name: "售后热线", TimeZone: "Asia/Shanghai", Week: weekdays("08:00-20:00"),
			Days: []Day{{Date: Date{2026, 10, 1}, Kind: DayHoliday, Name: "国庆节"}, {Date: Date{2026, 10, 10}, Kind: DayWorkday, Name: "国庆节调休上班"}}}
		if _, err := s.Create(ctx, supervisor, in); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("supervisor created a calendar: %v", err)
		}
		rec, err := s.Create(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Days) != 2 || rec.Version != 1 || len(rec.Week[time.Sunday]) != 0 {
			t.Fatalf("created %+v", rec)
		}
		if _, err := s.Get(ctx, supervisor, rec.ID); err != nil {
			t.Fatalf("supervisor cannot read: %v", err)
		}
		if _, err := s.Get(ctx, agent, rec.ID); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("agent read a calendar: %v", err)
		}
		// Hours change, days kept when omitted.
		in.Week = weekdays("09:00-12:00", "13:30-18:00")
		in.Days = nil
		in.Version = &rec.Version
		rec, err = s.Update(ctx, admin, rec.ID, in)
		if err != nil || len(rec.Days) != 2 || len(rec.Week[time.Monday]) != 2 || rec.Version != 2 {
			t.Fatalf("update: %+v, %v", rec, err)
		}
		if _, err := s.Update(ctx, admin, rec.ID, in); !errors.Is(err, apperr.ErrStale) {
			t.Fatalf("stale update: %v", err)
		}
		list, err := s.List(ctx, admin)
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %d calendars, %v", len(list), err)
		}
		if err := s.Delete(ctx, admin, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, admin, rec.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("deleted calendar: %v", err)
		}
	})
}

func TestBadCalendarInputWritesNothing(t *testing.T) {
	r := func(s string) Range { v, _ := ParseRange(s); return v }
	overlap := weekdays()
	overlap[time.Monday] = []Range{r("09:00-12:00"), r("11:00-13:00")}
	noHoursForMakeUp := [7][]Range{}
	noHoursForMakeUp[time.Saturday] = []Range{r("09:00-12:00")}
	cases := []struct {
		name  string
		in    Input
		field string
		code  string
	}{
		{"no name", Input{Week: weekdays("09:00-18:00")}, "name", "required"},
		{"bad zone", Input{Name: "x", TimeZone: "Mars/Base", Week: weekdays("09:00-18:00")}, "time_zone", "invalid_time_zone"},
		{"overlap", Input{Name: "x", Week: overlap}, "week", "bad_hours"},
		{"never open", Input{Name: "x"}, "week", "bad_hours"},
		{"bad kind", Input{Name: "x", Week: weekdays("09:00-18:00"), Days: []Day{{Date: Date{2026, 1, 1}, Kind: "closed"}}}, "days[0].kind", "one_of"},
		{"duplicate", Input{Name: "x", Week: weekdays("09:00-18:00"), Days: []Day{{Date: Date{2026, 1, 1}, Kind: DayHoliday}, {Date: Date{2026, 1, 1}, Kind: DayWorkday}}}, "days[1].date", "duplicate_day"},
		{"make-up without hours", Input{Name: "x", Week: noHoursForMakeUp, Days: []Day{{Date: Date{2026, 1, 4}, Kind: DayWorkday}}}, "days", "bad_days"},
	}
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := NewStore(db, nil)
		for _, c := range cases {
			_, err := s.Create(ctx, admin, c.in)
			e, ok := apperr.As(err)
			if !ok || e.Fields[c.field].Code != c.code {
				t.Errorf("%s: %v; want %s=%s", c.name, err, c.field, c.code)
			}
		}
		var n int
		db.Read().QueryRowContext(ctx, `SELECT count(*) FROM calendars`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d calendars after bad input, want the 2 seeded", n)
		}
	})
}

func TestImportICSAddsHolidays(t *testing.T) {
	const feed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270102\r\nSUMMARY:元旦\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270206\r\nDTEND;VALUE=DATE:20270209\r\nSUMMARY:春节\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := NewStore(db, nil)
		before, _ := Load(ctx, db.Read(), OfficeID)
		rec, n, err := s.ImportICS(ctx, admin, OfficeID, "", strings.NewReader(feed))
		if err != nil || n != 4 {
			t.Fatalf("import: %d dates, %v", n, err)
		}
		if len(rec.Days) != len(before.Days)+4 {
			t.Fatalf("%d days after import, want %d", len(rec.Days), len(before.Days)+4)
		}
		c, _ := rec.Calendar()
		if c.Holidays[Date{2027, 2, 8}] != "春节" {
			t.Fatalf("2027-02-08 is %q", c.Holidays[Date{2027, 2, 8}])
		}
		if _, _, err := s.ImportICS(ctx, admin, OfficeID, "", strings.NewReader("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")); err == nil {
			t.Fatal("a broken feed was imported")
		} else if e, _ := apperr.As(err); e == nil || e.Fields["file"].Code != "bad_icalendar" {
			t.Fatalf("broken feed: %v", err)
		}
	})
}
