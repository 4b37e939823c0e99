package demo

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/sample"
)

// The plan is the whole story of the demo company, drawn from one seeded generator before
// anything is written: who works there, who the customers are, and every ticket as a list of
// timed steps (a reply, a transfer, a hand-off …). Running the plan only replays it through
// the domain services, so the same seed and the same "now" give the same help desk.

// Service teams, in the order of sample.Teams().
const (
	tPresale = iota
	tAfter1
	tAfter2
	tComplaint
	tOnline
	tVIP
	numTeams
)

// Departments, in the order of sample.Departments().
const (
	dTech = iota
	dLogistics
	dFinance
	dQuality
	dStores
	numDepts
)

// The demo company works in China time; office hours decide when agents answer.
var cst = time.FixedZone("CST", 8*3600)

// staffSpec is one member of staff.
type staffSpec struct {
	person  sample.Person
	role    auth.Role
	title   string
	titleEN string
	teams   []int
	depts   []int
}

// who acts in a step: the system (an integration, a rule), the ticket's customer, or staff.
type who struct {
	kind  byte // 's', 'c' or 'u'
	staff int
}

var (
	bySystem   = who{kind: 's'}
	byCustomer = who{kind: 'c'}
)

func byStaff(i int) who { return who{kind: 'u', staff: i} }

type custPlan struct {
	person      sample.Person
	tier, stage string
	tags        []string
	notes       string
	created     time.Time
	weight      int
}

type ticketPlan struct {
	cust                        int
	lang                        string
	typ, sub, priority, channel string
	subject, first              string
	created                     time.Time
	by                          who
	team, assignee              int // at creation; -1: none
	tags                        []string
	bySplit                     bool // made by splitting another ticket, not created
	home                        int  // the team it reached first
	lines                       int
	outcome                     outcome
	mergeFrom, linkTo           int // a duplicate to merge in, an earlier ticket to link; -1: none
	split, reopen               bool
	number                      int64 // once it exists
}

type outcome uint8

const (
	done          outcome = iota // resolved, then closed
	stallNew                     // nobody has answered yet
	stallOpen                    // the customer wrote last
	stallCustomer                // waiting for the customer
	stallDept                    // waiting for a department
)

type opKind uint8

const (
	opMessage opKind = iota
	opPatch
	opTransfer
	opMerge // merge ticket `other` into this one
	opLink  // relate this ticket to `other`
	opSplit // move src's message into the new ticket `other`
)

// step is one command of the story.
type step struct {
	at     time.Time
	seq    int
	ticket int
	op     opKind
	by     who
	late   bool // runs in the last, sequential phase (splits and what follows them)

	kind, author, text string // opMessage; "#{other}" in text becomes the other ticket's number
	status             string // opMessage and opPatch
	assign, dept       int    // opPatch: staff or department to set; -1 leaves it
	tags               []string
	team               int // opTransfer
	reason             string
	other              int
	src                *step // opSplit
	subject            string

	msgID int64 // set when a message step has run
}

type planner struct {
	g          *sample.Generator
	start, end time.Time // the story runs from start to the end of today (China time)
	staff      []staffSpec
	agents     [numTeams][]int
	supers     [numTeams][]int
	deptStaff  [numDepts]int
	manager    int
	english    int
	custs      []*custPlan
	tickets    []*ticketPlan
	steps      []*step
	last       map[int]time.Time
}

// newPlan draws the story. It is planned to the end of the current day and does not depend
// on the date or the time of day, so every day tells the same story, shifted; the runner
// plays it only up to the present.
func newPlan(o Options) *planner {
	l := o.Now.In(cst)
	end := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, cst)
	p := &planner{g: sample.New(o.Seed), start: end.AddDate(0, 0, -o.Days), end: end, last: map[int]time.Time{}}
	p.planStaff()
	p.planCustomers(o.Customers)
	p.planTickets(o.Tickets)
	return p
}

func (p *planner) chance(pct int) bool { return p.g.Intn(100) < pct }

// between returns a duration in [lo, hi).
func (p *planner) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(p.g.Intn(int((hi-lo)/time.Second)))*time.Second
}

// soon is like between but favours short waits, as most replies are.
func (p *planner) soon(lo, hi time.Duration) time.Duration {
	return min(p.between(lo, hi), p.between(lo, hi))
}

// weighted picks an index with the given weights.
func (p *planner) weighted(w ...int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	r := p.g.Intn(total)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// within moves t into the daily window [from, to) (minutes after midnight, China time), to
// the next opening when it falls outside, with some slack. (Retail service works every day.)
func (p *planner) within(t time.Time, from, to int) time.Time {
	moved := false
	for range 8 {
		l := t.In(cst)
		mins := l.Hour()*60 + l.Minute()
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst)
		open := day.Add(time.Duration(from) * time.Minute)
		switch {
		case mins >= to:
			t = open.AddDate(0, 0, 1)
		case mins < from:
			t = open
		default:
			if moved {
				t = t.Add(p.between(time.Minute, 40*time.Minute))
			}
			return t
		}
		moved = true
	}
	return t
}

func (p *planner) agentHours(t time.Time) time.Time    { return p.within(t, 8*60+30, 22*60) }
func (p *planner) customerHours(t time.Time) time.Time { return p.within(t, 7*60, 23*60+30) }
func (p *planner) deptHours(t time.Time) time.Time     { return p.within(t, 9*60, 18*60) }

