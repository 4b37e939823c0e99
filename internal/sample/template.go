package sample

import (
	"strconv"
	"strings"
)

// Placeholders usable in phrase templates, written as {name}.
const (
	slotProduct  = iota // product category: 空调 / air conditioner
	slotModel           // model number of that product
	slotFault           // a fault typical for that product
	slotOrder           // 16-digit order number starting with the order date
	slotAmount          // price of the product: ¥2,399
	slotDate            // order date: 6月13日 / June 13
	slotETA             // promised time: 明天上午 / tomorrow morning
	slotCity            // city
	slotStore           // physical store in that city
	slotShop            // sales channel
	slotCourier         // courier company
	slotTracking        // tracking number of that courier
	slotMe              // the replying agent's nickname: 小王 / Lily
	slotAgent           // another agent, e.g. the one being praised
	slotTech            // installer or technician: 王师傅 / Mr. Wang
	slotCompany         // a company name (invoice title, business buyer)
	slotSmall           // small amount: coupon, compensation, price difference
	slotTail            // last four digits of the customer's phone
	numSlots
)

var slotNames = [numSlots]string{
	"product", "model", "fault", "order", "amount", "date", "eta", "city", "store",
	"shop", "courier", "tracking", "me", "agent", "tech", "company", "small", "tail",
}

// seg is a piece of a template: literal text or a placeholder (slot >= 0).
type seg struct {
	lit  string
	slot int8
}

// tmpl is a compiled template.
type tmpl []seg

// pool is a set of interchangeable templates.
type pool []tmpl

// compile parses s into a template. It panics on an unknown placeholder, so
// mistakes in the phrase tables fail at package initialisation (and in tests).
func compile(s string) tmpl {
	var t tmpl
	for len(s) > 0 {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, seg{lit: s, slot: -1})
			break
		}
		if i > 0 {
			t = append(t, seg{lit: s[:i], slot: -1})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			panic("sample: unterminated placeholder in " + strconv.Quote(s))
		}
		name := s[i+1 : i+j]
		k := -1
		for n, sn := range slotNames {
			if sn == name {
				k = n
			}
		}
		if k < 0 {
			panic("sample: unknown placeholder {" + name + "} in " + strconv.Quote(s))
		}
		t = append(t, seg{slot: int8(k)})
		s = s[i+j+1:]
	}
	return t
}

func compileAll(ss ...[]string) pool {
	var p pool
	for _, s := range ss {
		for _, x := range s {
			p = append(p, compile(x))
		}
	}
	return p
}

// ctx holds the concrete details of one script. Values are drawn lazily on
// first use and then stay fixed, so the whole conversation talks about the
// same product, order and courier.
type ctx struct {
	g       *Generator
	en      bool
	need    need // products the scenario may talk about
	set     uint32
	val     [numSlots]string
	prod    *product
	courier int
	month   int
	day     int
	city    int
}

func (c *ctx) get(s int8) string {
	if c.set&(1<<s) == 0 {
		c.val[s] = c.draw(s)
		c.set |= 1 << s
	}
	return c.val[s]
}

func (c *ctx) lang(zh, en string) string {
	if c.en {
		return en
	}
	return zh
}

func (c *ctx) product() *product {
	if c.prod == nil {
		idx := productsFor[c.need]
		c.prod = &products[idx[c.g.r.IntN(len(idx))]]
	}
	return c.prod
}

func (c *ctx) date() {
	if c.month == 0 {
		c.month = 1 + c.g.r.IntN(12)
		c.day = 1 + c.g.r.IntN(28)
	}
}

func (c *ctx) cityIndex() int {
	if c.set&(1<<slotCity) == 0 {
		c.city = c.g.r.IntN(len(cities))
		c.val[slotCity] = c.lang(cities[c.city][0], cities[c.city][1])
		c.set |= 1 << slotCity
	}
	return c.city
}

func (c *ctx) courierIndex() int {
	if c.set&(1<<slotCourier) == 0 {
		c.courier = c.g.r.IntN(len(couriers))
		c.val[slotCourier] = c.lang(couriers[c.courier].zh, couriers[c.courier].en)
		c.set |= 1 << slotCourier
	}
	return c.courier
}

