package web

import (
	"embed"

	"github.com/kefuhq/kefu/internal/i18n"
)

// The UI's own strings; domain error messages come from internal/i18n. A test holds the
// two languages to the same keys and the templates to known keys.
//
//go:embed i18n/*.json
var uiCatalogFiles embed.FS

var uiCatalogs = i18n.MustLoadPages(uiCatalogFiles, "i18n")

// tr translates a page key; args are name, value pairs (see i18n.Pages.T).
func tr(lang i18n.Lang, key string, args ...any) string { return uiCatalogs.T(lang, key, args...) }
