package sample

import "strconv"

// Person is a generated customer or agent.
type Person struct {
	Name         string // 张伟 / Emily Carter
	Email        string // lowercase, e.g. zhangwei1988@163.com, wei.zhang@yunfan-tech.com
	Phone        string // E.164-like, e.g. +8613812345678, +12025550123, +447700900123
	Organization string // "" for consumers; the company name for business customers
	Lang         string // "zh-CN" or "en"
}

// Person returns a customer: about 85% Chinese-speaking ("zh-CN") and 15%
// English-speaking ("en"); about 15% of each work for a company and write from
// a company address. Pass the returned Lang to Script so that the customer's
// tickets are written in their language.
func (g *Generator) Person() Person {
	if g.r.IntN(100) < 15 {
		return g.personEN()
	}
	return g.personZH()
}

// Agent returns a support agent of the demo company: a Chinese name, an
// address at CompanyDomain (unique within this generator) and a mobile number.
func (g *Generator) Agent() Person {
	sur, giv, n := g.chineseName()
	name := sur.han + giv[0].han
	local := giv[0].pin
	if n == 2 {
		name += giv[1].han
		local += giv[1].pin
	}
	local += "." + sur.pin
	seen := g.agents[local]
	g.agents[local] = seen + 1
	if seen > 0 {
		local += strconv.Itoa(seen + 1)
	}
	return Person{
		Name:         name,
		Email:        local + "@" + CompanyDomain,
		Phone:        g.mobileCN(),
		Organization: CompanyName,
		Lang:         "zh-CN",
	}
}

func (g *Generator) personZH() Person {
	sur, giv, n := g.chineseName()
	name := sur.han + giv[0].han
	if n == 2 {
		name += giv[1].han
	}
	p := Person{Name: name, Phone: g.mobileCN(), Lang: "zh-CN"}
	b := make([]byte, 0, 48)
	if g.r.IntN(100) < 15 {
		var domain string
		p.Organization, domain = g.companyZH()
		if g.r.IntN(2) == 0 {
			b = append(b, sur.pin...)
			b = appendGiven(b, giv, n)
		} else {
			b = appendGiven(b, giv, n)
			b = append(b, '.')
			b = append(b, sur.pin...)
		}
		if g.r.IntN(2) == 0 {
			b = strconv.AppendInt(b, int64(g.r.IntN(99)+1), 10)
		}
		p.Email = string(append(append(b, '@'), domain...))
		return p
	}
	domain := g.Pick(mailDomainsZH)
	switch r := g.r.IntN(100); {
	case r < 12:
		// The classic numeric QQ mailbox.
		domain = "qq.com"
		b = append(b, byte('1'+g.r.IntN(9)))
		for i, k := 0, 5+g.r.IntN(5); i < k; i++ {
			b = append(b, byte('0'+g.r.IntN(10)))
		}
	case r < 45:
		b = append(b, sur.pin...)
		b = appendGiven(b, giv, n)
		b = g.appendNumber(b)
	case r < 65:
		b = appendGiven(b, giv, n)
		b = append(b, '.')
		b = append(b, sur.pin...)
		b = g.appendNumber(b)
	case r < 82:
		b = append(b, sur.pin...)
		for i := 0; i < n; i++ {
			b = append(b, giv[i].pin[0])
		}
		b = g.appendNumber(b)
	default:
		b = append(b, sur.pin[0])
		for i := 0; i < n; i++ {
			b = append(b, giv[i].pin[0])
		}
		b = append(b, '_')
		b = strconv.AppendInt(b, int64(1970+g.r.IntN(36)), 10)
		b = strconv.AppendInt(b, int64(g.r.IntN(100)), 10)
	}
	p.Email = string(append(append(b, '@'), domain...))
	return p
}

