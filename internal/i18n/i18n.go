// Package i18n translates Kefu's messages. Simplified Chinese is the default language and
// English the second; every key exists in both catalogs (a test holds them together).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language Kefu speaks.
type Lang string

// The languages Kefu speaks, Chinese first.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{ZH, EN}

//go:embed catalog/*.json
var catalogFiles embed.FS

var catalogs = map[Lang]map[string]string{}

func init() {
	for _, l := range Langs {
		b, err := catalogFiles.ReadFile("catalog/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: catalog %s: %v", l, err))
		}
		catalogs[l] = m
	}
}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// Match picks the language for an Accept-Language header or a stored preference; Chinese
// when nothing matches.
func Match(pref string) Lang {
	if pref == "" {
		return ZH
	}
	tags, _, err := language.ParseAcceptLanguage(pref)
	if err != nil || len(tags) == 0 {
		return ZH
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return ZH
	}
	return Langs[idx]
}

// Has reports whether key is in the catalogs.
func Has(key string) bool {
	_, ok := catalogs[ZH][key]
	return ok
}

// T translates key into lang, filling {name} placeholders from params. An unknown key
// comes back as itself so a missing translation is visible rather than blank.
func T(lang Lang, key string, params map[string]any) string {
	cat, ok := catalogs[lang]
	if !ok {
		cat = catalogs[ZH]
	}
	s, ok := cat[key]
	if !ok {
		return key
	}
	if len(params) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", fmt.Sprint(v))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Keys lists every key of a language's catalog.
func Keys(lang Lang) []string {
	out := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	return out
}
