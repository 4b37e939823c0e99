package parse

import (
	"sort"
	"strconv"
	"strings"
)

// parseMediaHeader splits a Content-Type or Content-Disposition value into
// its lower-cased value and parameters. mime.ParseMediaType is not used
// because it rejects the whole header for a duplicate or malformed
// parameter and silently drops RFC 2231 values in any charset other than
// UTF-8 and US-ASCII, and Chinese mailers send filename*=gb2312'zh-cn'%B7….
// Parameter values are returned decoded to UTF-8 (RFC 2231, and the
// non-standard but universal RFC 2047 encoded-words inside quotes).
func parseMediaHeader(v string) (string, map[string]string) {
	value, rest, _ := strings.Cut(v, ";")
	value = strings.ToLower(strings.TrimSpace(value))
	if i := strings.IndexAny(value, " \t"); i >= 0 {
		value = value[:i]
	}
	raw := splitParams(rest)

	type piece struct {
		n       int
		encoded bool
		val     string
	}
	plain := map[string]string{}
	continued := map[string][]piece{}
	for _, kv := range raw {
		k, val := kv[0], kv[1]
		if name, idx, ok := strings.Cut(k, "*"); ok {
			encoded := strings.HasSuffix(idx, "*") || idx == ""
			idx = strings.TrimSuffix(idx, "*")
			n := 0
			if idx != "" {
				var err error
				if n, err = strconv.Atoi(idx); err != nil || n < 0 || n > 999 {
					continue
				}
			}
			continued[name] = append(continued[name], piece{n, encoded, val})
			continue
		}
		if _, dup := plain[k]; !dup {
			plain[k] = val
		}
	}
	params := map[string]string{}
	for k, v := range plain {
		if k == "boundary" {
			params[k] = v // compared byte for byte with the body's delimiter lines
			continue
		}
		params[k] = decodeHeader(v)
	}
	for name, pieces := range continued {
		sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].n < pieces[j].n })
		charset := ""
		var buf []byte
		for i, p := range pieces {
			val := p.val
			if p.encoded {
				if i == 0 {
					// charset'language'value; only the first piece carries them.
					if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
						charset, val = parts[0], parts[2]
					}
				}
				buf = append(buf, percentDecode(val)...)
			} else {
				buf = append(buf, val...)
			}
		}
		s, _ := decodeText(buf, charset)
		if strings.Contains(s, "=?") {
			s = decodeHeader(s)
		}
		params[name] = cleanHeaderText(s) // RFC 2231 wins over the plain form
	}
	return value, params
}

// splitParams tokenises "; k=v; k2="quoted; value"" leniently.
func splitParams(s string) [][2]string {
	var out [][2]string
	for len(s) > 0 {
		s = strings.TrimLeft(s, "; \t\r\n")
		if s == "" {
			break
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 || s[eq] == ';' {
			// a bare token without value: skip it
			if eq < 0 {
				break
			}
			s = s[eq:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			if i < len(s) {
				i++
			}
			s = s[i:]
			// Trailing junk after the closing quote up to the next ';' is dropped.
			if semi := strings.IndexByte(s, ';'); semi >= 0 {
				s = s[semi:]
			} else {
				s = ""
			}
		} else {
			semi := strings.IndexByte(s, ';')
			if semi < 0 {
				val, s = s, ""
			} else {
				val, s = s[:semi], s[semi:]
			}
			val = strings.TrimSpace(val)
		}
		if key != "" {
			out = append(out, [2]string{key, val})
		}
	}
	return out
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
