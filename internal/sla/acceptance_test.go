package sla

import (
	"slices"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// The issue's acceptance story: a supervisor sets "VIP complaints: first response in 30
// working minutes, resolution in 1 working day" on the 2026 calendar, and tickets created on
// a 调休 Sunday, on a holiday and on a Friday evening show the right due times, warn and
// breach.
func TestVIPComplaintsOn2026Calendar(t *testing.T) {
	cases := []struct {
		name              string
		created           string
		firstDue, resDue  string
		firstWarn         string // 80% of 30 working minutes = 24
		answeredBeforeDue bool
	}{
		// 2026-01-04 is a Sunday and a make-up working day (元旦调休上班).
		{"调休 Sunday", "2026-01-04 10:00", "2026-01-04 10:30", "2026-01-05 10:00", "2026-01-04 10:24", false},
		// 国庆 2026 is Oct 1–7: the clock starts on Thursday Oct 8 at 09:00.
		{"holiday", "2026-10-01 10:00", "2026-10-08 09:30", "2026-10-08 18:00", "2026-10-08 09:24", false},
		// An ordinary Friday evening waits for Monday.
		{"Friday evening", "2026-03-06 19:00", "2026-03-09 09:30", "2026-03-09 18:00", "2026-03-09 09:24", true},
		// The Friday evening before the make-up Saturday after 国庆 waits only for Saturday.
		{"Friday before a 调休 Saturday", "2026-10-09 19:00", "2026-10-10 09:30", "2026-10-10 18:00", "2026-10-10 09:24", false},
		// Morning target across the lunch break.
		{"before lunch", "2026-03-10 11:50", "2026-03-10 13:50", "2026-03-11 11:50", "2026-03-10 13:44", false},
	}
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		e.policy(PolicyInput{Name: "VIP 投诉", Conditions: Conditions{Tiers: []string{"vip"}, Types: []string{"complaint"}},
			FirstResponseMinutes: 30, ResolutionMinutes: 450}) // one office day is 7.5 working hours
		for _, c := range cases {
			tk := e.open(at(c.created), "vip", "complaint", "normal")
			st := e.state(tk)
			if st == nil {
				t.Fatalf("%s: no SLA", c.name)
			}
			check := func(what string, got *time.Time, want string) {
				if got == nil || !got.Equal(at(want)) {
					t.Errorf("%s: %s = %v, want %s", c.name, what, got, want)
				}
			}
			check("first response due", st.FirstResponse.Due, c.firstDue)
			check("first response warning", st.FirstResponse.Warn, c.firstWarn)
			check("resolution due", st.Resolution.Due, c.resDue)
			check("next deadline", st.NextDeadline, c.firstWarn)

			minute := time.Minute
			if n := e.sweep(at(c.firstWarn).Add(-minute)); n != 0 {
				t.Errorf("%s: sweep before the warning touched %d tickets", c.name, n)
			}
			e.sweep(at(c.firstWarn))
			if got := e.slaEvents(tk); !slices.Equal(got, []string{"sla_warning first_response"}) {
				t.Errorf("%s: at the warning: %v", c.name, got)
			}
			if c.answeredBeforeDue {
				e.reply(tk, at(c.firstDue).Add(-minute), "agent", "")
			}
			e.sweep(at(c.firstDue))
			want := []string{"sla_warning first_response", "sla_breached first_response"}
			if c.answeredBeforeDue {
				want = want[:1]
				if s := e.state(tk).FirstResponse.State; s != Met {
					t.Errorf("%s: first response %q after a reply in time, want met", c.name, s)
				}
			}
			if got := e.slaEvents(tk); !slices.Equal(got, want) {
				t.Errorf("%s: at the first-response due time: %v, want %v", c.name, got, want)
			}
			e.sweep(at(c.resDue))
			want = append(want, "sla_warning resolution", "sla_breached resolution")
			if got := e.slaEvents(tk); !slices.Equal(got, want) {
				t.Errorf("%s: at the resolution due time: %v, want %v", c.name, got, want)
			}
			if st := e.state(tk); st.NextDeadline != nil {
				t.Errorf("%s: nothing left to fire, but next deadline %v", c.name, st.NextDeadline)
			}
		}
		// An ordinary customer's complaint is not under the VIP policy.
		if st := e.state(e.open(at("2026-03-10 10:00"), "ordinary", "complaint", "normal")); st != nil {
			t.Errorf("ordinary complaint got %q", st.PolicyName)
		}
	})
}
