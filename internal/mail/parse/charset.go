package parse

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode/utf32"

	xunicode "golang.org/x/text/encoding/unicode"
)

// Canonical names reported in Message.Charset.
const (
	csUTF8     = "utf-8"
	csASCII    = "us-ascii"
	csGB18030  = "gb18030"
	csBig5     = "big5"
	csW1252    = "windows-1252"
	csISO2022J = "iso-2022-jp"
)

// normaliseCharset maps the labels found in the wild to one canonical name.
// GB2312 and GBK are decoded as GB18030: senders routinely label GBK (or
// GB18030) text "gb2312", and GB18030 is a strict superset of both.
func normaliseCharset(label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, `"'`)
	switch l {
	case "":
		return ""
	case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
		return csUTF8
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "646", "7bit", "8bit", "default", "x-unknown", "unknown-8bit":
		return csASCII
	case "gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "x-euc-cn", "csgb2312", "gb_2312-80", "gb2312-80", "chinese", "iso-ir-58", "ms936", "windows-936", "x-mac-chinesesimp":
		return csGB18030
	case "big5", "big-5", "big5-hkscs", "x-big5", "cp950", "ms950", "windows-950", "csbig5", "cn-big5", "x-x-big5", "x-mac-chinesetrad":
		return csBig5
	case "hz-gb-2312", "hz":
		return "hz-gb-2312"
	case "iso-8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "iso8859-1", "cp1252", "windows-1252", "cp819", "ibm819", "x-cp1252":
		// WHATWG: iso-8859-1 is decoded as windows-1252 everywhere, because
		// that is what the senders meant.
		return csW1252
	}
	if strings.HasPrefix(l, "iso-2022-jp") || l == "csiso2022jp" {
		return csISO2022J
	}
	if enc, err := htmlindex.Get(l); err == nil {
		if name, err := htmlindex.Name(enc); err == nil {
			switch name {
			case "gbk", "gb18030":
				return csGB18030
			case "big5":
				return csBig5
			case "iso-8859-1", "windows-1252":
				return csW1252
			}
			return name
		}
	}
	switch l {
	case "utf-32", "utf-32le", "utf-32be", "utf-7", "x-utf-7", "unicode-1-1-utf-7":
		return l
	}
	return "unknown:" + l
}

// encodingFor returns the decoder for a canonical charset, or nil for UTF-8,
// ASCII and charsets we do not know.
func encodingFor(cs string) encoding.Encoding {
	switch cs {
	case csGB18030:
		return simplifiedchinese.GB18030
	case csBig5:
		return traditionalchinese.Big5
	case "hz-gb-2312":
		return simplifiedchinese.HZGB2312
	case csISO2022J:
		return japanese.ISO2022JP
	case csW1252:
		return charmap.Windows1252
	case "utf-16le":
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM)
	case "utf-16be", "utf-16":
		return xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM)
	case "utf-32", "utf-32be":
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case "utf-32le":
		return utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	case "", csUTF8, csASCII:
		return nil
	}
	if strings.HasPrefix(cs, "unknown:") {
		return nil
	}
	if enc, err := htmlindex.Get(cs); err == nil {
		return enc
	}
	return nil
}

