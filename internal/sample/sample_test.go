package sample

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// allKinds lists every type and sub-kind combination.
var allKinds = []struct{ typ, sub string }{
	{"consultation", ""}, {"presale", ""}, {"order", ""}, {"complaint", ""},
	{"suggestion", ""}, {"praise", ""},
	{"aftersale", "repair"}, {"aftersale", "return"}, {"aftersale", "exchange"},
	{"aftersale", "refund"}, {"aftersale", "warranty"},
}

// sequence draws a mixed run of everything a generator produces.
func sequence(seed uint64) []any {
	g := New(seed)
	var out []any
	for i := 0; i < 50; i++ {
		typ, sub := g.TicketType()
		out = append(out, g.Person(), g.Agent(), typ, sub, g.Intn(1000),
			g.Pick([]string{"a", "b", "c"}), g.Script(typ, sub, 1+i%9, ""))
	}
	return out
}

func TestDeterminism(t *testing.T) {
	tests := []struct {
		name   string
		a, b   uint64
		wantEq bool
	}{
		{"same seed 0", 0, 0, true},
		{"same seed 42", 42, 42, true},
		{"same large seed", 1 << 63, 1 << 63, true},
		{"different seeds", 1, 2, false},
		{"adjacent large seeds", 1<<40 + 1, 1<<40 + 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eq := reflect.DeepEqual(sequence(tt.a), sequence(tt.b))
			if eq != tt.wantEq {
				t.Errorf("seeds %d and %d: equal = %v, want %v", tt.a, tt.b, eq, tt.wantEq)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// checkScript verifies the invariants every script must satisfy.
func checkScript(t *testing.T, s Script, lines int, lang string) {
	t.Helper()
	if len(s.Lines) != lines {
		t.Fatalf("got %d lines, want %d", len(s.Lines), lines)
	}
	if !s.Lines[0].FromCustomer {
		t.Errorf("first line not from the customer: %+v", s.Lines[0])
	}
	if strings.TrimSpace(s.Subject) == "" {
		t.Errorf("empty subject")
	}
	if s.Lang != lang {
		t.Errorf("Lang = %q, want %q", s.Lang, lang)
	}
	texts := append([]string{s.Subject}, make([]string, 0, len(s.Lines))...)
	for i, l := range s.Lines {
		if l.FromCustomer && l.Internal {
			t.Errorf("line %d: internal note from the customer", i)
		}
		if strings.TrimSpace(l.Text) == "" {
			t.Errorf("line %d: empty text", i)
		}
		texts = append(texts, l.Text)
	}
	for _, x := range texts {
		if strings.ContainsAny(x, "{}") {
			t.Errorf("unresolved placeholder in %q", x)
		}
		if lang == "en" && hasHan(x) {
			t.Errorf("Chinese in an English script: %q", x)
		}
		if lang == "zh-CN" && !hasHan(x) {
			t.Errorf("no Chinese in a Chinese script: %q", x)
		}
	}
}

func TestScriptShape(t *testing.T) {
	tests := []struct {
		name      string
		typ, sub  string
		lines     int
		lang      string
		wantLines int
		wantLang  string
		wantType  string
		wantSub   string
	}{
		{"one line", "order", "", 1, "zh-CN", 1, "zh-CN", "order", ""},
		{"zero lines means one", "order", "", 0, "zh-CN", 1, "zh-CN", "order", ""},
		{"two lines", "complaint", "", 2, "zh-CN", 2, "zh-CN", "complaint", ""},
		{"three lines en", "aftersale", "refund", 3, "en", 3, "en", "aftersale", "refund"},
		{"five lines", "aftersale", "repair", 5, "zh-CN", 5, "zh-CN", "aftersale", "repair"},
		{"long", "presale", "", 20, "zh-CN", 20, "zh-CN", "presale", ""},
		{"long en", "consultation", "", 15, "en", 15, "en", "consultation", ""},
		{"en-US counts as en", "praise", "", 4, "en-US", 4, "en", "praise", ""},
		{"zh counts as zh-CN", "suggestion", "", 4, "zh", 4, "zh-CN", "suggestion", ""},
		{"unknown type", "nonsense", "", 4, "zh-CN", 4, "zh-CN", "consultation", ""},
		{"subtype dropped for non-aftersale", "order", "refund", 4, "zh-CN", 4, "zh-CN", "order", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(7)
			for i := 0; i < 300; i++ {
				s := g.Script(tt.typ, tt.sub, tt.lines, tt.lang)
				checkScript(t, s, tt.wantLines, tt.wantLang)
				if s.Type != tt.wantType || s.Subtype != tt.wantSub {
					t.Fatalf("type %q/%q, want %q/%q", s.Type, s.Subtype, tt.wantType, tt.wantSub)
				}
				if t.Failed() {
					t.Fatalf("failing script: %+v", s)
				}
			}
		})
	}
}

func TestAftersaleWithoutSubtype(t *testing.T) {
	g := New(3)
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		s := g.Script("aftersale", "", 3, "zh-CN")
		seen[s.Subtype] = true
	}
	for _, k := range []string{"repair", "return", "exchange", "refund", "warranty"} {
		if !seen[k] {
			t.Errorf("aftersale without sub-kind never picked %q", k)
		}
	}
}

func TestEveryKind(t *testing.T) {
	for _, k := range allKinds {
		for _, lang := range []string{"zh-CN", "en"} {
			t.Run(k.typ+"/"+k.sub+"/"+lang, func(t *testing.T) {
				g := New(11)
				subjects := map[string]bool{}
				for i := 0; i < 200; i++ {
					lines := 1 + i%10
					s := g.Script(k.typ, k.sub, lines, lang)
					checkScript(t, s, lines, lang)
					if s.Type != k.typ || s.Subtype != k.sub {
						t.Fatalf("got %q/%q", s.Type, s.Subtype)
					}
					subjects[s.Subject] = true
				}
				if len(subjects) < 20 {
					t.Errorf("only %d distinct subjects in 200 scripts", len(subjects))
				}
			})
		}
	}
}

func TestConversationFlow(t *testing.T) {
	g := New(5)
	agentLines, internal := 0, 0
	for i := 0; i < 5000; i++ {
		typ, sub := g.TicketType()
		n := 4 + i%9 // 4..12 lines
		s := g.Script(typ, sub, n, "")
		for j, l := range s.Lines {
			if l.FromCustomer {
				continue
			}
			agentLines++
			if l.Internal {
				internal++
				if j == len(s.Lines)-1 {
					t.Errorf("conversation ends with an internal note: %+v", s)
				}
			}
		}
		if j := len(s.Lines) - 1; s.Lines[j].FromCustomer == s.Lines[j-1].FromCustomer && s.Lines[j].FromCustomer {
			t.Errorf("customer speaks twice at the end: %+v", s)
		}
	}
	share := float64(internal) / float64(agentLines)
	if share < 0.02 || share > 0.10 {
		t.Errorf("internal notes are %.1f%% of agent lines, want about 5%%", 100*share)
	}
}

func TestTicketTypeDistribution(t *testing.T) {
	want := map[string]float64{
		"consultation": 25, "presale": 12, "order": 15, "aftersale": 30,
		"complaint": 10, "suggestion": 5, "praise": 3,
		"aftersale/refund": 9, "aftersale/repair": 9, "aftersale/return": 5,
		"aftersale/exchange": 4, "aftersale/warranty": 3,
	}
	const n = 100000
	g := New(2024)
	got := map[string]int{}
	for i := 0; i < n; i++ {
		typ, sub := g.TicketType()
		got[typ]++
		if typ == "aftersale" {
			got[typ+"/"+sub]++
		} else if sub != "" {
			t.Fatalf("type %q has sub-kind %q", typ, sub)
		}
	}
	for key, pct := range want {
		share := 100 * float64(got[key]) / n
		if share < pct-2 || share > pct+2 {
			t.Errorf("%s: %.2f%%, want %.0f%% ± 2", key, share, pct)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected keys: %v", got)
	}
}

var (
	phoneRE = regexp.MustCompile(`^\+\d{8,15}$`)
	cnRE    = regexp.MustCompile(`^\+861[3-9]\d{9}$`)
	localRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	hostRE  = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
)

func checkEmail(t *testing.T, email string) {
	t.Helper()
	if strings.Count(email, "@") != 1 || email != strings.ToLower(email) {
		t.Errorf("bad email %q", email)
		return
	}
	local, host, _ := strings.Cut(email, "@")
	if !localRE.MatchString(local) || !hostRE.MatchString(host) {
		t.Errorf("bad email %q", email)
	}
}

func TestPerson(t *testing.T) {
	g := New(99)
	const n = 20000
	en, org := 0, 0
	emails := map[string]bool{}
	for i := 0; i < n; i++ {
		p := g.Person()
		checkEmail(t, p.Email)
		emails[p.Email] = true
		if !phoneRE.MatchString(p.Phone) {
			t.Errorf("bad phone %q", p.Phone)
		}
		if strings.HasPrefix(p.Phone, "+86") && !cnRE.MatchString(p.Phone) {
			t.Errorf("bad Chinese mobile %q", p.Phone)
		}
		switch p.Lang {
		case "en":
			en++
			if hasHan(p.Name) {
				t.Errorf("English customer with Chinese name %q", p.Name)
			}
		case "zh-CN":
			if !hasHan(p.Name) {
				t.Errorf("Chinese customer with name %q", p.Name)
			}
			if strings.HasPrefix(p.Phone, "+1") || strings.HasPrefix(p.Phone, "+44") {
				t.Errorf("Chinese customer with foreign phone %q", p.Phone)
			}
		default:
			t.Fatalf("bad Lang %q", p.Lang)
		}
		if p.Name == "" {
			t.Errorf("empty name")
		}
		if p.Organization != "" {
			org++
		}
	}
	if s := float64(en) / n; s < 0.12 || s > 0.18 {
		t.Errorf("English share %.3f, want about 0.15", s)
	}
	if s := float64(org) / n; s < 0.12 || s > 0.18 {
		t.Errorf("organisation share %.3f, want about 0.15", s)
	}
	if s := float64(len(emails)) / n; s < 0.97 {
		t.Errorf("only %.3f of %d emails are distinct", s, n)
	}
}

func TestAgent(t *testing.T) {
	g := New(8)
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		a := g.Agent()
		checkEmail(t, a.Email)
		if !strings.HasSuffix(a.Email, "@"+CompanyDomain) {
			t.Errorf("agent email %q not at %s", a.Email, CompanyDomain)
		}
		if seen[a.Email] {
			t.Errorf("duplicate agent email %q", a.Email)
		}
		seen[a.Email] = true
		if !hasHan(a.Name) || a.Lang != "zh-CN" || a.Organization != CompanyName || !cnRE.MatchString(a.Phone) {
			t.Errorf("bad agent %+v", a)
		}
	}
}

func TestDemoVariety(t *testing.T) {
	const n = 2000
	g := New(1)
	subjects := map[string]bool{}
	openings := map[string]bool{}
	words := []string{"退款", "物流", "订单", "发货", "发票", "维修", "安装"}
	wordsEN := []string{"order delayed", "refund", "delivery"}
	count := map[string]int{}
	en := 0
	for i := 0; i < n; i++ {
		typ, sub := g.TicketType()
		s := g.Script(typ, sub, 2+g.Intn(9), "")
		subjects[s.Subject] = true
		openings[s.Lines[0].Text] = true
		var all strings.Builder
		all.WriteString(s.Subject)
		for _, l := range s.Lines {
			all.WriteString("\n")
			all.WriteString(l.Text)
		}
		text := strings.ToLower(all.String())
		for _, w := range append(words, wordsEN...) {
			if strings.Contains(text, w) {
				count[w]++
			}
		}
		if s.Lang == "en" {
			en++
		}
	}
	if s := float64(len(subjects)) / n; s < 0.95 {
		t.Errorf("only %.1f%% of subjects are distinct, want >= 95%%", 100*s)
	}
	if s := float64(len(openings)) / n; s < 0.75 {
		t.Errorf("only %.1f%% of first messages are distinct, want >= 75%%", 100*s)
	}
	for _, w := range words {
		if count[w] < n/100 {
			t.Errorf("%q occurs in %d of %d scripts, want >= 1%%", w, count[w], n)
		}
	}
	for _, w := range wordsEN {
		if count[w] < 3 {
			t.Errorf("%q occurs in only %d of %d English scripts", w, count[w], en)
		}
	}
	if s := float64(en) / n; s < 0.12 || s > 0.18 {
		t.Errorf("English share %.3f, want about 0.15", s)
	}
}

func TestFormatYuan(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{0, "¥0"}, {99, "¥99"}, {199, "¥199"}, {2399, "¥2,399"},
		{12999, "¥12,999"}, {1000000, "¥1,000,000"},
	}
	for _, tt := range tests {
		if got := formatYuan(tt.in); got != tt.want {
			t.Errorf("formatYuan(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPickIntn(t *testing.T) {
	g := New(1)
	tests := []struct {
		name  string
		items []string
	}{
		{"nil", nil}, {"one", []string{"x"}}, {"three", []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := g.Pick(tt.items)
			if len(tt.items) == 0 {
				if got != "" {
					t.Errorf("Pick(empty) = %q", got)
				}
				return
			}
			if !strings.Contains(strings.Join(tt.items, "\x00"), got) {
				t.Errorf("Pick returned %q, not an item", got)
			}
		})
	}
	for _, n := range []int{-1, 0, 1, 7} {
		for i := 0; i < 100; i++ {
			if v := g.Intn(n); v < 0 || (n > 0 && v >= n) || (n <= 0 && v != 0) {
				t.Fatalf("Intn(%d) = %d", n, v)
			}
		}
	}
}

func TestOrgLists(t *testing.T) {
	tests := []struct {
		name  string
		specs []TeamSpec
		min   int
	}{
		{"teams", Teams(), 6},
		{"departments", Departments(), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.specs) < tt.min {
				t.Errorf("%d entries, want >= %d", len(tt.specs), tt.min)
			}
			for _, s := range tt.specs {
				if !hasHan(s.Name) || s.NameEN == "" || hasHan(s.NameEN) {
					t.Errorf("bad spec %+v", s)
				}
			}
		})
	}
	tags := Tags()
	seen := map[string]bool{}
	for _, tag := range tags {
		if tag == "" || seen[tag] {
			t.Errorf("empty or duplicate tag %q", tag)
		}
		seen[tag] = true
	}
	if len(tags) < 15 {
		t.Errorf("only %d tags", len(tags))
	}
}

func BenchmarkScript5Lines(b *testing.B) {
	g := New(1)
	b.ReportAllocs()
	for b.Loop() {
		typ, sub := g.TicketType()
		_ = g.Script(typ, sub, 5, "")
	}
}

func BenchmarkPerson(b *testing.B) {
	g := New(1)
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Person()
	}
}
