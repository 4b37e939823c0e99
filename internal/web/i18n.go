package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/i18n"
)

// The UI's own strings; domain error messages come from internal/i18n. A test holds the
// two languages to the same keys and the templates to known keys.
//
//go:embed i18n/*.json
var uiCatalogFiles embed.FS

var uiCatalogs = loadUICatalogs()

func loadUICatalogs() map[i18n.Lang]map[string]string {
	out := map[i18n.Lang]map[string]string{}
	for _, l := range i18n.Langs {
		b, err := uiCatalogFiles.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("web: catalog %s: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// tr translates a UI key; args are name, value pairs. An unknown key shows as itself so a
// gap is visible (and the catalog test fails first).
func tr(lang i18n.Lang, key string, args ...any) string {
	cat, ok := uiCatalogs[lang]
	if !ok {
		cat = uiCatalogs[i18n.ZH]
	}
	s, ok := cat[key]
	if !ok {
		return key
	}
	if len(args) < 2 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
