package portal

import (
	"embed"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/i18n"
)

// The portal's own strings; domain error messages come from internal/i18n. A test holds the
// two languages to the same keys and the templates to known keys.
//
//go:embed i18n/*.json
var catalogFiles embed.FS

var catalogs = i18n.MustLoadPages(catalogFiles, "i18n")

// tr translates a page key; args are name, value pairs (see i18n.Pages.T).
func tr(lang i18n.Lang, key string, args ...any) string { return catalogs.T(lang, key, args...) }

func itoa(n int) string { return strconv.Itoa(n) }

// trimZero writes a size with one decimal, without a trailing ".0".
func trimZero(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
