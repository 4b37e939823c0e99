package demo

import (
	"fmt"
	"testing"
	"time"
)

// The story does not depend on the day or the hour it is loaded at: only how much of it has
// happened does.
func TestPlanIsTheSameEveryDay(t *testing.T) {
	story := func(now time.Time) []string {
		p := newPlan(Options{Tickets: 300, Customers: 50, Now: now}.withDefaults())
		var out []string
		for _, tk := range p.tickets {
			out = append(out, fmt.Sprint(tk.subject, tk.channel, tk.priority, tk.cust, tk.created.Sub(p.start)))
		}
		for _, s := range p.steps {
			out = append(out, fmt.Sprint(s.ticket, s.op, s.text, s.status, s.at.Sub(p.start)))
		}
		return out
	}
	base := time.Date(2026, 5, 4, 1, 30, 0, 0, cst)
	a := story(base)
	for _, later := range []time.Duration{20 * time.Hour, 3*24*time.Hour + 5*time.Hour, 200 * 24 * time.Hour} {
		b := story(base.Add(later))
		if len(a) != len(b) {
			t.Fatalf("%s later: %d against %d lines", later, len(b), len(a))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s later, line %d:\n%s\n%s", later, i, a[i], b[i])
			}
		}
	}
}