// decodeText turns the bytes of a text part or header into valid UTF-8 and
// reports the charset it actually used. The declared label is a hint, not a
// fact: mail in the wild labels GBK text "us-ascii" or "iso-8859-1", labels
// UTF-8 as "gb2312", or declares nothing at all. The rules, in order:
//
//  1. pure 7-bit bytes: decode with the declared charset (this matters for
//     ISO-2022-JP and HZ, which are 7-bit), or as ASCII;
//  2. bytes that are valid UTF-8 are UTF-8 whatever the label (a long GBK or
//     Latin-1 text is almost never valid UTF-8), except when they read as
//     nonsense and the declared or a guessed CJK charset reads as Chinese:
//     short GBK strings such as names can be valid UTF-8 (decodeValidUTF8);
//  3. a known, specific declared charset decodes the bytes if it does so
//     without errors;
//  4. otherwise (no label, ascii/latin1/utf-8 labels, unknown labels, or a
//     label that does not fit) the bytes are GB18030 when they decode cleanly
//     into mostly CJK text, then Big5 the same way;
//  5. last resort: the declared charset, or Windows-1252, with invalid bytes
//     replaced.
func decodeText(b []byte, label string) (string, string) {
	cs := normaliseCharset(label)
	if isASCII(b) {
		if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) {
			cs = csISO2022J
		}
		if enc := encodingFor(cs); enc != nil && (cs == csISO2022J || cs == "hz-gb-2312" || cs == "utf-7") {
			if s, ok := decodeStrict(enc, b); ok {
				return s, cs
			}
		}
		if cs == "" || strings.HasPrefix(cs, "unknown:") {
			cs = csASCII
		}
		if strings.HasPrefix(cs, "utf-16") || strings.HasPrefix(cs, "utf-32") {
			if enc := encodingFor(cs); enc != nil {
				if s, ok := decodeStrict(enc, b); ok {
					return s, cs
				}
			}
			cs = csASCII
		}
		return string(b), cs
	}
	wide := strings.HasPrefix(cs, "utf-16") || strings.HasPrefix(cs, "utf-32")
	specific := cs != "" && cs != csASCII && cs != csUTF8 && cs != csW1252 && !strings.HasPrefix(cs, "unknown:")
	if !wide && utf8.Valid(b) {
		if s, used, ok := decodeValidUTF8(b, cs, specific); ok {
			return s, used
		}
	}
	if specific {
		if enc := encodingFor(cs); enc != nil {
			if s, ok := decodeStrict(enc, b); ok {
				return s, cs
			}
		}
	}
	if s, guess, ok := guessCJK(b, cs); ok {
		return s, guess
	}
	if specific {
		if enc := encodingFor(cs); enc != nil {
			return decodeLossy(enc, b), cs
		}
	}
	if cs == csUTF8 {
		return strings.ToValidUTF8(string(b), "\uFFFD"), csUTF8
	}
	return decodeLossy(charmap.Windows1252, b), csW1252
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeStrict decodes b and reports whether it did so without replacing
// anything, i.e. whether b is plausibly in this charset.
func decodeStrict(enc encoding.Encoding, b []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return "", false
	}
	s := string(out)
	if strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(b, []byte("\xef\xbf\xbd")) {
		return "", false
	}
	return s, true
}

// guessCJK tries GB18030, then Big5, on bytes whose label cannot be
// trusted. A few undecodable bytes are tolerated (a character cut in half
// by a broken gateway or a truncated mail) when the rest reads as Chinese.
func guessCJK(b []byte, skip string) (string, string, bool) {
	for _, guess := range []string{csGB18030, csBig5} {
		if guess == skip {
			continue
		}
		out, err := encodingFor(guess).NewDecoder().Bytes(b)
		if err != nil {
			continue
		}
		s := strings.ToValidUTF8(string(out), "\uFFFD")
		if bad := strings.Count(s, "\uFFFD"); bad > 1 && bad*50 > utf8.RuneCountInString(s) {
			continue
		}
		if mostlyCJK(s) && plausibleDoubleByte(b, guess) {
			return s, guess, true
		}
	}
	return "", "", false
}

func decodeLossy(enc encoding.Encoding, b []byte) string {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// mostlyCJK reports whether most non-ASCII letters in s are CJK: a Latin-1
// text that happens to decode as GB18030 turns into rare ideographs mixed
// with symbols, so it also has to contain no private-use or control runes.
func mostlyCJK(s string) bool {
	cjk, other := 0, 0
	for _, r := range s {
		if r < 0x80 {
			continue
		}
		switch {
		case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r),
			unicode.Is(unicode.Hangul, r), r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF,
			r >= 0x2000 && r <= 0x206F:
			cjk++
		case unicode.Is(unicode.Co, r), unicode.IsControl(r):
			return false
		default:
			other++
		}
	}
	return cjk > 0 && cjk >= 2*other
}

