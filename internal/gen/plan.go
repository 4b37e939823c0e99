package gen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/search"
)

// chunk is how many customers or tickets one generated batch holds. It is part of the
// content: every chunk has its own seeds, so it must not change with the writer's batching.
const chunk = 1000

// ids are the next free ids of the tables the load writes.
type ids struct {
	customer, identity, ticket, message, event int64
}

// plan is one run's shape: what to generate, from which ids and numbers, at which times.
type plan struct {
	seed        uint64
	n, m, c     int   // tickets, average messages per ticket, customers
	c0, cw      int   // customers created before the window, and those whose first ticket creates them
	now         int64 // ms
	curve       *curve
	firstNumber int64
	start       ids // first ids of this run
	org         *org
	named       bool // rows for SQLite (driver.NamedValue) rather than PostgreSQL
	search      bool // fill the search indexes

	custEN []bool // per customer of this run: writes in English
}

func newPlan(opt Options, now int64, firstNumber int64, start ids, o *org, named bool) *plan {
	p := &plan{
		seed: opt.Seed, n: opt.Tickets, m: opt.MessagesPerTicket, c: opt.Customers,
		now: now, curve: newCurve(now), firstNumber: firstNumber, start: start, org: o, named: named,
	}
	// Four in ten customers were already customers when the year began; the others arrive
	// during it, each with their first ticket.
	p.cw = min(p.c-p.c*4/10, p.n)
	p.c0 = p.c - p.cw
	if p.c0 == 0 && p.c > 0 {
		p.c0, p.cw = 1, p.c-1
	}
	p.custEN = make([]bool, p.c)
	return p
}

// mix derives independent seeds for the parts of the run (splitmix64).
func mix(seed uint64, salt ...uint64) uint64 {
	z := seed
	for _, s := range salt {
		z += 0x9e3779b97f4a7c15 + s*0xbf58476d1ce4e5b9
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

func (p *plan) rngs(kind uint64, chunkIndex int) (*sample.Generator, *rand.Rand) {
	s := mix(p.seed, kind, uint64(chunkIndex))
	return sample.New(s), rand.New(rand.NewPCG(s, mix(s, 7)))
}

// firstContact is the index of the ticket with which in-window customer j arrives.
func (p *plan) firstContact(j int) int {
	return int((int64(2*j+1) * int64(p.n)) / int64(2*p.cw))
}

// customerBatch generates customers [from, to) of this run: the person, a tier, a stage,
// an email address and a phone number (unique by construction: they carry the customer's id),
// tags for VIPs and companies, and the created event.
func (p *plan) customerBatch(k int, ev *int64, idn *int64) *batch {
	from, to := k*chunk, min((k+1)*chunk, p.c)
	g, r := p.rngs(1, k)
	b := newBatch(p.named, 0, 0, to-from)
	cust, idents, ctags, events := b.rows(tCustomers), b.rows(tIdentities), b.rows(tCustomerTags), b.rows(tEvents)
	vip, company := p.org.tags["VIP"], p.org.tags["企业客户"]
	for j := from; j < to; j++ {
		id := p.start.customer + int64(j)
		person := g.Person()
		p.custEN[j] = person.Lang == "en"
		var created int64
		if j < p.c0 {
			// Spread over the two years before the window.
			span := 2 * windowDays * dayMS
			created = p.curve.start - span + int64(float64(span)*(float64(j)+r.Float64())/float64(p.c0))
		} else {
			created = p.curve.ticketTime(p.firstContact(j-p.c0), p.n)
		}
		tier := customerTier(j, r)
		stage := "current"
		switch x := r.IntN(100); {
		case x < 3:
			stage = "potential"
		case x < 4:
			stage = "target"
		case x < 8:
			stage = "lost"
		}
		cust.add(id, person.Name, person.Organization, tier, stage, created, created)
		hasEmail, hasPhone := true, true
		switch x := r.IntN(100); {
		case x < 8:
			hasPhone = false
		case x < 14:
			hasEmail = false
		}
		// Indexed as the customer package indexes a customer: name, organization, then each
		// identity in order, phone numbers as their endings.
		text := person.Name + "\n" + person.Organization + "\n"
		if hasEmail {
			email := uniqueEmail(person.Email, id)
			idents.add(*idn, id, "email", email, created)
			*idn++
			text += email + "\n"
		}
		if hasPhone {
			phone := uniquePhone(person.Phone, id)
			idents.add(*idn, id, "phone", phone, created)
			*idn++
			if p.search {
				text += strings.Join(search.PhoneEndings(phone), " ") + "\n"
			}
		}
		if p.search {
			b.customerDocs = append(b.customerDocs, doc{id: id, text: text})
		}
		if tier == "vip" && vip != 0 {
			ctags.add(id, vip)
		}
		if person.Organization != "" && company != 0 {
			ctags.add(id, company)
		}
		events.add(*ev, "customer", id, "created", "name", person.Name, "{}", "system", created)
		*ev++
	}
	b.customers = to - from
	b.events = to - from
	return b
}

// customerTier: one customer in 50 is a VIP and four in 50 are key accounts (by position, so
// tickets can pick them out); the rest are ordinary (2/3) or small (1/3).
func customerTier(j int, r *rand.Rand) string {
	switch j % 50 {
	case 0:
		return "vip"
	case 1, 2, 3, 4:
		return "key"
	}
	if r.IntN(3) == 0 {
		return "small"
	}
	return "ordinary"
}

// uniqueEmail makes a generated address unique by ending its local part with the customer's
// id in place of whatever digits it had: zhangwei1988@163.com → zhangwei18734@163.com. QQ
// mailboxes (all digits) get a QQ-like number derived from the id.
func uniqueEmail(email string, id int64) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		at = len(email)
		email += "@example.com"
	}
	local, domain := email[:at], email[at:]
	j := len(local)
	for j > 0 && local[j-1] >= '0' && local[j-1] <= '9' {
		j--
	}
	b := make([]byte, 0, len(email)+12)
	if j == 0 {
		// A bijection of [0, 1e9): distinct ids give distinct numbers.
		b = strconv.AppendInt(b, 100000+(id*2654435761)%1_000_000_000, 10)
	} else {
		b = append(b, local[:j]...)
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, domain...))
}

