package parse

import (
	"regexp"
	"strings"
)

var msgIDPattern = regexp.MustCompile(`<([^<>\s]+)>`)

// parseMsgIDs extracts message ids from In-Reply-To/References. Bracketed ids
// are taken as they are; without brackets, whitespace-separated tokens that
// look like ids (contain "@") are accepted, as some mailers omit the brackets.
func parseMsgIDs(v string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] || !isPrintableASCII(id) {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if m := msgIDPattern.FindAllStringSubmatch(v, -1); len(m) > 0 {
		for _, x := range m {
			add(x[1])
		}
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		if strings.Contains(f, "@") {
			add(strings.Trim(f, `"'`))
		}
	}
	return ids
}

func parseMsgID(v string) string {
	if ids := parseMsgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	v = strings.TrimSpace(v)
	if v != "" && !strings.ContainsAny(v, " \t") && isPrintableASCII(v) {
		return v
	}
	return ""
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