func (p *planner) planStaff() {
	all := []int{tPresale, tAfter1, tAfter2, tComplaint, tOnline, tVIP}
	specs := []staffSpec{
		{role: auth.RoleAdmin, title: "系统管理员", titleEN: "admin"},
		{role: auth.RoleSupervisor, title: "客服经理", titleEN: "service manager", teams: all},
		{role: auth.RoleSupervisor, title: "售后主管", titleEN: "after-sales supervisor", teams: []int{tAfter1, tAfter2, tComplaint}},
		{role: auth.RoleSupervisor, title: "售前与在线主管", titleEN: "sales & chat supervisor", teams: []int{tPresale, tOnline, tVIP}},
		{role: auth.RoleAgent, title: "售前顾问", titleEN: "sales adviser", teams: []int{tPresale}},
		{role: auth.RoleAgent, title: "售前顾问", titleEN: "sales adviser", teams: []int{tPresale}},
		{role: auth.RoleAgent, title: "售后专员", titleEN: "after-sales agent", teams: []int{tAfter1}},
		{role: auth.RoleAgent, title: "售后专员", titleEN: "after-sales agent", teams: []int{tAfter1}},
		{role: auth.RoleAgent, title: "售后专员", titleEN: "after-sales agent", teams: []int{tAfter1}},
		{role: auth.RoleAgent, title: "退款专员", titleEN: "refunds agent", teams: []int{tAfter2}},
		{role: auth.RoleAgent, title: "退款专员", titleEN: "refunds agent", teams: []int{tAfter2}},
		{role: auth.RoleAgent, title: "投诉专员", titleEN: "complaints agent", teams: []int{tComplaint}},
		{role: auth.RoleAgent, title: "投诉专员", titleEN: "complaints agent", teams: []int{tComplaint, tAfter2}},
		{role: auth.RoleAgent, title: "在线客服", titleEN: "chat agent", teams: []int{tOnline}},
		{role: auth.RoleAgent, title: "在线客服", titleEN: "chat agent", teams: []int{tOnline}},
		{role: auth.RoleAgent, title: "在线客服（英文）", titleEN: "chat agent (English)", teams: []int{tOnline, tPresale}},
		{role: auth.RoleAgent, title: "VIP 客户经理", titleEN: "VIP account manager", teams: []int{tVIP}},
		{role: auth.RoleAgent, title: "VIP 客户经理", titleEN: "VIP account manager", teams: []int{tVIP}},
		{role: auth.RoleDepartment, title: "技术支持工程师", titleEN: "engineer", depts: []int{dTech, dQuality}},
		{role: auth.RoleDepartment, title: "物流专员", titleEN: "logistics", depts: []int{dLogistics, dStores}},
		{role: auth.RoleDepartment, title: "财务专员", titleEN: "finance", depts: []int{dFinance}},
	}
	for i := range specs {
		specs[i].person = p.g.Agent()
		s := &specs[i]
		for _, t := range s.teams {
			if s.role == auth.RoleAgent {
				p.agents[t] = append(p.agents[t], i)
			} else {
				p.supers[t] = append(p.supers[t], i)
			}
		}
		for _, d := range s.depts {
			if p.deptStaff[d] == 0 {
				p.deptStaff[d] = i
			}
		}
		if s.title == "客服经理" {
			p.manager = i
		}
		if s.title == "在线客服（英文）" {
			p.english = i
		}
	}
	p.staff = specs
}

// pickAgent chooses who in a team takes a ticket: mostly agents, now and then a supervisor
// (not the manager, who only steps in), never `not`.
func (p *planner) pickAgent(team, not int) int {
	pool := p.agents[team]
	if p.chance(8) {
		var sup []int
		for _, s := range p.supers[team] {
			if s != p.manager {
				sup = append(sup, s)
			}
		}
		if len(sup) > 0 {
			pool = sup
		}
	}
	var ok []int
	for _, a := range pool {
		if a != not {
			ok = append(ok, a)
		}
	}
	if len(ok) == 0 {
		return p.manager
	}
	return ok[p.g.Intn(len(ok))]
}

var tiers = []string{"vip", "key", "ordinary", "small"}

