// Package routing hands new tickets to agents. Each team chooses a method — round-robin,
// least-loaded (open tickets against each agent's cap) or skill-based — and may send
// customers of a tier (VIP, key accounts) to a senior team; a returning customer's new
// ticket goes back to the agent who owned their earlier one when that agent is available.
// Only agents who are online take tickets. Routing runs as a ticket hook, inside the
// transaction that created or transferred the ticket.
package routing

import "slices"

// Methods of handing out tickets.
const (
	Manual      = "manual"       // nobody is picked; agents take tickets themselves
	RoundRobin  = "round_robin"  // each available agent in turn
	LeastLoaded = "least_loaded" // the available agent with the fewest open tickets
	Skills      = "skills"       // agents with the skills the ticket needs, then least-loaded
)

// Methods lists the methods.
var Methods = []string{Manual, RoundRobin, LeastLoaded, Skills}

// Candidate is an online agent of the team with their load.
type Candidate struct {
	ID     int64
	Open   int      // open tickets assigned to them now
	Cap    int      // most open tickets they take; 0 means no cap
	Skills []string // "lang:en", "product:空调", "type:complaint"
}

func (c Candidate) full() bool { return c.Cap > 0 && c.Open >= c.Cap }

// pickRoundRobin returns the first agent after last (by id, wrapping round) who is not at
// their cap. Candidates must be sorted by id.
func pickRoundRobin(cands []Candidate, last int64) (int64, bool) {
	start := 0 // wrap round when nobody comes after last
	for i, c := range cands {
		if c.ID > last {
			start = i
			break
		}
	}
	for i := range cands {
		if c := cands[(start+i)%len(cands)]; !c.full() {
			return c.ID, true
		}
	}
	return 0, false
}

// pickLeastLoaded returns the agent with the fewest open tickets who is not at their cap;
// ties go to the lowest id.
func pickLeastLoaded(cands []Candidate) (int64, bool) {
	var best *Candidate
	for i := range cands {
		c := &cands[i]
		if c.full() {
			continue
		}
		if best == nil || c.Open < best.Open || (c.Open == best.Open && c.ID < best.ID) {
			best = c
		}
	}
	if best == nil {
		return 0, false
	}
	return best.ID, true
}

// pickBySkills keeps the agents who have the most of the skills the ticket needs (all of
// them when someone has all), then picks the least loaded among them.
func pickBySkills(cands []Candidate, needs []string) (int64, bool) {
	bestScore := -1
	var best []Candidate
	for _, c := range cands {
		if c.full() {
			continue
		}
		score := 0
		for _, n := range needs {
			if slices.Contains(c.Skills, n) {
				score++
			}
		}
		switch {
		case score > bestScore:
			bestScore, best = score, []Candidate{c}
		case score == bestScore:
			best = append(best, c)
		}
	}
	return pickLeastLoaded(best)
}
