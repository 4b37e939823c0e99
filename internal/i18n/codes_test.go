package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The source scan below reads the Go code under internal/ for the codes it can return and
// checks that each one has a message, so that a new code cannot reach users untranslated.

// site is a kind of call whose arguments carry a code or a field name.
type site struct {
	head   *regexp.Regexp
	prefix string // catalog prefix of the code: "error.", "check." or "thing."
	code   int    // index of the code argument; -1 for none
	field  int    // index of the field-name argument; -1 for none
}

var sites = []site{
	{regexp.MustCompile(`\bapperr\.Invalid\(`), "check.", 1, 0},
	{regexp.MustCompile(`\bapperr\.Rule\(`), "error.", 0, -1},
	{regexp.MustCompile(`\bapperr\.Conflict\(`), "error.", 0, -1},
	{regexp.MustCompile(`\bapperr\.Forbidden\(`), "error.", 0, -1},
	{regexp.MustCompile(`\bapperr\.NotFound\(`), "thing.", 0, -1},
	// Helpers that only pass a field name on.
	{regexp.MustCompile(`\b(?:pathID|queryInt)\(`), "", -1, 1},
	{regexp.MustCompile(`\boneOf\(`), "", -1, 1},
	{regexp.MustCompile(`\b(?:checkTeam|checkAssignee)\(`), "", -1, 2},
	{regexp.MustCompile(`\btag\.Normalize\(`), "", -1, 0},
}

// fieldsVar finds the names a file gives its apperr.Fields: "f := apperr.Fields{}" and
// parameters "f apperr.Fields". Their Check and Add calls are scanned as sites.
var fieldsVar = regexp.MustCompile(`\b([A-Za-z_]\w*)(?:\s*:?=\s*apperr\.Fields\{|\s+apperr\.Fields\b)`)

// fieldsSites returns the sites of the Fields methods called on names.
func fieldsSites(names []string) []site {
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	alt := strings.Join(slices.Compact(names), "|")
	return []site{
		{regexp.MustCompile(`\b(?:` + alt + `)\.Check\(`), "check.", 2, 1},
		{regexp.MustCompile(`\b(?:` + alt + `)\.Add\(`), "check.", 1, 0},
	}
}

// errorLiteral finds the code of an apperr.Error composite literal.
var errorLiteral = regexp.MustCompile(`\bError\{[^{}]*?\bCode:\s*"([^"]*)"`)