func (p *planner) planCustomers(n int) {
	enCap := max(2, n*4/100)
	en := 0
	seen := map[string]bool{}
	for len(p.custs) < n {
		per := p.g.Person()
		if seen[per.Email] || seen[per.Phone] || (per.Lang == "en" && en >= enCap) {
			continue
		}
		seen[per.Email], seen[per.Phone] = true, true
		if per.Lang == "en" {
			en++
		}
		c := &custPlan{person: per}
		if per.Organization != "" {
			c.tier = tiers[p.weighted(20, 45, 30, 5)]
		} else {
			c.tier = tiers[p.weighted(2, 8, 38, 52)]
		}
		c.stage = []string{"current", "potential", "target", "lost"}[p.weighted(72, 10, 10, 8)]
		p.custs = append(p.custs, c)
	}
	// Every tier shows, whatever the size.
	for i, tier := range tiers {
		if !p.hasTier(tier) && len(p.custs) > i {
			p.custs[i*len(p.custs)/len(tiers)].tier = tier
		}
	}
	for _, c := range p.custs {
		if c.tier == "vip" {
			c.stage = []string{"current", "lost"}[p.weighted(92, 8)]
		}
		switch c.tier {
		case "vip":
			c.weight = 50
			c.tags = append(c.tags, "VIP")
			c.notes = p.g.Pick(vipNotes)
		case "key":
			c.weight = 25
			if p.chance(30) {
				c.notes = p.g.Pick(vipNotes)
			}
		case "ordinary":
			c.weight = 12
		default:
			c.weight = 6
		}
		if c.notes == "" && p.chance(8) {
			c.notes = p.g.Pick(customerNotes)
		}
		if c.person.Organization != "" {
			c.tags = append(c.tags, "企业客户")
		}
		if c.person.Lang == "en" {
			c.tags = append(c.tags, "English")
			c.weight = max(3, c.weight/2)
		}
		for _, extra := range []struct {
			tag string
			pct int
		}{{"以旧换新", 5}, {"延保", 6}, {"差评风险", 3}, {"重复来电", 3}} {
			if p.chance(extra.pct) {
				c.tags = append(c.tags, extra.tag)
			}
		}
		c.created = p.start.Add(-p.between(24*time.Hour, 540*24*time.Hour))
	}
	sort.SliceStable(p.custs, func(i, j int) bool { return p.custs[i].created.Before(p.custs[j].created) })
}

func (p *planner) hasTier(tier string) bool {
	for _, c := range p.custs {
		if c.tier == tier {
			return true
		}
	}
	return false
}

// Busy hours of the day (China time), from midnight.
var hourWeight = [24]int{2, 1, 1, 0, 0, 1, 2, 4, 7, 10, 12, 11, 8, 9, 11, 11, 10, 9, 7, 8, 10, 10, 7, 4}

// ticketTime draws when a request arrives: a little busier lately, by the hour of the day.
func (p *planner) ticketTime() time.Time {
	days := int(p.end.Sub(p.start) / (24 * time.Hour))
	hw := hourWeight[:]
	for {
		d := p.g.Intn(days)
		if p.g.Intn(140) >= 100+40*d/max(days, 1) {
			continue
		}
		return p.start.AddDate(0, 0, d).Add(time.Duration(p.weighted(hw...))*time.Hour + p.between(0, time.Hour))
	}
}

var allKinds = [][2]string{
	{"consultation", ""}, {"presale", ""}, {"order", ""}, {"complaint", ""}, {"suggestion", ""}, {"praise", ""},
	{"aftersale", "repair"}, {"aftersale", "return"}, {"aftersale", "exchange"}, {"aftersale", "refund"}, {"aftersale", "warranty"},
}

var (
	channels   = []string{"chat", "email", "phone", "portal", "api"}
	priorities = []string{"low", "normal", "high", "urgent"}
)

// cover makes sure every value of all appears in got at least once, replacing values that
// appear more than once; set writes a value at an index.
func (p *planner) cover(n int, all []string, get func(int) string, set func(int, string)) {
	for _, want := range all {
		count := map[string]int{}
		for i := 0; i < n; i++ {
			count[get(i)]++
		}
		if count[want] > 0 {
			continue
		}
		for try := 0; try < 10*n; try++ {
			i := p.g.Intn(n)
			if count[get(i)] > 1 {
				set(i, want)
				break
			}
		}
	}
}

