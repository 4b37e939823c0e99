package parse

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"
)

// headerSegment is a run of a header value: either literal text (possibly raw
// 8-bit bytes) or the payload of one or more RFC 2047 encoded-words.
type headerSegment struct {
	encoded bool
	charset string
	data    []byte
}

// decodeHeader decodes an unfolded header value into clean UTF-8. Unlike
// mime.WordDecoder it joins adjacent encoded-words of the same charset before
// converting them, because mailers split long subjects mid-character (half a
// GBK or UTF-8 sequence in each word), and it decodes raw 8-bit header bytes
// (common from Chinese mailers) by detection instead of dropping them.
func decodeHeader(v string) string {
	segs := splitEncodedWords(v)
	var b strings.Builder
	for _, s := range segs {
		if s.encoded {
			text, _ := decodeText(s.data, s.charset)
			b.WriteString(text)
			continue
		}
		text, _ := decodeText(s.data, "")
		b.WriteString(text)
	}
	return cleanHeaderText(b.String())
}

func splitEncodedWords(v string) []headerSegment {
	var segs []headerSegment
	var lit []byte
	flushLit := func() {
		if len(lit) > 0 {
			segs = append(segs, headerSegment{data: lit})
			lit = nil
		}
	}
	for i := 0; i < len(v); {
		if v[i] == '=' && i+1 < len(v) && v[i+1] == '?' {
			if cs, data, n, ok := parseEncodedWord(v[i:]); ok {
				// Whitespace between two encoded-words is not part of the text.
				if len(segs) > 0 && segs[len(segs)-1].encoded && isAllSpace(lit) {
					lit = nil
				}
				flushLit()
				if last := len(segs) - 1; last >= 0 && segs[last].encoded && segs[last].charset == cs {
					segs[last].data = append(segs[last].data, data...)
				} else {
					segs = append(segs, headerSegment{encoded: true, charset: cs, data: data})
				}
				i += n
				continue
			}
		}
		lit = append(lit, v[i])
		i++
	}
	flushLit()
	return segs
}

func isAllSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// parseEncodedWord parses "=?charset?enc?text?=" at the start of s and returns
// the charset label, the decoded bytes and the length consumed.
func parseEncodedWord(s string) (charset string, data []byte, n int, ok bool) {
	q1 := strings.IndexByte(s[2:], '?')
	if q1 <= 0 || q1 > 64 {
		return "", nil, 0, false
	}
	charset = s[2 : 2+q1]
	if strings.ContainsAny(charset, " \t\r\n=") {
		return "", nil, 0, false
	}
	if star := strings.IndexByte(charset, '*'); star >= 0 { // RFC 2231 language suffix
		charset = charset[:star]
	}
	rest := s[2+q1+1:]
	if len(rest) < 2 || rest[1] != '?' {
		return "", nil, 0, false
	}
	enc := rest[0]
	rest = rest[2:]
	end := strings.Index(rest, "?=")
	if end < 0 {
		return "", nil, 0, false
	}
	text := rest[:end]
	if strings.ContainsAny(text, " \t\r\n") {
		return "", nil, 0, false
	}
	n = 2 + q1 + 1 + 2 + end + 2
	switch enc {
	case 'B', 'b':
		data = decodeBase64Lenient(text)
	case 'Q', 'q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	return charset, data, n, true
}

// decodeBase64Lenient decodes base64 ignoring whitespace and stray
// characters, returning as much as can be recovered. Padding ends a block
// rather than being dropped, because some gateways concatenate separately
// encoded pieces ("QQ==QkM=").
func decodeBase64Lenient(s string) []byte {
	out := make([]byte, 0, len(s)*3/4+3)
	block := make([]byte, 0, len(s))
	flush := func() {
		if len(block)%4 == 1 {
			block = block[:len(block)-1]
		}
		buf := make([]byte, base64.RawStdEncoding.DecodedLen(len(block)))
		n, _ := base64.RawStdEncoding.Decode(buf, block)
		out = append(out, buf[:n]...)
		block = block[:0]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			block = append(block, c)
		case c == '-':
			block = append(block, '+') // URL-safe alphabet seen from some webmails
		case c == '_':
			block = append(block, '/')
		case c == '=':
			flush()
		}
	}
	flush()
	return out
}

func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// cleanHeaderText collapses whitespace (folding, tabs, stray CR/LF) to single
// spaces, drops control characters and trims.
func cleanHeaderText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == 0 {
			space = true
			continue
		}
		if unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