var (
	literalRE = regexp.MustCompile(`^"([^"\\]*)"$`)
	// A literal followed by "+ something": a code completed at run time.
	concatHeadRE = regexp.MustCompile(`^"([^"\\]*)"\s*\+`)
	// Something followed by "+ literal": a field under a prefix (prefix+"kind").
	concatTailRE = regexp.MustCompile(`\+\s*"([^"\\]*)"$`)
	codeRE       = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// concatenated lists the codes built as prefix + kind, which the scan cannot read whole.
var concatenated = map[string][]string{
	"invalid_": {"email", "phone", "chat"}, // customer identities: customer.Email, Phone, Chat
	"unknown_": {"team", "department"},     // ticket.checkTeam: user.KindTeam, KindDepartment
}

// indirect lists the keys the code base needs that reach apperr through a variable or a
// default, where the scan cannot see them.
var indirect = []string{
	"error.forbidden",      // apperr.Forbidden("")
	"check.want_text",      // customfield.checkValue
	"check.want_number",    // customfield.checkValue
	"check.want_date",      // customfield.checkValue
	"check.want_bool",      // customfield.checkValue
	"check.one_of",         // customfield.checkValue
	"check.too_long",       // customfield.checkValue
	"check.unknown_field",  // customfield.checkValue
	"field.emails",         // customer.validate: identity lists named through a struct
	"field.phones",         // idem
	"field.chat_ids",       // idem
	"field.email",          // "customer."+kind in customer.FindOrCreateTx
	"field.phone",          // idem
	"field.chat",           // idem
	"field.team",           // ticket list query parameters (httpapi.ticketFilter)
	"field.assignee",       // idem
	"field.owner",          // idem
	"field.department",     // idem
	"field.customer",       // idem
	"field.created_after",  // idem
	"field.created_before", // idem
	"field.updated_after",  // idem
	"field.updated_before", // idem
	"field.limit",          // idem
	"field.body",           // httpapi.jsonError: a JSON value of the wrong type at the top
}

// found is what the scan read, each key with the places that need it.
type found struct {
	codes    map[string][]string // error.x and check.x
	things   map[string][]string // thing.x
	fields   map[string][]string // field.x
	prefixes map[string][]string // "invalid_" of "invalid_"+kind
	calls    int
}

func (f *found) add(m map[string][]string, key, where string) {
	m[key] = append(m[key], where)
}

func scanSources(t *testing.T, root string) *found {
	t.Helper()
	f := &found{codes: map[string][]string{}, things: map[string][]string{}, fields: map[string][]string{}, prefixes: map[string][]string{}}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if abs, _ := filepath.Abs(path); abs == self {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.scan(path, string(src))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *found) scan(path, src string) {
	where := func(off int) string {
		return path + ":" + strconv.Itoa(1+strings.Count(src[:off], "\n"))
	}
	var names []string
	for _, m := range fieldsVar.FindAllStringSubmatch(src, -1) {
		names = append(names, m[1])
	}
	for _, s := range append(fieldsSites(names), sites...) {
		for _, loc := range s.head.FindAllStringIndex(src, -1) {
			args, ok := splitArgs(src, loc[1])
			if !ok {
				continue
			}
			f.calls++
			w := where(loc[0])
			if s.code >= 0 && s.code < len(args) {
				a := args[s.code]
				if m := literalRE.FindStringSubmatch(a); m != nil {
					code := m[1]
					if code == "" && strings.Contains(s.head.String(), "Forbidden") {
						code = "forbidden"
					}
					if s.prefix == "thing." {
						f.add(f.things, "thing."+code, w)
						f.add(f.codes, "error.not_found", w)
					} else {
						f.add(f.codes, s.prefix+code, w)
					}
				} else if m := concatHeadRE.FindStringSubmatch(a); m != nil {
					f.add(f.prefixes, m[1], w)
				}
			}
			if s.field >= 0 && s.field < len(args) {
				a := args[s.field]
				name := ""
				if m := literalRE.FindStringSubmatch(a); m != nil {
					name = m[1]
				} else if m := concatTailRE.FindStringSubmatch(a); m != nil {
					name = m[1]
				}
				// FieldName names a list item (emails[2]) by its list.
				if base := lastPart(name); base != "" {
					f.add(f.fields, "field."+base, w)
				}
			}
		}
	}
	for _, m := range errorLiteral.FindAllStringSubmatchIndex(src, -1) {
		f.calls++
		f.add(f.codes, "error."+src[m[2]:m[3]], where(m[0]))
	}
}

// lastPart is the part of a field path that field.* translates, as FieldName does it.
func lastPart(name string) string {
	if i := strings.LastIndexAny(name, ".]"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// splitArgs reads the arguments of a call whose "(" ends just before src[start:], keeping
// nested brackets, strings and runes whole and leaving comments out. ok is false if the call
// never closes.
func splitArgs(src string, start int) (args []string, ok bool) {
	depth := 0
	var cur strings.Builder
	for i := start; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"', '\'':
			j := i + 1
			for ; j < len(src) && src[j] != c && src[j] != '\n'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return nil, false
			}
			cur.WriteString(src[i : j+1])
			i = j
			continue
		case '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, false
			}
			cur.WriteString(src[i : i+end+2])
			i += end + 1
			continue
		case '/':
			if strings.HasPrefix(src[i:], "//") {
				end := strings.IndexByte(src[i:], '\n')
				if end < 0 {
					return nil, false
				}
				i += end - 1
				continue
			}
			if strings.HasPrefix(src[i:], "/*") {
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return nil, false
				}
				cur.WriteByte(' ')
				i += end + 3
				continue
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if c != ')' {
					return nil, false
				}
				if a := strings.TrimSpace(cur.String()); a != "" {
					args = append(args, a)
				}
				return args, true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(cur.String()))
				cur.Reset()
				continue
			}
		}
		cur.WriteByte(c)
	}
	return nil, false
}

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
		ok   bool
	}{
		{`f("a", "b", nil)`, []string{`"a"`, `"b"`, `nil`}, true},
		{`f(fmt.Sprintf("%s[%d]", l.field, i), "identity_taken", map[string]any{"value": v})`,
			[]string{`fmt.Sprintf("%s[%d]", l.field, i)`, `"identity_taken"`, `map[string]any{"value": v}`}, true},
		{`f(x != "a,b)", "c")`, []string{`x != "a,b)"`, `"c"`}, true},
		{"f(ok,\n\t\"name\", // the field, (sic)\n\t\"required\", /* no params */ nil,\n)", []string{`ok`, `"name"`, `"required"`, `nil`}, true},
		{"f(`a,)`, '\\'', 'x')", []string{"`a,)`", `'\''`, `'x'`}, true},
		{`f()`, nil, true},
		{`f("a", `, nil, false},
		{`f("a"}`, nil, false},
	} {
		got, ok := splitArgs(c.src, 2)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q, %v", c.src, got, ok, c.want, c.ok)
		}
	}
}