// plausibleDoubleByte looks at the trail bytes of the double-byte pairs. A
// Western text read as GBK or Big5 pairs an accented letter with the ASCII
// letter after it ("Très" -> 0xE8 's'), so its trail bytes are ASCII; in real
// Chinese text most pairs have both bytes at 0xA1 or above (all of GB2312
// does, and most common Big5 characters).
func plausibleDoubleByte(b []byte, cs string) bool {
	high, low := 0, 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < 0x81 || i+1 >= len(b) {
			continue
		}
		t := b[i+1]
		if cs == csGB18030 && t >= '0' && t <= '9' { // four-byte GB18030 sequence
			i += 3
			continue
		}
		if c >= 0xA1 && t >= 0xA1 {
			high++
		} else {
			low++
		}
		i++
	}
	if cs == csBig5 {
		return high > 0 && 2*high >= low
	}
	return high > 0 && high >= 2*low
}

// decodeValidUTF8 decides what bytes that happen to be valid UTF-8 are. Two
// GBK characters like 郑 (D6 A3) or 强 (C7 BF) are also valid UTF-8 (a
// Hebrew accent, a Latin letter), so for short strings "valid UTF-8" is not
// enough: a declared CJK charset wins unless the UTF-8 reading is itself
// Chinese, and without a label the UTF-8 reading has to look like text.
func decodeValidUTF8(b []byte, cs string, specific bool) (string, string, bool) {
	u := string(b)
	switch {
	case specific && isCJKCharset(cs):
		if mostlyCJK(u) {
			return u, csUTF8, true
		}
		if enc := encodingFor(cs); enc != nil {
			if s, ok := decodeStrict(enc, b); ok {
				return s, cs, true
			}
		}
		return u, csUTF8, true
	case specific:
		if plausibleUnicode(u) {
			return u, csUTF8, true
		}
		return "", "", false
	default:
		if plausibleUnicode(u) {
			return u, csUTF8, true
		}
		if s, guess, ok := guessCJK(b, ""); ok {
			return s, guess, true
		}
		return u, csUTF8, true
	}
}

func isCJKCharset(cs string) bool {
	switch cs {
	case csGB18030, csBig5, "hz-gb-2312", csISO2022J, "shift_jis", "euc-jp", "euc-kr":
		return true
	}
	return false
}

// plausibleUnicode reports whether every rune of s belongs to a script or
// symbol block that people write mail in; mis-read legacy bytes land in
// combining marks, IPA, Armenian, Syriac and similar blocks.
func plausibleUnicode(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x80,
			r >= 0xA0 && r <= 0x24F,      // Latin-1 supplement, Latin extended A/B
			r >= 0x370 && r <= 0x3FF,     // Greek
			r >= 0x400 && r <= 0x4FF,     // Cyrillic
			r >= 0x5D0 && r <= 0x5EA,     // Hebrew letters
			r >= 0x600 && r <= 0x6FF,     // Arabic
			r >= 0x900 && r <= 0x97F,     // Devanagari
			r >= 0xE00 && r <= 0xE7F,     // Thai
			r >= 0x1E00 && r <= 0x1EFF,   // Latin extended additional (Vietnamese)
			r >= 0x2000 && r <= 0x2BFF,   // punctuation, symbols, arrows
			r >= 0x2E80 && r <= 0x9FFF,   // CJK radicals, punctuation, kana, ideographs
			r >= 0xAC00 && r <= 0xD7AF,   // Hangul
			r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
			r >= 0xFE30 && r <= 0xFFEF,   // CJK compatibility forms, full-width forms
			r >= 0x1F000 && r <= 0x1FAFF, // emoji
			r >= 0x20000 && r <= 0x3FFFF: // CJK extensions
			continue
		default:
			return false
		}
	}
	return true
}
