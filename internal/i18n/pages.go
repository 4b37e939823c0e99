package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
)

// Pages holds the strings of a set of pages (the workspace, the portal) per language, read
// from dir/<lang>.json. Domain error messages stay in this package's own catalogs.
type Pages map[Lang]map[string]string

// MustLoadPages reads every language's page catalog from fsys; a missing or malformed file
// is a build mistake, so it panics at start.
func MustLoadPages(fsys fs.FS, dir string) Pages {
	out := Pages{}
	for _, l := range Langs {
		b, err := fs.ReadFile(fsys, dir+"/"+string(l)+".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: page catalog %s/%s: %v", dir, l, err))
		}
		out[l] = m
	}
	return out
}

// T translates key into lang (Chinese when lang is unknown); args are name, value pairs
// that fill {name} placeholders. An unknown key shows as itself, so a gap is visible (and
// the catalog tests fail first).
func (p Pages) T(lang Lang, key string, args ...any) string {
	cat, ok := p[lang]
	if !ok {
		cat = p[ZH]
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
