package sample

// Line is one message of a conversation.
type Line struct {
	FromCustomer bool   // true: the customer wrote it; false: an agent
	Internal     bool   // an internal note by an agent, never from the customer
	Text         string // the message body, possibly several sentences
}

// Script is a generated ticket: its classification, subject and
// conversation.
type Script struct {
	Type, Subtype string // as accepted by Script, normalised
	Lang          string // "zh-CN" or "en"
	Subject       string // a short ticket title, as a customer would write it
	Lines         []Line // first from the customer, ending with thanks or a closing
}

// internalPercent is the chance that an agent turn after the first reply,
// before the resolution, starts with an internal note; it yields internal
// notes on about 5% of agent lines.
const internalPercent = 10

// subjectRefPercent is the chance that a subject gets an order reference when
// it has none and its scenario allows it.
const subjectRefPercent = 55

// Script returns a conversation of exactly lines lines (at least 1) for the
// ticket type typ and, for "aftersale", the sub-kind subtype. An unknown type
// is treated as "consultation"; aftersale with an unknown or empty sub-kind
// gets a random one. lang is "zh-CN" or "en" (any "en-…" tag counts as
// English, anything else as Chinese); "" picks Chinese 85% and English 15% of
// the time.
//
// The customer opens with the problem; the agent greets, asks for details,
// works on it and resolves it; the customer thanks and the agent closes, as
// far as the number of lines allows. Agents occasionally add internal notes.
// All details (product, model, order number, amount, courier, …) stay
// consistent within one script.
func (g *Generator) Script(typ, subtype string, lines int, lang string) Script {
	k := g.kindOf(typ, subtype)
	lines = max(lines, 1)
	var en bool
	if lang == "" {
		en = g.r.IntN(100) < 15
	} else {
		en = isEnglish(lang)
	}
	b, tag := &books[0], "zh-CN"
	if en {
		b, tag = &books[1], "en"
	}
	kb := &b.kinds[k]
	sc := &kb.scen[g.r.IntN(len(kb.scen))]
	c := ctx{g: g, en: en, need: sc.need}
	sep := b.sep

	s := Script{Type: kindType[k], Subtype: kindSubtype[k], Lang: tag}
	subj := g.r.IntN(len(sc.subject))
	var pre, suf tmpl
	if sc.ref && !sc.subjectRef[subj] && g.r.IntN(100) < subjectRefPercent {
		// Like a ticket created from an order page: the subject names the order.
		i := g.r.IntN(len(b.refPrefix))
		pre, suf = b.refPrefix[i], b.refSuffix[i]
	}
	s.Subject = c.text("", pre, sc.subject[subj], suf)
	out := make([]Line, lines)
	var extra tmpl
	if kb.problem && g.r.IntN(100) < 35 {
		extra = g.tmpl(b.extra)
	}
	open := g.r.IntN(len(sc.open))
	out[0] = Line{FromCustomer: true, Text: c.text(sep, sc.open[open], extra)}

	var (
		customer           bool // whose turn it is
		agentTurns         int
		resolved, detailed bool
		ask                = -1
		lastMid, lastFol   = -1, -1
	)
	for i := 1; i < lines; i++ {
		rem := lines - i // lines left including this one
		if customer {
			var t tmpl
			switch {
			case rem == 1 || resolved:
				t = g.tmpl(kb.thanks)
			case !detailed:
				detailed = true
				if sc.paired && ask >= 0 {
					t = sc.detail[ask]
				} else {
					t = g.tmpl(sc.detail)
				}
			default:
				t, lastFol = g.tmplNot(sc.follow, lastFol)
			}
			out[i] = Line{FromCustomer: true, Text: c.text(sep, t)}
			customer = false
			continue
		}
		if agentTurns > 0 && !resolved && rem >= 2 && g.r.IntN(100) < internalPercent {
			out[i] = Line{Internal: true, Text: c.text(sep, g.tmpl(sc.internal))}
			continue // the agent also replies publicly
		}
		var t0, t1, t2, t3 tmpl
		switch {
		case agentTurns == 0:
			t0 = g.tmpl(b.greet)
			if kb.empathy && rem > 2 && g.r.IntN(100) < 70 {
				// Not before an immediate resolution: those often apologise.
				t1 = g.tmpl(b.empathy)
			}
			if rem <= 2 {
				t2 = g.tmpl(sc.resolve)
				resolved = true
				if rem == 1 {
					t3 = g.tmpl(b.closeTail)
				}
			} else {
				// Do not ask for the order number the customer already gave.
				if sc.openOrder[open] && len(sc.askNoOrder) > 0 {
					ask = sc.askNoOrder[g.r.IntN(len(sc.askNoOrder))]
				} else {
					ask = g.r.IntN(len(sc.ask))
				}
				t2 = sc.ask[ask]
			}
		case resolved:
			t0 = g.tmpl(kb.close)
		case rem == 1:
			t0, t1 = g.tmpl(sc.resolve), g.tmpl(b.closeTail)
			resolved = true
		case rem <= 3:
			t0 = g.tmpl(sc.resolve)
			resolved = true
		default:
			t0, lastMid = g.tmplNot(sc.middle, lastMid)
		}
		out[i] = Line{Text: c.text(sep, t0, t1, t2, t3)}
		agentTurns++
		customer = true
	}
	s.Lines = out
	return s
}

// tmpl picks a template from p.
func (g *Generator) tmpl(p pool) tmpl {
	return p[g.r.IntN(len(p))]
}

// tmplNot picks a template from p, avoiding index last when p has a choice,
// and returns it with its index.
func (g *Generator) tmplNot(p pool, last int) (tmpl, int) {
	i := g.r.IntN(len(p))
	if i == last && len(p) > 1 {
		i = (i + 1 + g.r.IntN(len(p)-1)) % len(p)
	}
	return p[i], i
}

// isEnglish reports whether the language tag is English ("en", "en-US", …).
func isEnglish(lang string) bool {
	return len(lang) >= 2 && lang[0]|0x20 == 'e' && lang[1]|0x20 == 'n' &&
		(len(lang) == 2 || lang[2] == '-' || lang[2] == '_')
}
