package mail

import (
	"testing"

	"github.com/kefuhq/kefu/internal/mail/parse"
)

func TestSplitLanesKeepsRelatedMailsTogether(t *testing.T) {
	mk := func(id int64, msgID, from string, refs ...string) prepared {
		return prepared{storedMail: storedMail{id: id}, msg: &parse.Message{MessageID: msgID, From: parse.Address{Email: from}, References: refs}}
	}
	ps := []prepared{
		mk(1, "a@x", "zhang@example.cn"),
		mk(2, "b@x", "li@example.cn"),
		mk(3, "c@x", "wang@example.cn", "a@x"),         // answers 1 (another sender)
		mk(4, "d@x", "zhao@example.cn", "c@x"),         // answers 3: the chain of 1
		mk(5, "e@x", "li@example.cn"),                  // the sender of 2
		mk(6, "a@x", "zhang@example.cn"),               // a copy of 1
		mk(7, "f@x", "sun@example.cn"),                 // alone
		mk(8, "g@x", "qian@example.cn"),                // alone
		{storedMail: storedMail{id: 9}, parseErr: "x"}, // unparseable: anywhere
	}
	ps = append(ps, prepared{storedMail: storedMail{id: 10}, msg: &parse.Message{MessageID: "h@x", From: parse.Address{Email: "zhou@example.cn"}, Subject: "Re: 发票 [#10001]"}})
	lanes, after := splitLanes(ps, 4)
	laneOf := map[int64]int{}
	for l, lane := range lanes {
		last := int64(0)
		for _, p := range lane {
			if p.id <= last {
				t.Errorf("lane %d out of order: %d after %d", l, p.id, last)
			}
			last = p.id
			laneOf[p.id] = l
		}
	}
	for _, group := range [][]int64{{1, 3, 4, 6}, {2, 5}} {
		for _, id := range group[1:] {
			if laneOf[id] != laneOf[group[0]] {
				t.Errorf("mail %d in lane %d, mail %d in lane %d; want one lane", id, laneOf[id], group[0], laneOf[group[0]])
			}
		}
	}
	if len(after) != 1 || after[0].id != 10 {
		t.Errorf("after = %v; want the mail with a ticket token only", after)
	}
	if _, ok := laneOf[10]; ok {
		t.Error("the mail with a ticket token is also in a lane")
	}
	if len(lanes) < 3 {
		t.Errorf("%d lanes for 4 unrelated groups; want them spread", len(lanes))
	}
	total := len(after)
	for _, l := range lanes {
		total += len(l)
	}
	if total != len(ps) {
		t.Errorf("%d mails in lanes and after; want %d", total, len(ps))
	}
}