// TestScanFinds makes sure the scan reads each shape of call: without this, a broken
// pattern would find nothing and TestSourceCodesHaveMessages would pass.
func TestScanFinds(t *testing.T) {
	src := `package x
func check(fe apperr.Fields, f Filter) {}
func g() error {
	f := apperr.Fields{}
	f.Check(ok, prefix+"kind", "one_of", map[string]any{"values": "reply, note"})
	fe.Add(name, "want_id", nil)
	errs := apperr.Fields{}
	errs.Add("teams", "unknown", nil)
	other.Add("teams", "not_scanned", nil)
	fe.Check(len(x) <= 3,
		"tags", "too_many", nil)
	return apperr.Invalid(fmt.Sprintf("%s[%d]", l.field, i), "identity_taken", map[string]any{"value": v})
	return apperr.Invalid(field, "unknown_"+kind, nil)
	return apperr.Rule("merge_customer_mismatch", map[string]any{"from": 1})
	return apperr.Conflict("stale_version", nil)
	return apperr.Forbidden("")
	return apperr.Forbidden("department_notes_only")
	return apperr.NotFound("ticket")
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_json", Params: map[string]any{"detail": "x"}}
	n, err := pathID(r, "number")
	wg.Add(1)
	common.Add("_pragma", "busy_timeout(10000)")
}`
	f := &found{codes: map[string][]string{}, things: map[string][]string{}, fields: map[string][]string{}, prefixes: map[string][]string{}}
	f.scan("x.go", src)
	want := []string{"check.identity_taken", "check.one_of", "check.too_many", "check.unknown", "check.want_id", "error.bad_json",
		"error.department_notes_only", "error.forbidden", "error.merge_customer_mismatch", "error.not_found", "error.stale_version"}
	if got := sortedKeys(f.codes); !slices.Equal(got, want) {
		t.Errorf("codes = %q, want %q", got, want)
	}
	if got := sortedKeys(f.things); !slices.Equal(got, []string{"thing.ticket"}) {
		t.Errorf("things = %q", got)
	}
	if got := sortedKeys(f.fields); !slices.Equal(got, []string{"field.kind", "field.number", "field.tags", "field.teams"}) {
		t.Errorf("fields = %q", got)
	}
	if got := sortedKeys(f.prefixes); !slices.Equal(got, []string{"unknown_"}) {
		t.Errorf("prefixes = %q", got)
	}
	if w := f.codes["check.too_many"]; len(w) != 1 || w[0] != "x.go:10" {
		t.Errorf("check.too_many found at %q, want x.go:10", w)
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSourceCodesHaveMessages(t *testing.T) {
	f := scanSources(t, filepath.Join("..", "..", "internal"))
	if n := len(f.codes); n < 40 {
		t.Fatalf("the scan found only %d distinct codes in %d calls; the patterns no longer match the code base", n, f.calls)
	}
	if n := len(f.fields); n < 30 {
		t.Fatalf("the scan found only %d distinct field names; the patterns no longer match the code base", n)
	}
	if n := len(f.things); n < 5 {
		t.Fatalf("the scan found only %d kinds of thing in apperr.NotFound calls", n)
	}
	t.Logf("scan: %d calls, %d codes, %d things, %d field names", f.calls, len(f.codes), len(f.things), len(f.fields))

	need := map[string][]string{}
	for _, m := range []map[string][]string{f.codes, f.things, f.fields} {
		for k, w := range m {
			need[k] = append(need[k], w...)
		}
	}
	for prefix, w := range f.prefixes {
		kinds, ok := concatenated[prefix]
		if !ok || len(kinds) == 0 {
			t.Errorf("%s: a code is built as %q+…; list what it can become in concatenated", w[0], prefix)
			continue
		}
		for _, k := range kinds {
			need["check."+prefix+k] = append(need["check."+prefix+k], w...)
		}
	}
	for _, k := range indirect {
		need[k] = append(need[k], "(indirect in codes_test.go)")
	}
	for _, k := range sortedKeys(need) {
		if !codeRE.MatchString(k[strings.IndexByte(k, '.')+1:]) && !strings.HasPrefix(k, "field.") {
			t.Errorf("%s: %q is not a code of lower-case words", need[k][0], k)
			continue
		}
		for _, l := range Langs {
			if _, ok := catalogs[l][k]; !ok {
				t.Errorf("%s: %s has no %q", need[k][0], l, k)
			}
		}
	}
	// Keys nobody asks for are allowed (a message kept for a code on its way), but shown.
	for _, k := range Keys(ZH) {
		if _, ok := need[k]; !ok && !strings.HasPrefix(k, "field.") {
			t.Logf("not produced by the code base: %s", k)
		}
	}
}