func (g *Generator) personEN() Person {
	first, last := g.Pick(firstNamesEN), g.Pick(lastNamesEN)
	p := Person{Name: first + " " + last, Lang: "en"}
	switch r := g.r.IntN(10); {
	case r < 4:
		p.Phone = g.mobileCN() // expats living in China
	case r < 8:
		p.Phone = g.phoneUS()
	default:
		p.Phone = g.phoneUK()
	}
	b := make([]byte, 0, 48)
	b = appendLower(b, first)
	if g.r.IntN(3) > 0 {
		b = append(b, '.')
	}
	b = appendLower(b, last)
	domain := g.Pick(mailDomainsEN)
	if g.r.IntN(100) < 15 {
		p.Organization, domain = g.companyEN()
		if g.r.IntN(2) == 0 {
			b = strconv.AppendInt(b, int64(g.r.IntN(99)+1), 10)
		}
	} else {
		b = g.appendNumber(b)
	}
	p.Email = string(append(append(b, '@'), domain...))
	return p
}

// chineseName draws a surname and one or two given-name characters of a
// consistent gender.
func (g *Generator) chineseName() (sur py, giv [2]py, n int) {
	sur = surnames[g.skewed(len(surnames))]
	pool := givenMale
	if g.r.IntN(2) == 0 {
		pool = givenFemale
	}
	n = 2
	if g.r.IntN(100) < 25 {
		n = 1
	}
	for i := 0; i < n; i++ {
		if g.r.IntN(100) < 30 {
			giv[i] = givenNeutral[g.r.IntN(len(givenNeutral))]
		} else {
			giv[i] = pool[g.r.IntN(len(pool))]
		}
	}
	return sur, giv, n
}

// companyZH returns a Chinese company name and a matching mail domain.
func (g *Generator) companyZH() (name, domain string) {
	city := cities[g.r.IntN(len(cities))][0]
	brand := companyBrands[g.r.IntN(len(companyBrands))]
	ind := companyIndustries[g.r.IntN(len(companyIndustries))]
	if g.r.IntN(10) < 3 {
		name = brand.han + ind.han + "（" + city + "）有限公司"
	} else {
		name = city + brand.han + ind.han + "有限公司"
	}
	switch g.r.IntN(3) {
	case 0:
		domain = brand.pin + "-" + ind.pin + ".com"
	case 1:
		domain = brand.pin + ind.pin + ".cn"
	default:
		domain = brand.pin + ".com.cn"
	}
	return name, domain
}

// companyEN returns an English company name and a matching mail domain.
func (g *Generator) companyEN() (name, domain string) {
	w := g.Pick(companyWordsEN)
	k := companyKindsEN[g.r.IntN(len(companyKindsEN))]
	b := appendLower(make([]byte, 0, 32), w)
	b = append(b, '-')
	b = append(b, k[1]...)
	b = append(b, ".com"...)
	return w + " " + k[0], string(b)
}

// mobileCN returns "+86" followed by an 11-digit mobile number.
func (g *Generator) mobileCN() string {
	var b [14]byte
	copy(b[:], "+86")
	copy(b[3:], mobilePrefixes[g.r.IntN(len(mobilePrefixes))])
	g.fillDigits(b[6:])
	return string(b[:])
}

// phoneUS returns a North American number: +1, area code, exchange, line.
func (g *Generator) phoneUS() string {
	var b [12]byte
	copy(b[:], "+1")
	g.fillDigits(b[2:])
	b[2] = byte('2' + g.r.IntN(8))
	b[5] = byte('2' + g.r.IntN(8))
	return string(b[:])
}

// phoneUK returns a UK mobile number: +44 7xxx xxxxxx.
func (g *Generator) phoneUK() string {
	var b [13]byte
	copy(b[:], "+447")
	g.fillDigits(b[4:])
	return string(b[:])
}

func (g *Generator) fillDigits(b []byte) {
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
}

// appendNumber appends the kind of number people put in mail names: a birth
// year, a two-digit year or a short random number.
func (g *Generator) appendNumber(b []byte) []byte {
	switch g.r.IntN(3) {
	case 0:
		return strconv.AppendInt(b, int64(1970+g.r.IntN(36)), 10)
	case 1:
		return strconv.AppendInt(b, int64(10+g.r.IntN(90)), 10)
	default:
		return strconv.AppendInt(b, int64(1+g.r.IntN(9999)), 10)
	}
}

// skewed returns an index in [0,n) biased towards 0 (for frequency-ordered
// lists).
func (g *Generator) skewed(n int) int {
	return min(g.r.IntN(n), g.r.IntN(n))
}

func appendGiven(b []byte, giv [2]py, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, giv[i].pin...)
	}
	return b
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