func (c *ctx) draw(s int8) string {
	g := c.g
	switch s {
	case slotProduct:
		p := c.product()
		return c.lang(p.zh, p.en)
	case slotModel:
		p := c.product()
		return p.models[g.r.IntN(len(p.models))]
	case slotFault:
		p := c.product()
		if c.en {
			return p.faultsEN[g.r.IntN(len(p.faultsEN))]
		}
		return p.faultsZH[g.r.IntN(len(p.faultsZH))]
	case slotOrder:
		c.date()
		var b [16]byte
		copy(b[:], "2025")
		b[4], b[5] = byte('0'+c.month/10), byte('0'+c.month%10)
		b[6], b[7] = byte('0'+c.day/10), byte('0'+c.day%10)
		g.fillDigits(b[8:])
		return string(b[:])
	case slotAmount:
		p := c.product()
		steps := (p.maxPrice - p.minPrice) / 100
		return formatYuan(p.minPrice + 100*g.r.IntN(steps+1) - 1)
	case slotDate:
		c.date()
		if c.en {
			return monthsEN[c.month] + " " + strconv.Itoa(c.day)
		}
		return strconv.Itoa(c.month) + "月" + strconv.Itoa(c.day) + "日"
	case slotETA:
		e := etas[g.r.IntN(len(etas))]
		return c.lang(e[0], e[1])
	case slotCity:
		c.cityIndex()
		return c.val[slotCity]
	case slotStore:
		city := cities[c.cityIndex()]
		st := storeSuffixes[g.r.IntN(len(storeSuffixes))]
		if c.en {
			return "our " + city[1] + " " + st[1]
		}
		return city[0] + st[0]
	case slotShop:
		sh := shops[g.r.IntN(len(shops))]
		return c.lang(sh[0], sh[1])
	case slotCourier:
		c.courierIndex()
		return c.val[slotCourier]
	case slotTracking:
		co := couriers[c.courierIndex()]
		var b [20]byte
		n := copy(b[:], co.prefix)
		g.fillDigits(b[n : n+co.digits])
		return string(b[:n+co.digits])
	case slotMe, slotAgent:
		if c.en {
			return agentNicknamesEN[g.r.IntN(len(agentNicknamesEN))]
		}
		return nickZH[g.skewed(len(nickZH))]
	case slotTech:
		i := g.skewed(len(surnames))
		return c.lang(techZH[i], techEN[i])
	case slotCompany:
		if c.en {
			name, _ := g.companyEN()
			return name
		}
		name, _ := g.companyZH()
		return name
	case slotSmall:
		return smallAmounts[g.r.IntN(len(smallAmounts))]
	case slotTail:
		var b [4]byte
		g.fillDigits(b[:])
		return string(b[:])
	}
	return ""
}

// Names derived from the surname table once at initialisation.
var nickZH, techZH, techEN = func() (nick, tech, techEN []string) {
	for _, s := range surnames {
		nick = append(nick, "小"+s.han)
		tech = append(tech, s.han+"师傅")
		techEN = append(techEN, "Mr. "+strings.ToUpper(s.pin[:1])+s.pin[1:])
	}
	return
}()

// formatYuan formats a whole amount of yuan as "¥2,399".
func formatYuan(n int) string {
	var b [24]byte
	i := len(b)
	for d := 0; ; d++ {
		if d > 0 && d%3 == 0 {
			i--
			b[i] = ','
		}
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	i -= len("¥")
	copy(b[i:], "¥")
	return string(b[i:])
}

// text renders the non-nil parts joined by sep into one string with a single
// allocation.
func (c *ctx) text(sep string, parts ...tmpl) string {
	n, k := 0, 0
	for _, t := range parts {
		if t == nil {
			continue
		}
		if k > 0 {
			n += len(sep)
		}
		k++
		for _, s := range t {
			if s.slot < 0 {
				n += len(s.lit)
			} else {
				n += len(c.get(s.slot))
			}
		}
	}
	var b strings.Builder
	b.Grow(n)
	k = 0
	for _, t := range parts {
		if t == nil {
			continue
		}
		if k > 0 {
			b.WriteString(sep)
		}
		k++
		for _, s := range t {
			if s.slot < 0 {
				b.WriteString(s.lit)
			} else {
				b.WriteString(c.val[s.slot])
			}
		}
	}
	return b.String()
}