func (p *planner) planTickets(total int) {
	nDup := max(2, total/60)
	nSplit := max(2, total/500)
	nLink := max(2, total/150)
	nBase := max(total-nDup-nSplit, 30)

	// Who writes when, about what, through which channel, how urgently.
	times := make([]time.Time, nBase)
	for i := range times {
		times[i] = p.ticketTime()
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	weights := 0
	for _, c := range p.custs {
		weights += c.weight
	}
	for _, at := range times {
		t := &ticketPlan{created: at, team: -1, assignee: -1, mergeFrom: -1, linkTo: -1}
		r := p.g.Intn(weights)
		for i, c := range p.custs {
			if r < c.weight {
				t.cust = i
				break
			}
			r -= c.weight
		}
		t.lang = p.custs[t.cust].person.Lang
		t.typ, t.sub = p.g.TicketType()
		p.tickets = append(p.tickets, t)
	}
	kindKey := func(i int) string { return p.tickets[i].typ + "/" + p.tickets[i].sub }
	var keys []string
	for _, k := range allKinds {
		keys = append(keys, k[0]+"/"+k[1])
	}
	p.cover(nBase, keys, kindKey, func(i int, v string) {
		p.tickets[i].typ, p.tickets[i].sub, _ = strings.Cut(v, "/")
	})
	for _, t := range p.tickets {
		c := p.custs[t.cust]
		switch {
		case t.lang == "en":
			t.channel = channels[p.weighted(35, 55, 0, 10, 0)]
		case c.tier == "vip":
			t.channel = channels[p.weighted(25, 20, 35, 10, 10)]
		default:
			t.channel = channels[p.weighted(32, 20, 18, 16, 14)]
		}
		switch {
		case c.tier == "vip":
			t.priority = priorities[p.weighted(0, 10, 55, 35)]
		case t.typ == "complaint":
			t.priority = priorities[p.weighted(0, 35, 50, 15)]
		case t.typ == "suggestion" || t.typ == "praise":
			t.priority = priorities[p.weighted(70, 30, 0, 0)]
		case c.tier == "key":
			t.priority = priorities[p.weighted(5, 60, 30, 5)]
		default:
			t.priority = priorities[p.weighted(17, 68, 12, 3)]
		}
	}
	p.cover(nBase, channels, func(i int) string { return p.tickets[i].channel }, func(i int, v string) { p.tickets[i].channel = v })
	// Calls come in while the call centre is open.
	for _, t := range p.tickets {
		if t.channel == "phone" {
			if at := p.agentHours(t.created); at.Before(p.end) {
				t.created = at
			} else {
				t.channel = "email"
			}
		}
	}
	sort.SliceStable(p.tickets, func(i, j int) bool { return p.tickets[i].created.Before(p.tickets[j].created) })
	p.cover(nBase, priorities, func(i int) string { return p.tickets[i].priority }, func(i int, v string) { p.tickets[i].priority = v })

	// How far each request has come by now.
	for _, t := range p.tickets {
		age := p.end.Sub(t.created)
		var stall int // percent of tickets of this age that are still in progress
		switch {
		case age < 36*time.Hour:
			stall = 55
		case age < 7*24*time.Hour:
			stall = 30
		case age < 30*24*time.Hour:
			stall = 6
		default:
			stall = 1
		}
		if !p.chance(stall) {
			continue
		}
		switch {
		case age < 36*time.Hour:
			t.outcome = []outcome{stallNew, stallOpen, stallCustomer, stallDept}[p.weighted(25, 30, 30, 15)]
		case age < 7*24*time.Hour:
			t.outcome = []outcome{stallOpen, stallCustomer, stallDept}[p.weighted(40, 40, 20)]
		case age < 30*24*time.Hour:
			t.outcome = []outcome{stallOpen, stallCustomer, stallDept}[p.weighted(35, 35, 30)]
		default:
			t.outcome = []outcome{stallOpen, stallDept}[p.weighted(40, 60)]
		}
		if t.typ == "praise" && t.outcome != stallNew {
			t.outcome = done
		}
	}
	// Every state shows, whatever the size: the newest tickets from before today take the
	// missing ones (today's may not have come in yet when the demo is loaded).
	today := p.end.Add(-24 * time.Hour)
	for _, o := range []outcome{stallNew, stallOpen, stallCustomer, stallDept} {
		found := false
		for _, t := range p.tickets {
			found = found || (t.outcome == o && t.created.Before(today))
		}
		for i := len(p.tickets) - 1; !found && i >= 0; i-- {
			if t := p.tickets[i]; t.outcome == done && t.typ != "praise" && t.created.Before(today) {
				t.outcome, found = o, true
			}
		}
	}
	for _, t := range p.tickets {
		t.reopen = t.outcome == done && t.typ != "praise" && t.typ != "suggestion" && p.chance(5)
	}

	// Duplicates to merge: a customer writes again through another channel before anyone
	// answered. They are new tickets, merged into the first one when an agent picks it up.
	old := func(t *ticketPlan, days int) bool { return p.end.Sub(t.created) > time.Duration(days)*24*time.Hour }
	for _, i := range p.candidates(nDup, nBase, func(t *ticketPlan) bool {
		return t.outcome == done && !t.reopen && old(t, 3) && (t.channel == "email" || t.channel == "portal" || t.channel == "api")
	}) {
		t := p.tickets[i]
		d := &ticketPlan{cust: t.cust, lang: t.lang, typ: t.typ, sub: t.sub, priority: t.priority,
			created: t.created.Add(p.between(10*time.Minute, 50*time.Minute)), team: -1, assignee: -1, mergeFrom: -1, linkTo: -1}
		d.channel = "chat"
		if t.channel != "email" && p.chance(50) {
			d.channel = "email"
		}
		t.mergeFrom = len(p.tickets)
		p.tickets = append(p.tickets, d)
	}
	// Second questions to split off.
	for _, i := range p.candidates(nSplit, nBase, func(t *ticketPlan) bool {
		return t.outcome == done && !t.reopen && t.mergeFrom < 0 && old(t, 4) && t.channel != "phone" && t.typ != "praise"
	}) {
		p.tickets[i].split = true
	}
	// Related tickets of one customer.
	byCust := map[int][]int{}
	for i, t := range p.tickets[:nBase] {
		byCust[t.cust] = append(byCust[t.cust], i)
	}
	for _, i := range p.candidates(nLink, nBase, func(t *ticketPlan) bool { return t.outcome != stallNew && !t.split }) {
		for _, e := range byCust[p.tickets[i].cust] {
			if e < i && p.tickets[i].created.Sub(p.tickets[e].created) < 45*24*time.Hour {
				p.tickets[i].linkTo = e
				break
			}
		}
	}

	for i := 0; i < nBase; i++ {
		p.story(i)
	}
	// The duplicates say what the first message said, to the team that has it.
	for _, t := range p.tickets[:nBase] {
		if t.mergeFrom < 0 {
			continue
		}
		d := p.tickets[t.mergeFrom]
		intro := p.g.Pick(dupIntroZH)
		if t.lang == "en" {
			intro = p.g.Pick(dupIntroEN)
		}
		d.subject, d.first, d.by, d.team = t.subject, intro+t.first, bySystem, t.home
		d.tags = append([]string(nil), t.tags...)
	}
}

// candidates picks up to n distinct tickets among the first `among` that fit.
func (p *planner) candidates(n, among int, fit func(*ticketPlan) bool) []int {
	var pool []int
	for i, t := range p.tickets[:among] {
		if fit(t) {
			pool = append(pool, i)
		}
	}
	var out []int
	for len(out) < n && len(pool) > 0 {
		k := p.g.Intn(len(pool))
		out = append(out, pool[k])
		pool = append(pool[:k], pool[k+1:]...)
	}
	sort.Ints(out)
	return out
}

// add appends a step of ticket ti at time at (or just after the ticket's previous step).
func (p *planner) add(ti int, at time.Time, s *step) *step {
	if last, ok := p.last[ti]; ok && !at.After(last) {
		at = last.Add(time.Second)
	}
	p.last[ti] = at
	s.ticket, s.at, s.seq = ti, at, len(p.steps)
	p.steps = append(p.steps, s)
	return s
}

func msg(by who, kind, author, text, status string) *step {
	return &step{op: opMessage, by: by, kind: kind, author: author, text: text, status: status, assign: -1, dept: -1}
}

func patch(by who) *step { return &step{op: opPatch, by: by, assign: -1, dept: -1} }

// properTeam is where a ticket belongs.
func (p *planner) properTeam(t *ticketPlan) int {
	switch {
	case p.custs[t.cust].tier == "vip" && p.chance(85):
		return tVIP
	case t.lang == "en":
		return tOnline
	}
	switch t.typ {
	case "complaint":
		return tComplaint
	case "aftersale":
		switch t.sub {
		case "refund":
			return tAfter2
		case "return":
			return []int{tAfter1, tAfter2}[p.g.Intn(2)]
		}
		return tAfter1
	case "presale":
		if t.channel == "chat" && p.chance(40) {
			return tOnline
		}
		return tPresale
	case "consultation":
		if t.channel == "chat" || p.chance(50) {
			return tOnline
		}
		return tPresale
	case "order":
		if p.chance(75) {
			return tOnline
		}
		return tAfter1
	}
	return tOnline
}

// misroute returns where a ticket first lands when it lands in the wrong place, and the
// reason it is then transferred to where it belongs; -1 when it lands right.
func (p *planner) misroute(t *ticketPlan, proper int) (int, string) {
	pct := 11
	if proper == tComplaint || proper == tVIP {
		pct = 25
	}
	if !p.chance(pct) {
		return -1, ""
	}
	from := func(teams ...int) int { return teams[p.g.Intn(len(teams))] }
	pick := func(key string) string { return p.g.Pick(transferReasons[key]) }
	switch proper {
	case tVIP:
		return from(tOnline, tPresale, tAfter1), pick("vip")
	case tComplaint:
		return from(tOnline, tAfter1, tPresale), pick("complaint")
	case tAfter2:
		if t.sub == "refund" {
			return from(tAfter1, tOnline), pick("refund")
		}
		return from(tOnline), pick("return")
	case tAfter1:
		switch t.sub {
		case "repair", "warranty":
			return from(tOnline, tPresale), pick("repair")
		case "exchange":
			return from(tOnline, tAfter2), pick("exchange")
		case "return":
			return from(tOnline), pick("return")
		}
	case tPresale:
		return tOnline, pick("presale")
	case tOnline:
		if t.lang == "en" {
			return from(tPresale, tAfter1), pick("english")
		}
		if t.typ == "order" {
			return tPresale, pick("order")
		}
	}
	return -1, ""
}

// deptFor is the department a ticket of this kind is handed to, and what is asked.
func (p *planner) deptFor(t *ticketPlan) (int, deptWork) {
	type choice struct{ dept, work int }
	about := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t.subject, w) || strings.Contains(t.first, w) {
				return true
			}
		}
		return false
	}
	var cs []choice
	switch t.typ + "/" + t.sub {
	case "order/":
		switch {
		case about("漏发", "错发", "少发", "发错"):
			cs = []choice{{dLogistics, 2}}
		case about("发票", "开票"):
			cs = []choice{{dFinance, 1}}
		default:
			cs = []choice{{dLogistics, 0}}
		}
	case "aftersale/refund":
		if about("价保", "降价", "差价") {
			cs = []choice{{dFinance, 2}}
		} else {
			cs = []choice{{dFinance, 0}}
		}
	case "aftersale/repair":
		cs = []choice{{dTech, 0}, {dTech, 1}}
		if about("安装", "师傅") {
			cs = append(cs, choice{dStores, 1})
		}
	case "aftersale/warranty":
		cs = []choice{{dTech, 3}}
	case "aftersale/return":
		cs = []choice{{dLogistics, 1}, {dQuality, 1}}
	case "aftersale/exchange":
		cs = []choice{{dQuality, 0}, {dQuality, 1}}
		if about("发错", "错发", "型号不对") {
			cs = []choice{{dLogistics, 2}}
		}
	case "complaint/":
		switch {
		case about("门店", "店员", "导购"):
			cs = []choice{{dStores, 0}}
		case about("快递", "物流", "配送", "送货"):
			cs = []choice{{dLogistics, 0}}
		case about("安装", "师傅"):
			cs = []choice{{dStores, 1}}
		default:
			cs = []choice{{dQuality, 0}, {dStores, 0}}
		}
	default:
		switch {
		case about("发票", "专票", "开票"):
			cs = []choice{{dFinance, 1}}
		case about("安装", "尺寸", "嵌入"):
			cs = []choice{{dTech, 2}, {dStores, 1}}
		default:
			cs = []choice{{dTech, 2}}
		}
	}
	c := cs[p.g.Intn(len(cs))]
	return c.dept, deptWorks[c.dept][c.work]
}

