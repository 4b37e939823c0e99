package i18n

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

var placeholderRE = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// placeholders returns the sorted, distinct {name} placeholders of s.
func placeholders(s string) []string {
	found := placeholderRE.FindAllString(s, -1)
	sort.Strings(found)
	return slices.Compact(found)
}

// zhAllowed are the only Latin words a Chinese message may contain: names that are written
// the same way in Chinese text.
var zhAllowed = []string{"If-Match", "JSON", "API"}

var (
	latinWordRE = regexp.MustCompile(`[A-Za-z][A-Za-z-]*`)
	latinRunRE  = regexp.MustCompile(`[A-Za-z]{3,}`)
)

// untranslated returns the first word with a run of three or more ASCII letters in a Chinese
// message, outside placeholders and allowed words; "" when there is none.
func untranslated(s string) string {
	s = placeholderRE.ReplaceAllString(s, " ")
	for _, w := range latinWordRE.FindAllString(s, -1) {
		if !slices.Contains(zhAllowed, w) && latinRunRE.MatchString(w) {
			return w
		}
	}
	return ""
}

// asciiPunct returns the first ASCII sentence punctuation mark of a Chinese message outside
// placeholders (Chinese text uses ，。：；！？（）); 0 when there is none.
func asciiPunct(s string) rune {
	s = placeholderRE.ReplaceAllString(s, " ")
	for _, r := range s {
		if strings.ContainsRune(",.:;!?()", r) {
			return r
		}
	}
	return 0
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	zh, en := catalogs[ZH], catalogs[EN]
	if len(zh) == 0 || len(en) == 0 {
		t.Fatalf("empty catalog: zh-CN has %d keys, en %d", len(zh), len(en))
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in zh-CN but not in en", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%q is in en but not in zh-CN", k)
		}
	}
}

func TestCatalogValues(t *testing.T) {
	keyRE := regexp.MustCompile(`^(error|check|thing|field)\.[A-Za-z][A-Za-z_-]*$`)
	for _, l := range Langs {
		for k, v := range catalogs[l] {
			if !keyRE.MatchString(k) {
				t.Errorf("%s: key %q is not of the form error.x, check.x, thing.x or field.x", l, k)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", l, k)
			}
			if v != strings.TrimSpace(v) {
				t.Errorf("%s: %q has leading or trailing space: %q", l, k, v)
			}
		}
	}
	for k, zh := range catalogs[ZH] {
		en, ok := catalogs[EN][k]
		if !ok {
			continue // reported by TestCatalogsHaveTheSameKeys
		}
		if pz, pe := placeholders(zh), placeholders(en); !slices.Equal(pz, pe) {
			t.Errorf("%q: placeholders differ: zh-CN %v, en %v", k, pz, pe)
		}
		if w := untranslated(zh); w != "" {
			t.Errorf("%q: zh-CN %q contains the English %q", k, zh, w)
		}
		if r := asciiPunct(zh); r != 0 {
			t.Errorf("%q: zh-CN %q uses the ASCII %q; use Chinese punctuation", k, zh, r)
		}
		if strings.IndexFunc(en, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
			t.Errorf("%q: en %q contains Chinese", k, en)
		}
	}
}

// The checks above must be able to fail.
func TestCatalogCheckers(t *testing.T) {
	for _, c := range []struct {
		in         string
		english    string
		punct      rune
		placeholds []string
	}{
		{"{field}不能为空", "", 0, []string{"{field}"}},
		{"{field}最多 {max} 个字", "", 0, []string{"{field}", "{max}"}},
		{"{max}{field}{max}", "", 0, []string{"{field}", "{max}"}},
		{"请求内容不是有效的 JSON（{detail}）。", "", 0, []string{"{detail}"}},
		{"{field} is required", "required", 0, []string{"{field}"}},
		{"请检查 fields", "fields", 0, nil},
		{"邮箱或密码不正确.", "", '.', nil},
		{"只能是:{values}", "", ':', []string{"{values}"}},
		{"工单 #{number}", "", 0, []string{"{number}"}},
		{"ID 不存在", "", 0, nil},
		{"JSONX 格式", "JSONX", 0, nil},
		{"If-Match 请求头", "", 0, nil},
		{"If-Matches 请求头", "If-Matches", 0, nil},
	} {
		if got := untranslated(c.in); got != c.english {
			t.Errorf("untranslated(%q) = %q, want %q", c.in, got, c.english)
		}
		if got := asciiPunct(c.in); got != c.punct {
			t.Errorf("asciiPunct(%q) = %q, want %q", c.in, got, c.punct)
		}
		if got := placeholders(c.in); !slices.Equal(got, c.placeholds) {
			t.Errorf("placeholders(%q) = %v, want %v", c.in, got, c.placeholds)
		}
	}
}
