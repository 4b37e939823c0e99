package parse

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
)

// decodeTransfer undoes the Content-Transfer-Encoding. Broken encodings are
// common (stray characters in base64, "=" not followed by hex in
// quoted-printable), so both decoders recover what they can instead of
// failing the message.
func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64Lenient(string(body))
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err == nil {
			return out
		}
		return decodeQPLenient(body)
	default:
		return body
	}
}

// decodeQPLenient decodes quoted-printable keeping malformed escapes as they
// are, which is what mail clients show.
func decodeQPLenient(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		switch {
		case i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		case i+1 < len(b) && b[i+1] == '\n':
			i++
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			i += 2
		default:
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			switch {
			case j == len(b):
				i = j - 1
			case b[j] == '\n':
				i = j
			case b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n':
				i = j + 1
			default:
				out = append(out, c)
			}
		}
	}
	return out
}