func deptPercent(t *ticketPlan) int {
	switch t.typ + "/" + t.sub {
	case "aftersale/refund", "aftersale/repair":
		return 30
	case "aftersale/warranty", "aftersale/return", "aftersale/exchange", "complaint/":
		return 20
	case "order/":
		return 15
	case "consultation/", "presale/":
		return 3
	}
	return 0
}

// agentTags are the tags an agent puts on a ticket when taking it.
func agentTags(t *ticketPlan) []string {
	var out []string
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t.subject, w) {
				return true
			}
		}
		return false
	}
	switch t.sub {
	case "refund":
		out = append(out, "退款")
	case "repair":
		out = append(out, "维修")
	case "return":
		out = append(out, "上门取件")
	case "warranty":
		out = append(out, "延保")
	}
	for _, kw := range []struct {
		tag   string
		words []string
	}{
		{"物流", []string{"物流", "快递", "配送", "没收到", "发货"}}, {"发票", []string{"发票", "开票"}},
		{"安装", []string{"安装"}}, {"催单", []string{"催", "还没发"}}, {"错发漏发", []string{"漏发", "错发", "少发"}},
		{"价保", []string{"价保", "降价", "差价"}}, {"配件", []string{"配件", "滤芯"}}, {"缺货", []string{"缺货", "到货", "库存"}},
		{"以旧换新", []string{"以旧换新"}},
	} {
		if has(kw.words...) {
			out = append(out, kw.tag)
		}
	}
	if t.typ == "complaint" {
		out = append(out, "差评风险")
	}
	if t.priority == "urgent" {
		out = append(out, "加急")
	}
	return out
}

