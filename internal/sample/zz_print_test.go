package sample

import (
	"fmt"
	"testing"
)

func TestMeasureZZ(t *testing.T) {
	g := New(1)
	subj := map[string]int{}
	kindOfSubj := map[string]string{}
	for i := 0; i < 2000; i++ {
		typ, sub := g.TicketType()
		s := g.Script(typ, sub, 2+g.Intn(9), "")
		subj[s.Subject]++
		kindOfSubj[s.Subject] = s.Type + "/" + s.Subtype
	}
	dup := map[string]int{}
	for k, v := range subj {
		dup[kindOfSubj[k]] += v - 1
	}
	fmt.Println(len(subj), dup)
}