// uniquePhone makes a generated number unique by replacing its last eight digits with a
// scrambled form of the customer's id (a bijection of [0, 1e8)): the prefix (+86 138, +1 212,
// +44 7700) stays real.
func uniquePhone(phone string, id int64) string {
	if len(phone) < 10 {
		phone = "+861380000" + phone
	}
	x := (id*2654435761 + 12345678) % 100_000_000
	b := []byte(phone)
	for i := len(b) - 1; i >= len(b)-8; i-- {
		b[i] = byte('0' + x%10)
		x /= 10
	}
	return string(b)
}

// channels and their shares in percent.
var channels = []struct {
	name  string
	share int
}{{"email", 40}, {"chat", 25}, {"portal", 15}, {"phone", 15}, {"api", 5}}

func pickChannel(r *rand.Rand) string {
	x := r.IntN(100)
	for _, c := range channels {
		if x < c.share {
			return c.name
		}
		x -= c.share
	}
	return "email"
}

func pickPriority(r *rand.Rand, typ string) int64 {
	x := r.IntN(100)
	if typ == "complaint" {
		x -= 15 // complaints run hotter
	}
	switch {
	case x < 3:
		return 4 // urgent
	case x < 18:
		return 3 // high
	case x < 90:
		return 2 // normal
	}
	return 1 // low
}

// Team and department indexes into sample.Teams() and sample.Departments().
const (
	teamPresale = iota
	teamAftersale1
	teamAftersale2
	teamComplaints
	teamChat
	teamVIP
)

const (
	depTechnical = iota
	depLogistics
	depFinance
	depQuality
	depStores
)

func teamFor(r *rand.Rand, typ, channel string, vipCustomer bool) int {
	switch {
	case vipCustomer:
		return teamVIP
	case typ == "complaint":
		return teamComplaints
	case typ == "aftersale":
		return teamAftersale1 + r.IntN(2)
	case typ == "presale":
		return teamPresale
	case channel == "chat" || typ == "order" || typ == "suggestion" || typ == "praise":
		return teamChat
	}
	return teamPresale
}

