package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/web/phrase"
)

// TestCatalogsMatch: both languages have the same keys, and no value is empty.
func TestCatalogsMatch(t *testing.T) {
	zh, en := uiCatalogs[i18n.ZH], uiCatalogs[i18n.EN]
	for k, v := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("zh-CN %q is empty", k)
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

// dynamicKeys are the keys templates and handlers build from a prefix and a domain value,
// by prefix: every value of every list must have its translation.
func dynamicKeys() map[string][]string {
	roles := []string{}
	for _, r := range auth.Roles {
		roles = append(roles, string(r))
	}
	admin := []string{}
	for name := range mustParsePages().byName {
		if strings.HasPrefix(name, "admin_") {
			admin = append(admin, strings.TrimPrefix(name, "admin_")+".title")
		}
	}
	return map[string][]string{
		"status.":         ticket.Statuses,
		"priority.":       ticket.Priorities,
		"type.":           ticket.Types,
		"subtype.":        ticket.Subtypes,
		"channel.":        ticket.Channels,
		"tier.":           customer.Tiers,
		"stage.":          customer.Stages,
		"phrase.":         phrase.Categories,
		"fieldtype.":      customfield.Types,
		"entity.":         {customfield.Ticket, customfield.Customer},
		"teamkind.":       {"team", "department"},
		"link.":           {"related", "merged_into", "merged_from", "split_from", "split_to"},
		"view.":           builtinViews,
		"event.customer_": {"created", "changed"},
		"role.":           roles,
		"admin_":          admin,
		// The email administration (mailboxes.go).
		"tls.":          mail.TLSModes,
		"mail_check.":   mail.Stages,
		"mail_state.":   mail.InboundStates,
		"outbox_state.": mail.OutboxStates,
		"mail_auto.":    {"auto-reply", "bulk", "list", "dsn", "mailer-daemon"},
		// Fields in the customer and ticket change trails (fieldLabel).
		"field.": {"name", "organization", "tier", "stage", "notes", "emails", "phones", "tags",
			"status", "owner", "assignee", "team", "department", "priority", "type", "subject",
			"sla", "rating", "links", "rule", "chat"},
	}
}

var (
	templateKey = regexp.MustCompile(`\.T "([^"]+)"`)
	templatePre = regexp.MustCompile(`print "([a-z_]+\.)"`)
	goKey       = regexp.MustCompile(`\btr\([^,()]+, "([^"]+)"\s*[,)]`)
	goPre       = regexp.MustCompile(`\btr\([^,()]+, "([a-z_]+[._])"\s*\+`)
)

// TestKeysKnown: every key the templates and the Go code use is in the catalog, and every
// prefix they complete at run time is covered by dynamicKeys.
func TestKeysKnown(t *testing.T) {
	known := uiCatalogs[i18n.ZH]
	dyn := dynamicKeys()
	prefixes := map[string]bool{}
	for prefix, values := range dyn {
		prefixes[prefix] = true
		for _, v := range values {
			if _, ok := known[prefix+v]; !ok {
				t.Errorf("dynamic key %q has no translation", prefix+v)
			}
		}
	}
	check := func(file string, src []byte, keyRE, preRE *regexp.Regexp) {
		for _, m := range keyRE.FindAllSubmatch(src, -1) {
			if _, ok := known[string(m[1])]; !ok {
				t.Errorf("%s uses unknown key %q", file, m[1])
			}
		}
		for _, m := range preRE.FindAllSubmatch(src, -1) {
			if !prefixes[string(m[1])] {
				t.Errorf("%s builds keys from %q, which dynamicKeys does not list", file, m[1])
			}
		}
	}
	fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, _ := templateFiles.ReadFile(p)
		check(p, src, templateKey, templatePre)
		return nil
	})
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, src, goKey, goPre)
	}
	// And the checker itself must see something, or it proves nothing.
	src, _ := templateFiles.ReadFile("templates/inbox.html")
	if len(templateKey.FindAll(src, -1)) < 10 || !slices.Contains(dyn["status."], "closed") {
		t.Fatal("the key scan found nothing")
	}
}
