package calendar

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// chinaStatutoryJSON holds the State Council's yearly notices (国务院办公厅关于某年部分节假日安排
// 的通知): for each year, each festival's days off (from–to, inclusive) and the make-up
// working days (调休上班) that go with it. Add a year here when its notice is published,
// usually in November of the year before.
//
//go:embed data/china_statutory.json
var chinaStatutoryJSON []byte

type statutoryYear struct {
	Source   string `json:"source"`
	Holidays []struct {
		Name     string `json:"name"`
		From     Date   `json:"from"`
		To       Date   `json:"to"`
		Workdays []Date `json:"workdays"`
	} `json:"holidays"`
}

type statutoryDays struct {
	holidays, workdays map[Date]string
}

var chinaStatutory = sync.OnceValue(func() map[int]statutoryDays {
	years, err := parseStatutory(chinaStatutoryJSON)
	if err != nil {
		panic("calendar: embedded data/china_statutory.json: " + err.Error())
	}
	return years
})

func parseStatutory(data []byte) (map[int]statutoryDays, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw map[string]statutoryYear
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	out := map[int]statutoryDays{}
	for key, y := range raw {
		year, err := strconv.Atoi(key)
		if err != nil {
			return nil, fmt.Errorf("year %q is not a number", key)
		}
		days := statutoryDays{holidays: map[Date]string{}, workdays: map[Date]string{}}
		near := func(d Date) bool { return d.Year >= year-1 && d.Year <= year+1 }
		for _, h := range y.Holidays {
			if h.Name == "" || !near(h.From) || h.To.Before(h.From) || h.From.AddDays(15).Before(h.To) {
				return nil, fmt.Errorf("%d: bad holiday %q %s–%s", year, h.Name, h.From, h.To)
			}
			for d := h.From; !h.To.Before(d); d = d.AddDays(1) {
				if prev, dup := days.holidays[d]; dup {
					return nil, fmt.Errorf("%d: %s is in both %s and %s", year, d, prev, h.Name)
				}
				days.holidays[d] = h.Name
			}
			for _, w := range h.Workdays {
				if wd := w.Weekday(); !near(w) || (wd != time.Saturday && wd != time.Sunday) {
					return nil, fmt.Errorf("%d: make-up workday %s for %s is a %s, not a weekend day", year, w, h.Name, wd)
				}
				days.workdays[w] = h.Name + "调休上班"
			}
		}
		for d := range days.workdays {
			if h, ok := days.holidays[d]; ok {
				return nil, fmt.Errorf("%d: %s is both a holiday (%s) and a make-up workday", year, d, h)
			}
		}
		out[year] = days
	}
	return out, nil
}

// ChinaStatutory returns the mainland China public holidays (法定节假日, with the days off
// they are moved to) and make-up working days (调休上班) that the State Council announced
// for year, named in Chinese ("春节", "春节调休上班"), and whether the package has that
// year's notice: it ships 2025 and 2026. A few dates may fall in the adjacent year (元旦
// sometimes starts on December 30). The maps are new copies the caller may change.
func ChinaStatutory(year int) (holidays, workdays map[Date]string, ok bool) {
	days, ok := chinaStatutory()[year]
	if !ok {
		return nil, nil, false
	}
	return maps.Clone(days.holidays), maps.Clone(days.workdays), true
}

// ChinaStatutoryYears returns the years ChinaStatutory knows, in order, so callers can warn
// when a calendar runs past the shipped data.
func ChinaStatutoryYears() []int {
	return slices.Sorted(maps.Keys(chinaStatutory()))
}

// chinaTime is China Standard Time. Mainland China has kept UTC+8 without DST since 1991,
// so a fixed zone is exact and needs no tz database.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Office returns the usual mainland China office calendar: Monday to Friday 09:00–12:00 and
// 13:30–18:00 in loc, closed on the statutory holidays and open on the make-up working days
// (same hours) of every year ChinaStatutory knows (2025–2026). Outside those years only
// weekends are closed. A nil loc means China Standard Time (UTC+8, as Asia/Shanghai).
func Office(loc *time.Location) *Calendar {
	if loc == nil {
		loc = chinaTime
	}
	day := []Range{{Clock{9, 0}, Clock{12, 0}}, {Clock{13, 30}, Clock{18, 0}}}
	c := &Calendar{
		Name:     "办公时间",
		Location: loc,
		Holidays: map[Date]string{},
		Workdays: map[Date]string{},
	}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		c.Week[wd] = slices.Clone(day)
	}
	for _, days := range chinaStatutory() {
		maps.Copy(c.Holidays, days.holidays)
		maps.Copy(c.Workdays, days.workdays)
	}
	return c
}

// AlwaysOpen returns a 7×24 calendar (hotline teams) in loc (nil means UTC): Add is plain
// addition and Between plain subtraction, DST or not.
func AlwaysOpen(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{Name: "7×24", Location: loc}
	all := []Range{{Clock{0, 0}, Clock{24, 0}}}
	for wd := range c.Week {
		c.Week[wd] = all
	}
	return c
}