func departmentFor(r *rand.Rand, typ, subtype string) int {
	switch subtype {
	case "repair", "warranty":
		return depTechnical
	case "return", "exchange":
		return []int{depLogistics, depQuality}[r.IntN(2)]
	case "refund":
		return depFinance
	}
	switch typ {
	case "order":
		return depLogistics
	case "complaint":
		return []int{depStores, depQuality}[r.IntN(2)]
	}
	return depTechnical
}

// tagsByType are the tags agents put on tickets of a type (or after-sale sub-kind).
var tagsByType = map[string][]string{
	"consultation": {"安装", "发票", "价保", "配件", "延保"},
	"presale":      {"以旧换新", "价保", "缺货", "安装收费", "企业客户"},
	"order":        {"物流", "催单", "发票", "错发漏发", "加急"},
	"complaint":    {"差评风险", "重复来电", "加急", "已回访"},
	"suggestion":   {"已回访"},
	"praise":       {"已回访"},
	"repair":       {"维修", "上门取件", "配件", "延保"},
	"return":       {"上门取件", "退款", "物流"},
	"exchange":     {"上门取件", "错发漏发", "物流"},
	"refund":       {"退款", "价保", "发票"},
	"warranty":     {"延保", "维修", "发票"},
}

// logUniform draws a duration (ms) between lo and hi, evenly on a log scale: most waits are
// short, some are long.
func logUniform(r *rand.Rand, lo, hi int64) int64 {
	a, b := math.Log(float64(lo)), math.Log(float64(hi))
	return int64(math.Exp(a + r.Float64()*(b-a)))
}

const (
	secMS = int64(1000)
	minMS = 60 * secMS
)

// agentWait is how long an agent takes to answer the customer's message.
func agentWait(r *rand.Rand, channel string, first bool, priority int64) int64 {
	var d int64
	switch channel {
	case "chat":
		d = logUniform(r, 10*secMS, 4*minMS)
	case "phone":
		d = logUniform(r, 30*secMS, 10*minMS)
	default:
		if first {
			d = logUniform(r, 4*minMS, 8*hourMS)
		} else {
			d = logUniform(r, 10*minMS, 5*hourMS)
		}
	}
	if priority >= 3 {
		d /= 2
	}
	return d
}

// customerWait is how long the customer takes to write back.
func customerWait(r *rand.Rand, channel string) int64 {
	switch channel {
	case "chat":
		return logUniform(r, 15*secMS, 5*minMS)
	case "phone":
		return logUniform(r, 30*minMS, 26*hourMS)
	}
	return logUniform(r, 15*minMS, 40*hourMS)
}

// msg is one generated message before it becomes a row.
type msg struct {
	line   sample.Line
	at     int64
	author int64 // user id for agent lines
}

// ticketState carries the running ids and the next arriving customer across a batch.
type ticketState struct {
	msgs    []msg
	nextNew int // next in-window customer (0-based among them) not yet arrived
}

