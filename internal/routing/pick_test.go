package routing

import "testing"

func TestPick(t *testing.T) {
	three := []Candidate{{ID: 2}, {ID: 5}, {ID: 9}}
	capped := []Candidate{{ID: 2, Open: 3, Cap: 3}, {ID: 5, Open: 1, Cap: 2}, {ID: 9, Open: 4, Cap: 0}}
	cases := []struct {
		name string
		pick func() (int64, bool)
		want int64
	}{
		{"round-robin starts at the first", func() (int64, bool) { return pickRoundRobin(three, 0) }, 2},
		{"round-robin takes the next", func() (int64, bool) { return pickRoundRobin(three, 2) }, 5},
		{"round-robin wraps", func() (int64, bool) { return pickRoundRobin(three, 9) }, 2},
		{"round-robin after a departed agent", func() (int64, bool) { return pickRoundRobin(three, 6) }, 9},
		{"round-robin skips a full agent", func() (int64, bool) { return pickRoundRobin(capped, 0) }, 5},
		{"least-loaded", func() (int64, bool) { return pickLeastLoaded(capped) }, 5},
		{"least-loaded ties go to the lowest id", func() (int64, bool) { return pickLeastLoaded(three) }, 2},
		{"everyone full", func() (int64, bool) { return pickLeastLoaded([]Candidate{{ID: 1, Open: 1, Cap: 1}}) }, 0},
		{"skills: the one who has them", func() (int64, bool) {
			return pickBySkills([]Candidate{{ID: 1}, {ID: 2, Open: 5, Skills: []string{"lang:en", "type:complaint"}}}, []string{"type:complaint", "lang:en"})
		}, 2},
		{"skills: the closest match, then the least loaded", func() (int64, bool) {
			return pickBySkills([]Candidate{{ID: 1, Open: 4, Skills: []string{"lang:en"}}, {ID: 2, Open: 1, Skills: []string{"lang:en"}}, {ID: 3}}, []string{"type:order", "lang:en"})
		}, 2},
		{"skills: nobody matches, least loaded of all", func() (int64, bool) {
			return pickBySkills([]Candidate{{ID: 1, Open: 4}, {ID: 2, Open: 1}}, []string{"lang:ja"})
		}, 2},
		{"skills: the match is full", func() (int64, bool) {
			return pickBySkills([]Candidate{{ID: 1, Open: 2, Cap: 2, Skills: []string{"lang:en"}}, {ID: 2}}, []string{"lang:en"})
		}, 2},
	}
	for _, c := range cases {
		got, ok := c.pick()
		if got != c.want || ok != (c.want != 0) {
			t.Errorf("%s: picked %d (%v), want %d", c.name, got, ok, c.want)
		}
	}
}