// story writes ticket i's steps: from its creation through the conversation, transfers,
// hand-offs, resolution and closing, as far as its outcome and the present allow.
func (p *planner) story(ti int) {
	t := p.tickets[ti]
	c := p.custs[t.cust]
	proper := p.properTeam(t)
	from, reason := p.misroute(t, proper)
	dept := -1
	var work deptWork
	if t.outcome == stallDept || p.chance(deptPercent(t)) {
		dept, work = p.deptFor(t)
	}
	// Conversation length: chats run long, praise is short; stories with more in them need room.
	lo, hi := 3, 8
	switch t.channel {
	case "chat":
		lo, hi = 4, 10
	case "phone":
		lo, hi = 3, 7
	}
	switch t.typ {
	case "praise":
		lo, hi = 2, 4
	case "suggestion":
		lo, hi = 3, 6
	}
	n := lo + p.g.Intn(hi-lo)
	if from >= 0 || dept >= 0 || t.outcome != done || t.split {
		n = max(n, 4)
	}
	sc := p.g.Script(t.typ, t.sub, n, t.lang)
	t.typ, t.sub, t.subject, t.first, t.lines = sc.Type, sc.Subtype, sc.Subject, sc.Lines[0].Text, n
	if c.tier == "vip" {
		t.tags = append(t.tags, "VIP")
	}
	if c.person.Organization != "" && p.chance(50) {
		t.tags = append(t.tags, "企业客户")
	}
	if t.lang == "en" {
		t.tags = append(t.tags, "English")
	}

	team := proper
	if from >= 0 {
		team = from
	}
	t.home = team
	tags := t.tags // the ticket's tags as they stand
	assign := -1
	cur := t.created
	switch t.channel {
	case "phone": // the agent who takes the call logs it and owns it
		assign = p.pickAgent(team, -1)
		if t.lang == "en" && team == tOnline {
			assign = p.english
		}
		t.by, t.team, t.assignee = byStaff(assign), team, assign
		t.tags = append(t.tags, agentTags(t)...)
		tags = t.tags
	case "portal": // the customer writes; a routing rule sends it to a team
		t.by = byCustomer
		cur = cur.Add(p.between(20*time.Second, 3*time.Minute))
		p.add(ti, cur, &step{op: opTransfer, by: bySystem, team: team, assign: -1, dept: -1,
			reason: strings.Replace(routeReason, "%s", sample.Teams()[team].Name, 1)})
	default: // an integration relays the customer's message and routes it
		t.by, t.team = bySystem, team
		if p.chance(map[string]int{"chat": 70}[t.channel] + 25) {
			assign = p.pickAgent(team, -1)
			if t.lang == "en" && team == tOnline {
				assign = p.english
			}
			t.assignee = assign
		}
	}
	if t.outcome == stallNew {
		return
	}

	live := t.channel == "chat" || t.channel == "phone"
	customerBy := func() who {
		switch t.channel {
		case "portal":
			return byCustomer
		case "phone":
			return byStaff(assign)
		}
		return bySystem
	}
	tagged := t.channel == "phone"
	// ready brings the agent to the ticket: they claim it (with tags) if nobody has it.
	ready := func(first bool) {
		var d time.Duration
		switch {
		case live:
			d = p.soon(30*time.Second, 5*time.Minute)
		case first:
			d = map[string]time.Duration{"email": 5 * time.Hour, "portal": 6 * time.Hour, "api": 3 * time.Hour}[t.channel]
			d = p.soon(15*time.Minute, d)
			if c.tier == "vip" {
				d /= 3
			}
			if t.mergeFrom >= 0 {
				d = max(d, 70*time.Minute)
			}
		default:
			d = p.soon(10*time.Minute, 3*time.Hour)
		}
		cur = p.agentHours(cur.Add(d))
		var set []string
		if !tagged {
			// A customer's own ticket arrives without tags; the agent adds them all.
			if extra := agentTags(t); len(extra) > 0 || (t.by == byCustomer && len(tags) > 0) {
				set = append(append([]string{}, tags...), extra...)
				tags = set
			}
			tagged = true
		}
		if assign < 0 {
			assign = p.pickAgent(team, -1)
			if t.lang == "en" && team == tOnline {
				assign = p.english
			}
			s := p.add(ti, cur, patch(byStaff(assign)))
			s.assign, s.tags = assign, set
			cur = cur.Add(p.between(20*time.Second, 3*time.Minute))
		} else if set != nil {
			s := p.add(ti, cur, patch(byStaff(assign)))
			s.tags = set
			cur = cur.Add(p.between(10*time.Second, time.Minute))
		}
	}
	transfer := func() {
		cur = p.agentHours(cur.Add(p.between(3*time.Minute, 30*time.Minute)))
		s := p.add(ti, cur, &step{op: opTransfer, by: byStaff(assign), team: proper, assign: -1, dept: -1, reason: reason})
		team, assign = proper, -1
		if p.chance(60) {
			assign = p.pickAgent(team, s.by.staff)
			if t.lang == "en" && team == tOnline {
				assign = p.english
			}
			s.assign = assign
		}
		from = -1
	}
	handOff := func() bool {
		cur = p.agentHours(cur.Add(p.between(5*time.Minute, 40*time.Minute)))
		p.add(ti, cur, msg(byStaff(assign), "note", "agent", work.ask, ""))
		cur = cur.Add(p.between(30*time.Second, 3*time.Minute))
		s := p.add(ti, cur, patch(byStaff(assign)))
		s.dept, s.status = dept, "pending_department"
		if t.outcome == stallDept {
			return false
		}
		cur = p.deptHours(cur.Add(p.between(time.Hour, 30*time.Hour)))
		p.add(ti, cur, msg(byStaff(p.deptStaff[dept]), "note", "agent", work.answer, ""))
		cur = cur.Add(p.between(2*time.Minute, 15*time.Minute))
		s = p.add(ti, cur, patch(byStaff(p.deptStaff[dept])))
		s.status = "open"
		dept = -1
		return true
	}

	turns := 0
	var lastLine *step
	for i := 1; i < len(sc.Lines); i++ {
		l := sc.Lines[i]
		switch {
		case l.FromCustomer:
			if live {
				cur = cur.Add(p.soon(30*time.Second, 4*time.Minute))
			} else {
				cur = p.customerHours(cur.Add(p.soon(15*time.Minute, 20*time.Hour)))
			}
			lastLine = p.add(ti, cur, msg(customerBy(), "reply", "customer", l.Text, ""))
			if t.outcome == stallOpen && i >= 2 {
				return
			}
		case l.Internal:
			cur = p.agentHours(cur.Add(p.between(time.Minute, 10*time.Minute)))
			p.add(ti, cur, msg(byStaff(assign), "note", "agent", l.Text, ""))
		default:
			turns++
			if turns == 2 && from >= 0 {
				transfer()
			}
			if turns == 2 && dept >= 0 { // the details are in: ask the department
				if assign < 0 {
					ready(false) // the new team's agent takes it first
				}
				if !handOff() {
					return
				}
			}
			ready(turns == 1)
			if turns == 1 && t.mergeFrom >= 0 {
				p.add(ti, cur, &step{op: opMerge, by: byStaff(assign), other: t.mergeFrom, assign: -1, dept: -1})
				p.add(ti, cur.Add(20*time.Second), msg(byStaff(assign), "note", "agent", mergeNote, "")).other = t.mergeFrom
				cur = cur.Add(p.between(time.Minute, 4*time.Minute))
			}
			status := ""
			switch {
			case turns == 1 && t.outcome == stallCustomer:
				status = "pending_customer"
			case turns == 1 && !live && i+1 < len(sc.Lines) && sc.Lines[i+1].FromCustomer && p.chance(50):
				status = "pending_customer"
			case i == len(sc.Lines)-1 && t.outcome == done && !t.split && from < 0:
				status = "resolved"
			}
			lastLine = p.add(ti, cur, msg(byStaff(assign), "reply", "agent", p.inVoice(assign, l.Text), status))
			if turns == 1 && t.linkTo >= 0 {
				cur = cur.Add(p.between(2*time.Minute, 10*time.Minute))
				p.add(ti, cur, &step{op: opLink, by: byStaff(p.manager), other: t.linkTo, assign: -1, dept: -1})
				p.add(ti, cur.Add(30*time.Second), msg(byStaff(p.manager), "note", "agent", linkNote, "")).other = t.linkTo
			}
			if status == "pending_customer" && t.outcome == stallCustomer {
				return
			}
		}
	}
	if t.outcome != done {
		return
	}
	if from >= 0 { // the wrong team answered everything: hand it on before it is resolved
		transfer()
		ready(false)
	}
	if t.split {
		p.splitStory(ti, cur, assign, customerBy())
		return
	}
	if lastLine == nil || lastLine.status != "resolved" {
		cur = p.agentHours(cur.Add(p.soon(2*time.Minute, 90*time.Minute)))
		p.add(ti, cur, patch(byStaff(assign))).status = "resolved"
	}
	resolved := cur
	agentCloses := p.chance(20)
	if t.reopen {
		if agentCloses {
			p.add(ti, p.agentHours(resolved.Add(p.between(2*time.Hour, 20*time.Hour))), patch(byStaff(assign))).status = "closed"
		}
		cur = p.customerHours(resolved.Add(p.between(24*time.Hour, 6*24*time.Hour)))
		text := p.g.Pick(reopenZH[t.typ+"/"+t.sub])
		if t.lang == "en" {
			text = reopenEN[0]
			if t.typ == "order" || t.sub == "refund" || t.sub == "return" || t.sub == "exchange" {
				text = reopenEN[1]
			}
		}
		p.add(ti, cur, msg(customerBy(), "reply", "customer", text, ""))
		reply := p.g.Pick(reopenReplyZH)
		if t.lang == "en" {
			reply = p.g.Pick(reopenReplyEN)
		}
		cur = p.agentHours(cur.Add(p.soon(20*time.Minute, 4*time.Hour)))
		p.add(ti, cur, msg(byStaff(assign), "reply", "agent", reply, "resolved"))
		resolved, agentCloses = cur, false
	}
	if agentCloses {
		p.add(ti, p.agentHours(resolved.Add(p.between(2*time.Hour, 48*time.Hour))), patch(byStaff(assign))).status = "closed"
	} else {
		p.add(ti, resolved.Add(7*24*time.Hour+p.between(0, 6*time.Hour)), patch(bySystem)).status = "closed"
	}
}

