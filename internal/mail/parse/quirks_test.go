package parse

import (
	"strings"
	"testing"
)

// TestParseQuirks covers structural deviations seen from real mailers that
// the golden corpus does not show on its own.
func TestParseQuirks(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		text        string
		attachments []string // filenames
	}{
		{"multipart without boundary parameter",
			"From: a@example.cn\nContent-Type: multipart/alternative\n\n--lost\nContent-Type: text/plain\n\n找回的正文\n--lost--\n",
			"找回的正文", nil},
		{"transfer encoding on a multipart is ignored",
			"From: a@example.cn\nContent-Type: multipart/mixed; boundary=x\nContent-Transfer-Encoding: base64\n\n--x\nContent-Type: text/plain\n\nplain\n--x--\n",
			"plain", nil},
		{"content type without subtype falls back to text/plain",
			"From: a@example.cn\nContent-Type: text\n\nhello\n",
			"hello", nil},
		{"upper-case encodings and charset",
			"From: a@example.cn\nContent-Type: TEXT/PLAIN; CHARSET=UTF-8\nContent-Transfer-Encoding: BASE64\n\n5L2g5aW9\n",
			"你好", nil},
		{"missing closing boundary keeps the parts that arrived",
			"From: a@example.cn\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nfirst\n--x\nContent-Type: application/pdf; name=a.pdf\n\n%PDF-1.4",
			"first", []string{"a.pdf"}},
		{"preamble and epilogue ignored",
			"From: a@example.cn\nContent-Type: multipart/mixed; boundary=x\n\nThis is a multi-part message.\n--x\nContent-Type: text/plain\n\nbody\n--x--\nepilogue junk\n",
			"body", nil},
		{"text part with a filename is an attachment",
			"From: a@example.cn\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nbody\n--x\nContent-Type: text/plain; name=\"log.txt\"\n\nlog line\n--x--\n",
			"body", []string{"log.txt"}},
		{"calendar invitation is an attachment",
			"From: a@example.cn\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\n会议邀请\n--x\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--x--\n",
			"会议邀请", []string{"attachment-1.ics"}},
		{"digest parts default to message/rfc822",
			"From: a@example.cn\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: first\n\none\n--d--\n",
			"", []string{"first.eml"}},
		{"crlf and lone cr line ends",
			"From: a@example.cn\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\rline3\r\n",
			"line1\nline2\nline3", nil},
		{"header without body",
			"From: a@example.cn\nSubject: only headers",
			"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.text {
				t.Errorf("Text = %q; want %q", m.Text, tt.text)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			if strings.Join(names, "|") != strings.Join(tt.attachments, "|") {
				t.Errorf("attachments %q; want %q", names, tt.attachments)
			}
		})
	}
}