// ticketBatch generates tickets [k*chunk, …) of this run with their messages, tags and
// created events.
func (p *plan) ticketBatch(k int, st *ticketState, ev, msgID *int64) *batch {
	from, to := k*chunk, min((k+1)*chunk, p.n)
	g, r := p.rngs(2, k)
	b := newBatch(p.named, to-from, (to-from)*p.m, 0)
	tk, tt, ms, events := b.rows(tTickets), b.rows(tTicketTags), b.rows(tMessages), b.rows(tEvents)
	var detail []byte
	for i := from; i < to; i++ {
		id := p.start.ticket + int64(i)
		number := p.firstNumber + int64(i)
		created := p.curve.ticketTime(i, p.n)

		// The customer: one arriving now, or someone known by then (VIPs and key accounts
		// come back more often).
		var cj int
		if st.nextNew < p.cw && p.firstContact(st.nextNew) == i {
			cj = p.c0 + st.nextNew
			st.nextNew++
		} else {
			cj = p.pickCustomer(r, p.c0+st.nextNew)
		}
		customerID := p.start.customer + int64(cj)
		lang := "zh-CN"
		if p.custEN[cj] {
			lang = "en"
		}
		vipCustomer := cj%50 == 0

		typ, subtype := g.TicketType()
		channel := pickChannel(r)
		priority := pickPriority(r, typ)
		team := teamFor(r, typ, channel, vipCustomer)
		agents := p.org.teamAgents[team%len(p.org.teamAgents)]
		teamID := p.org.teams[team%len(p.org.teams)]
		var deptID int64
		handed := r.IntN(100) < 3
		if handed {
			deptID = p.org.departments[departmentFor(r, typ, subtype)%len(p.org.departments)]
		}

		lines := 1
		if p.m > 1 {
			lines = 1 + r.IntN(p.m) + r.IntN(p.m) // 1 … 2m-1, m on average
		}
		sc := g.Script(typ, subtype, lines, lang)

		// Who answers: the ticket's agent; sometimes a colleague takes over halfway.
		agent := agents[r.IntN(len(agents))]
		second, handoverAt := agent, len(sc.Lines)
		if len(agents) > 1 && r.IntN(100) < 10 {
			second = agents[r.IntN(len(agents))]
			handoverAt = 1 + r.IntN(len(sc.Lines))
		}

		// When each message is written.
		msgs := st.msgs[:0]
		at := created
		agentReplied := false
		for li, l := range sc.Lines {
			if li > 0 {
				prev := sc.Lines[li-1]
				var d int64
				switch {
				case l.FromCustomer:
					d = customerWait(r, channel)
				case prev.Internal:
					d = logUniform(r, minMS, 20*minMS)
				case l.Internal:
					d = logUniform(r, minMS, 40*minMS)
				default:
					d = agentWait(r, channel, !agentReplied, priority)
					if handed && li >= len(sc.Lines)/2 && !prev.FromCustomer {
						d += logUniform(r, 2*hourMS, 72*hourMS) // the department's turn
					}
				}
				at += max(d, secMS)
			}
			var author int64
			if !l.FromCustomer {
				author = agent
				if li >= handoverAt {
					author = second
				}
				if !l.Internal {
					agentReplied = true
				}
			}
			msgs = append(msgs, msg{line: l, at: at, author: author})
		}
		st.msgs = msgs

		// Where the ticket stands now: finished conversations are resolved, and closed a few
		// days later; conversations still going on stop at now. One in 200 is forgotten
		// half-way, whatever its age.
		var status string
		var resolvedAt, closedAt int64
		last := msgs[len(msgs)-1]
		resolveAt := last.at
		if last.line.FromCustomer {
			resolveAt += logUniform(r, 2*minMS, 90*minMS)
		}
		stale := r.IntN(1000) < 5
		if !stale && resolveAt <= p.now {
			status, resolvedAt = "resolved", resolveAt
			if r.IntN(100) < 88 {
				c := resolveAt + 3*dayMS + logUniform(r, minMS, 12*hourMS)
				if c <= p.now {
					status, closedAt = "closed", c
				}
			}
		} else {
			keep := len(msgs)
			if stale {
				keep = 1 + r.IntN(len(msgs))
			}
			for keep > 1 && msgs[keep-1].at > p.now {
				keep--
			}
			msgs = msgs[:keep]
			lastPublic := msgs[0]
			for _, m := range msgs {
				if !m.line.Internal {
					lastPublic = m
				}
			}
			switch {
			case handed:
				status = "pending_department"
			case lastPublic.line.FromCustomer && !anyAgentReply(msgs):
				status = "new"
			case !lastPublic.line.FromCustomer && r.IntN(100) < 75:
				status = "pending_customer"
			default:
				status = "open"
			}
		}

		// The ticket's denormalised fields, as the app keeps them.
		var owner, assignee, firstResponse, lastCustomer, lastAgent int64
		var preview string
		for mi, m := range msgs {
			if !m.line.FromCustomer && owner == 0 {
				owner = m.author
			}
			if m.line.Internal {
				continue
			}
			preview = m.line.Text
			if m.line.FromCustomer {
				lastCustomer = m.at
			} else {
				lastAgent = m.at
				assignee = m.author
				if firstResponse == 0 && mi > 0 {
					firstResponse = m.at
				}
			}
		}
		if channel == "phone" && owner == 0 {
			owner = agent // the agent who took the call
		}
		if assignee == 0 && (owner != 0 || r.IntN(100) < 30) {
			assignee = agent
		}
		if (status == "open" || status == "new") && r.IntN(100) < 5 {
			assignee = 0 // back in the team's queue
		}
		updated := max(msgs[len(msgs)-1].at, resolvedAt, closedAt)
		version := int64(1 + len(msgs))
		if resolvedAt != 0 {
			version++
		}
		if closedAt != 0 {
			version++
		}
		if handed {
			version++
		}
		clk := slaClock(created, status, firstResponse, lastAgent, resolvedAt, closedAt, p.now)
		tk.add(id, number, sc.Subject, sc.Type, sc.Subtype, status, priority, channel,
			customerID, teamID, nullable(deptID), nullable(assignee), nullable(owner), previewOf(preview), int64(len(msgs)),
			version, created, updated, nullable(firstResponse), nullable(lastCustomer),
			nullable(lastAgent), nullable(resolvedAt), nullable(closedAt), nullable(clk.ticketDue), nullable(clk.ticketWarn))
		b.rows(tTicketSLA).add(id, p.org.slaPolicy, clk.consumed, nullable(clk.runningSince), clk.pausedReason,
			nullable(clk.frDue), nullable(clk.frWarn), clk.frState, nullable(clk.resDue), nullable(clk.resWarn), clk.resState,
			nullable(clk.next), updated)

		for mi, m := range msgs {
			kind, authorKind := "reply", "customer"
			var userID, custID any
			switch {
			case m.line.FromCustomer:
				custID = customerID
			case m.line.Internal:
				kind, authorKind, userID = "note", "agent", m.author
			default:
				authorKind, userID = "agent", m.author
			}
			ms.add(*msgID, id, kind, authorKind, userID, custID, channel, m.line.Text, m.at)
			if p.search {
				text := m.line.Text
				if mi == 0 {
					text = sc.Subject + "\n" + text // the first message carries the subject, as in the app
				}
				b.messageDocs = append(b.messageDocs, doc{*msgID, id, text})
			}
			*msgID++
		}
		b.messages += len(msgs)

		// Tags on three tickets in ten.
		if r.IntN(100) < 30 {
			pool := tagsByType[typ]
			if subtype != "" {
				pool = tagsByType[subtype]
			}
			var names [4]string
			n := 0
			if len(pool) > 0 {
				names[n] = pool[r.IntN(len(pool))]
				n++
				if r.IntN(3) == 0 {
					if s := pool[r.IntN(len(pool))]; s != names[0] {
						names[n] = s
						n++
					}
				}
			}
			if vipCustomer {
				names[n] = "VIP"
				n++
			}
			if lang == "en" {
				names[n] = "English"
				n++
			}
			for _, name := range names[:n] {
				if tag := p.org.tags[name]; tag != 0 {
					tt.add(id, tag, teamID, updated) // the copies the list indexes need (migration 0003)
				}
			}
		}

		detail = append(detail[:0], `{"channel":"`...)
		detail = append(detail, channel...)
		detail = append(detail, `","number":`...)
		detail = strconv.AppendInt(detail, number, 10)
		detail = append(detail, '}')
		events.add(*ev, "ticket", id, "created", "status", "new", string(detail), "system", created)
		*ev++
	}
	b.tickets = to - from
	b.events = to - from
	return b
}

func anyAgentReply(msgs []msg) bool {
	for _, m := range msgs {
		if !m.line.FromCustomer && !m.line.Internal {
			return true
		}
	}
	return false
}

// pickCustomer picks one of the first e customers of this run: 15% of tickets come from
// VIPs (2% of customers), 15% from key accounts (8%), the rest from anyone.
func (p *plan) pickCustomer(r *rand.Rand, e int) int {
	x := r.IntN(100)
	switch {
	case x < 15 && e > 0:
		return 50 * r.IntN((e+49)/50)
	case x < 30 && e >= 50:
		return 50*r.IntN(e/50) + 1 + r.IntN(4)
	}
	return r.IntN(max(e, 1))
}

// previewOf is the ticket list's preview of a message, as the ticket package makes it: the
// text with its white space collapsed, cut at 140 characters.
func previewOf(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 140 {
		return text
	}
	r := []rune(text)
	return string(r[:140]) + "…"
}
