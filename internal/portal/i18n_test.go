package portal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Both languages have the same keys, no value is empty, and Chinese values are Chinese.
func TestCatalogsMatch(t *testing.T) {
	zh, en := catalogs[i18n.ZH], catalogs[i18n.EN]
	for k, v := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("zh-CN %q is empty", k)
		}
		if k != "ticket.title" && !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("zh-CN %q has no Chinese: %q", k, v)
		}
	}
	for k, v := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-CN lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("en %q is empty", k)
		}
	}
}

var (
	templateKey = regexp.MustCompile(`\.T "([^"]+)"`)
	goKey       = regexp.MustCompile(`\b(?:tr|waitMessage|renderError)\([^"]*?"([a-z_]+\.[a-z_.]+)"`)
)

// Every key the templates and handlers name is in the catalogs, and so is every key built
// from a prefix and a domain value.
func TestEveryKeyIsTranslated(t *testing.T) {
	want := map[string]bool{}
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, goFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := templateKey
		if strings.HasSuffix(f, ".go") {
			re = goKey
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			want[m[1]] = true
		}
	}
	for _, typ := range ticket.Types {
		want["type."+typ] = true
	}
	for _, st := range ticket.Statuses {
		want["status."+customerStatus(st)] = true
	}
	for _, ch := range []string{"email", "chat", "portal", "phone", "other"} {
		want["channel."+ch] = true
	}
	for _, s := range (&base{}).Scores() {
		want["rating.s"+itoa(s)] = true
	}
	if len(want) < 50 {
		t.Fatalf("found only %d keys: the scan is broken", len(want))
	}
	for k := range want {
		for _, l := range i18n.Langs {
			if _, ok := catalogs[l][k]; !ok {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
}

// A customer's statuses never name the help desk's internal stages.
func TestCustomerStatuses(t *testing.T) {
	if customerStatus("pending_department") != "open" {
		t.Fatal("waiting for a department shows as such")
	}
}