var greeting = regexp.MustCompile(`客服小(欧阳|上官|\p{Han})`)

// inVoice makes an agent introduce themselves by their own surname (我是客服小王).
func (p *planner) inVoice(staff int, text string) string {
	name := p.staff[staff].person.Name
	sur := string([]rune(name)[:1])
	for _, two := range []string{"欧阳", "上官"} {
		if strings.HasPrefix(name, two) {
			sur = two
		}
	}
	return greeting.ReplaceAllString(text, "客服小"+sur)
}

// splitStory ends ticket ti with a second question, which the agent splits into a new
// ticket, answers there, and resolves both.
func (p *planner) splitStory(ti int, cur time.Time, assign int, customerBy who) {
	t := p.tickets[ti]
	typ, sub := p.g.TicketType()
	for typ == t.typ || typ == "praise" || typ == "complaint" {
		typ, sub = p.g.TicketType()
	}
	sc := p.g.Script(typ, sub, 2, t.lang)
	intro := p.g.Pick(splitIntroZH)
	if t.lang == "en" {
		intro = p.g.Pick(splitIntroEN)
	}
	cur = p.customerHours(cur.Add(p.soon(10*time.Minute, 3*time.Hour)))
	src := p.add(ti, cur, msg(customerBy, "reply", "customer", intro+sc.Lines[0].Text, ""))
	n := &ticketPlan{cust: t.cust, lang: t.lang, typ: sc.Type, sub: sc.Subtype, priority: t.priority, channel: t.channel,
		subject: sc.Subject, team: -1, assignee: -1, mergeFrom: -1, linkTo: -1, bySplit: true}
	ni := len(p.tickets)
	p.tickets = append(p.tickets, n)
	cur = p.agentHours(cur.Add(p.soon(5*time.Minute, 40*time.Minute)))
	n.created = cur
	late := func(s *step) *step { s.late = true; return s }
	late(p.add(ti, cur, &step{op: opSplit, by: byStaff(assign), src: src, other: ni, subject: sc.Subject, assign: -1, dept: -1}))
	cur = cur.Add(p.between(10*time.Minute, 60*time.Minute))
	late(p.add(ni, cur, msg(byStaff(assign), "reply", "agent", p.inVoice(assign, sc.Lines[1].Text), "resolved")))
	reply := p.g.Pick(splitReplyZH)
	if t.lang == "en" {
		reply = p.g.Pick(splitReplyEN)
	}
	cur = cur.Add(p.between(time.Minute, 5*time.Minute))
	late(p.add(ti, cur, msg(byStaff(assign), "reply", "agent", reply, "resolved"))).other = ni
	closeAt := cur.Add(7*24*time.Hour + p.between(0, 6*time.Hour))
	late(p.add(ni, closeAt, patch(bySystem))).status = "closed"
	late(p.add(ti, closeAt.Add(time.Second), patch(bySystem))).status = "closed"
}
