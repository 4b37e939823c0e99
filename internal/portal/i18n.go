package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/i18n"
)

// The portal's own strings; domain error messages come from internal/i18n. A test holds the
// two languages to the same keys and the templates to known keys.
//
//go:embed i18n/*.json
var catalogFiles embed.FS

var catalogs = loadCatalogs()

func loadCatalogs() map[i18n.Lang]map[string]string {
	out := map[i18n.Lang]map[string]string{}
	for _, l := range i18n.Langs {
		b, err := catalogFiles.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("portal: catalog %s: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// tr translates a portal key; args are name, value pairs. An unknown key shows as itself,
// so a gap is visible (and the catalog test fails first).
func tr(lang i18n.Lang, key string, args ...any) string {
	cat, ok := catalogs[lang]
	if !ok {
		cat = catalogs[i18n.ZH]
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

func itoa(n int) string { return strconv.Itoa(n) }

// trimZero writes a size with one decimal, without a trailing ".0".
func trimZero(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
