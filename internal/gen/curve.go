package gen

import (
	"math"
	"sort"
	"time"
)

// Day is one day in milliseconds.
const (
	hourMS = int64(time.Hour / time.Millisecond)
	dayMS  = 24 * hourMS
	// windowDays is how far back ticket creation times go.
	windowDays = 365
)

var beijing = time.FixedZone("CST", 8*3600)

// hourWeight is the share of requests by hour of day in Beijing time: quiet at night,
// busy in office hours, a second wave in the evening when people are home from work.
var hourWeight = [24]float64{
	0.16, 0.09, 0.05, 0.04, 0.04, 0.06, 0.14, 0.35, 0.70, 1.00, 1.10, 1.05,
	0.85, 0.95, 1.05, 1.05, 1.00, 0.90, 0.80, 0.85, 0.95, 0.85, 0.60, 0.32,
}

// curve spreads ticket creation over the year before now: volume grows over the year (the
// last month has about three times the tickets of the first), follows the hour of day and the
// weekday, and peaks around the shopping festivals (618, Double 11, Double 12). Tickets are
// placed at evenly spaced quantiles, so ticket i+1 is never older than ticket i: ids and
// numbers follow creation time, as they do in a real installation.
type curve struct {
	start int64     // ms, the beginning of the first hour
	w     []float64 // weight per hour
	cum   []float64 // cum[h] = sum of w[:h]
}

func newCurve(now int64) *curve {
	hours := windowDays * 24
	start := now - int64(hours)*hourMS
	c := &curve{start: start, w: make([]float64, hours), cum: make([]float64, hours+1)}
	for h := 0; h < hours; h++ {
		t := time.UnixMilli(start + int64(h)*hourMS).In(beijing)
		x := float64(h) / float64(hours)
		w := (1 + 2*x) * hourWeight[t.Hour()]
		switch t.Weekday() {
		case time.Saturday, time.Sunday:
			w *= 0.75
		}
		m, d := t.Month(), t.Day()
		switch {
		case (m == time.June && d >= 18 && d <= 20) || (m == time.November && d >= 11 && d <= 13):
			w *= 2.5 // the festival and the complaints about it
		case (m == time.June && d > 20 && d <= 25) || (m == time.November && d > 13 && d <= 18) ||
			(m == time.December && d >= 12 && d <= 14):
			w *= 1.6
		}
		c.w[h] = w
		c.cum[h+1] = c.cum[h] + w
	}
	return c
}

// at returns the time (ms) at quantile q in [0,1).
func (c *curve) at(q float64) int64 {
	target := q * c.cum[len(c.w)]
	h := sort.Search(len(c.w), func(h int) bool { return c.cum[h+1] > target }) // first hour whose end passes target
	if h >= len(c.w) {
		h = len(c.w) - 1
	}
	frac := (target - c.cum[h]) / c.w[h]
	frac = math.Min(math.Max(frac, 0), 0.999999)
	return c.start + int64(h)*hourMS + int64(frac*float64(hourMS))
}

// ticketTime is the creation time of ticket i of n.
func (c *curve) ticketTime(i, n int) int64 {
	return c.at((float64(i) + 0.5) / float64(n))
}
