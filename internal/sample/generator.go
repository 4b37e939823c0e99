// Package sample generates realistic, deterministic help-desk data: people,
// agents, ticket types and whole conversations for the fictional appliance
// retailer CompanyName.
//
// It serves two users: "kefu demo", which fills a believable demo help desk
// (mostly Simplified Chinese, some English), and "kefu gen", which produces
// millions of tickets for benchmarks. All phrase tables are compiled once at
// package initialisation; generating text only picks and concatenates, so a
// five-line script costs a few microseconds.
//
// A Generator is deterministic: the same seed yields the same sequence of
// results. It is not safe for concurrent use; give each goroutine its own.
package sample

import "math/rand/v2"

// Generator draws sample data from a seeded pseudo-random source.
type Generator struct {
	r      *rand.Rand
	agents map[string]int // agent mail names handed out, for uniqueness
}

// New returns a Generator seeded with seed.
func New(seed uint64) *Generator {
	return &Generator{
		r:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		agents: make(map[string]int),
	}
}

// Intn returns a pseudo-random number in [0,n), or 0 if n <= 0.
func (g *Generator) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	return g.r.IntN(n)
}

// Pick returns a pseudo-randomly chosen element of items, or "" if it is
// empty.
func (g *Generator) Pick(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return items[g.r.IntN(len(items))]
}

// kind is a ticket type, with aftersale split into its sub-kinds.
type kind uint8

const (
	kConsultation kind = iota
	kPresale
	kOrder
	kComplaint
	kSuggestion
	kPraise
	kRepair
	kReturn
	kExchange
	kRefund
	kWarranty
	numKinds
)

var kindType = [numKinds]string{
	"consultation", "presale", "order", "complaint", "suggestion", "praise",
	"aftersale", "aftersale", "aftersale", "aftersale", "aftersale",
}

var kindSubtype = [numKinds]string{
	"", "", "", "", "", "", "repair", "return", "exchange", "refund", "warranty",
}

// kindWeight is the share of each kind in percent. Aftersale (30%) is split
// over its sub-kinds with refund and repair most common.
var kindWeight = [numKinds]int{
	kConsultation: 25, kPresale: 12, kOrder: 15, kComplaint: 10, kSuggestion: 5, kPraise: 3,
	kRepair: 9, kReturn: 5, kExchange: 4, kRefund: 9, kWarranty: 3,
}

// TicketType returns a ticket type and, for "aftersale", a sub-kind, drawn
// with the weights consultation 25%, presale 12%, order 15%, aftersale 30%
// (refund 9, repair 9, return 5, exchange 4, warranty 3), complaint 10%,
// suggestion 5% and praise 3%. The sub-kind is "" for other types.
func (g *Generator) TicketType() (typ, subtype string) {
	k := g.kind(0)
	return kindType[k], kindSubtype[k]
}

// kind draws a weighted kind from kinds >= from (from is kConsultation for
// all kinds or kRepair for the aftersale sub-kinds).
func (g *Generator) kind(from kind) kind {
	total := 0
	for k := from; k < numKinds; k++ {
		total += kindWeight[k]
	}
	x := g.r.IntN(total)
	for k := from; k < numKinds; k++ {
		if x < kindWeight[k] {
			return k
		}
		x -= kindWeight[k]
	}
	return numKinds - 1
}

// kindOf maps a type and sub-kind to a kind. An unknown type counts as
// consultation; aftersale with a missing or unknown sub-kind gets a weighted
// random sub-kind.
func (g *Generator) kindOf(typ, subtype string) kind {
	if typ == "aftersale" {
		for k := kRepair; k < numKinds; k++ {
			if kindSubtype[k] == subtype {
				return k
			}
		}
		return g.kind(kRepair)
	}
	for k := kConsultation; k < kRepair; k++ {
		if kindType[k] == typ {
			return k
		}
	}
	return kConsultation
}
