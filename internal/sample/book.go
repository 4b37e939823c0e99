package sample

import "strings"

// bookSrc is the phrase book of one language as written in phrases_*.go.
// Generic pools (detail, middle, follow, internal) are merged into the kinds
// marked problem; closeThanks into every kind and thanks into the problem
// kinds and those without thanks of their own.
type bookSrc struct {
	sep                              string   // between sentences joined into one line
	refPrefix, refSuffix             []string // order references added to subjects
	greet, empathy, extra            []string
	detail, middle, follow, internal []string
	thanks, closeThanks, closeTail   []string
	kinds                            [numKinds]kindSrc
}

// kindSrc holds the phrases of one ticket kind. Its pools are shared by all
// scenarios of the kind, so they must fit each of them.
type kindSrc struct {
	empathy bool // the first agent reply may apologise
	problem bool // the customer has a problem (merges the generic pools)
	// ask and detail are the agent's question and the customer's answer; when
	// both have the same length they are used as pairs.
	ask, detail                               []string
	middle, follow, internal, resolve, thanks []string
	close                                     []string
	scen                                      []scenSrc
}

// scenSrc is one storyline of a kind: its subjects, openings and resolutions
// belong together. A non-empty ask or detail replaces the kind's; the other
// pools are added to the kind's.
type scenSrc struct {
	need                                                          need // products it fits; 0: any
	subject, open, ask, detail, middle, follow, resolve, internal []string
}

// book is a compiled bookSrc.
type book struct {
	sep                              string
	refPrefix, refSuffix             pool // refPrefix[i] goes with refSuffix[i]
	greet, empathy, extra, closeTail pool
	kinds                            [numKinds]kindBook
}

type kindBook struct {
	empathy, problem bool
	thanks, close    pool
	scen             []scenBook
}

type scenBook struct {
	need                                                          need
	subjectRef                                                    []bool // subject[i] names an order or parcel
	ref                                                           bool   // subjects may get an order reference
	subject, open, ask, detail, middle, follow, resolve, internal pool
	paired                                                        bool // ask[i] is answered by detail[i]
	// openOrder[i] reports whether open[i] already gives the order number;
	// askNoOrder lists the asks that do not request it.
	openOrder  []bool
	askNoOrder []int
}

func hasSlot(t tmpl, slot int) bool {
	for _, s := range t {
		if int(s.slot) == slot {
			return true
		}
	}
	return false
}

// books holds the compiled phrase books: index 0 Chinese, 1 English.
var books = [2]book{compileBook("zh", &zhBook), compileBook("en", &enBook)}

func compileBook(name string, src *bookSrc) book {
	b := book{
		sep:       src.sep,
		greet:     compileAll(src.greet),
		empathy:   compileAll(src.empathy),
		extra:     compileAll(src.extra),
		closeTail: compileAll(src.closeTail),
		refPrefix: compileAll(src.refPrefix),
		refSuffix: compileAll(src.refSuffix),
	}
	if len(b.refPrefix) != len(b.refSuffix) || len(b.refPrefix) == 0 {
		panic("sample: refPrefix and refSuffix of the " + name + " book must pair up")
	}
	for k := range src.kinds {
		ks := &src.kinds[k]
		kb := &b.kinds[k]
		kb.empathy, kb.problem = ks.empathy, ks.problem
		if ks.problem || len(ks.thanks) == 0 {
			kb.thanks = compileAll(ks.thanks, src.thanks)
		} else {
			kb.thanks = compileAll(ks.thanks) // praise and suggestions end in their own way
		}
		kb.close = compileAll(ks.close, src.closeThanks)
		var gDetail, gMiddle, gFollow, gInternal []string
		if ks.problem {
			gDetail, gMiddle, gFollow, gInternal = src.detail, src.middle, src.follow, src.internal
		}
		for i := range ks.scen {
			ss := &ks.scen[i]
			sb := scenBook{
				need:     ss.need,
				subject:  compileAll(ss.subject),
				open:     compileAll(ss.open),
				middle:   compileAll(ss.middle, ks.middle, gMiddle),
				follow:   compileAll(ss.follow, ks.follow, gFollow),
				resolve:  compileAll(ss.resolve, ks.resolve),
				internal: compileAll(ss.internal, ks.internal, gInternal),
			}
			ask, detail := ks.ask, ks.detail
			if len(ss.ask) > 0 {
				ask = ss.ask
			}
			if len(ss.detail) > 0 {
				detail = ss.detail
			}
			sb.paired = len(ask) == len(detail)
			sb.ask = compileAll(ask)
			for _, t := range sb.subject {
				sb.subjectRef = append(sb.subjectRef, hasSlot(t, slotOrder) || hasSlot(t, slotTracking))
			}
			sb.ref = ks.problem
			for _, t := range sb.open {
				sb.openOrder = append(sb.openOrder, hasSlot(t, slotOrder))
				sb.ref = sb.ref || hasSlot(t, slotOrder)
			}
			for i, a := range ask {
				if !strings.Contains(a, "订单号") && !strings.Contains(a, "order number") {
					sb.askNoOrder = append(sb.askNoOrder, i)
				}
			}
			if sb.paired {
				sb.detail = compileAll(detail)
			} else {
				sb.detail = compileAll(detail, gDetail)
			}
			if len(sb.subject) == 0 || len(sb.open) == 0 || len(sb.ask) == 0 ||
				len(sb.detail) == 0 || len(sb.middle) == 0 || len(sb.follow) == 0 ||
				len(sb.resolve) == 0 || len(sb.internal) == 0 {
				panic("sample: incomplete scenario in " + name + " book, kind " + kindType[k] + "/" + kindSubtype[k])
			}
			kb.scen = append(kb.scen, sb)
		}
		if len(kb.scen) == 0 {
			panic("sample: no scenario in " + name + " book for " + kindType[k] + "/" + kindSubtype[k])
		}
	}
	if len(b.greet) == 0 || len(b.empathy) == 0 || len(b.extra) == 0 || len(b.closeTail) == 0 {
		panic("sample: incomplete " + name + " book")
	}
	return b
}
