package parse

import "strings"

// parseAddressList reads an address header the way mail clients do rather
// than the way RFC 5322 says: names with unquoted commas or dots, raw 8-bit
// names, encoded-words inside quotes, groups and stray comments all occur in
// the wild, and net/mail rejects the whole header for any of them.
func parseAddressList(v string) []Address {
	var out []Address
	var carry string
	for _, piece := range splitAddressPieces(v) {
		if carry != "" {
			piece = carry + ", " + piece
			carry = ""
		}
		if !strings.Contains(piece, "@") {
			// "Smith, John <j@x>" splits into "Smith" and "John <j@x>".
			if strings.TrimSpace(piece) != "" && !strings.Contains(piece, "<") {
				carry = piece
			}
			continue
		}
		if a, ok := parseOneAddress(piece); ok {
			out = append(out, a)
		}
	}
	return out
}

// splitAddressPieces splits on commas and semicolons outside quotes, angle
// brackets and comments, and drops RFC 5322 group names ("team: a@b, c@d;").
func splitAddressPieces(v string) []string {
	var pieces []string
	var cur strings.Builder
	inQuote, angle, comment, hasAt := false, 0, 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(v) {
				cur.WriteByte(c)
				i++
				c = v[i]
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case c == '<' && comment == 0:
			angle++
		case c == '>' && comment == 0 && angle > 0:
			angle--
		case (c == ',' || c == ';') && angle == 0 && comment == 0:
			pieces = append(pieces, cur.String())
			cur.Reset()
			hasAt = false
			continue
		case c == ':' && angle == 0 && comment == 0 && !hasAt:
			cur.Reset() // a group name
			continue
		case c == '@':
			hasAt = true
		}
		cur.WriteByte(c)
	}
	pieces = append(pieces, cur.String())
	return pieces
}

func parseOneAddress(p string) (Address, bool) {
	p = strings.TrimSpace(p)
	var name, email string
	if lt := lastAngleOutsideQuotes(p); lt >= 0 {
		gt := strings.IndexByte(p[lt:], '>')
		if gt < 0 {
			email = p[lt+1:]
		} else {
			email = p[lt+1 : lt+gt]
		}
		name = p[:lt]
		if gt >= 0 && strings.TrimSpace(name) == "" {
			name = extractComment(p[lt+gt+1:])
		}
	} else {
		email, name = p, ""
		if open := strings.IndexByte(p, '('); open >= 0 {
			name = extractComment(p[open:])
			email = p[:open]
		}
	}
	email = cleanEmail(email)
	if email == "" || !strings.Contains(email, "@") {
		return Address{}, false
	}
	name = decodeHeader(unquote(strings.TrimSpace(name)))
	name = strings.Trim(name, `"' `)
	if strings.EqualFold(name, email) {
		name = ""
	}
	return Address{Name: name, Email: email}, true
}

func lastAngleOutsideQuotes(p string) int {
	inQuote, last := false, -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case '<':
			if !inQuote {
				last = i
			}
		}
	}
	return last
}

func extractComment(s string) string {
	open := strings.IndexByte(s, '(')
	closeAt := strings.LastIndexByte(s, ')')
	if open < 0 || closeAt <= open {
		return ""
	}
	return s[open+1 : closeAt]
}

// unquote removes one level of double quotes and backslash escapes; a name
// may be partly quoted ("Zhang" San) so quotes anywhere are dropped.
func unquote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			b.WriteByte(s[i])
			continue
		}
		if c == '"' {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func cleanEmail(e string) string {
	e = strings.TrimSpace(e)
	e = strings.Trim(e, `<>"' `)
	if len(e) >= 7 && strings.EqualFold(e[:7], "mailto:") {
		e = e[7:]
	}
	e = strings.ToLower(strings.Join(strings.Fields(e), ""))
	if strings.Count(e, "@") < 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") {
		return ""
	}
	e = decodeHeader(e) // raw 8-bit (internationalised) addresses
	return strings.ToLower(strings.ReplaceAll(e, " ", ""))
}
