package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden JSON files in testdata/")

// golden is the JSON form of a parsed mail; attachment bodies are reduced to
// their size and hash so the goldens stay readable.
type golden struct {
	MessageID   string             `json:"message_id"`
	InReplyTo   []string           `json:"in_reply_to"`
	References  []string           `json:"references"`
	Subject     string             `json:"subject"`
	From        Address            `json:"from"`
	ReplyTo     []Address          `json:"reply_to"`
	To          []Address          `json:"to"`
	Cc          []Address          `json:"cc"`
	Date        string             `json:"date"`
	Text        string             `json:"text"`
	HTML        string             `json:"html"`
	Attachments []goldenAttachment `json:"attachments"`
	Auto        AutoKind           `json:"auto"`
	Charset     string             `json:"charset"`
	Ticket      int64              `json:"ticket_number"`
	Topic       string             `json:"topic"`
	Reply       string             `json:"reply"`
	HTMLReply   string             `json:"html_reply,omitempty"` // set when the HTML quotes history
}

type goldenAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id"`
	Inline      bool   `json:"inline"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}

func toGolden(m *Message) golden {
	g := golden{
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		Subject: m.Subject, From: m.From, ReplyTo: m.ReplyTo, To: m.To, Cc: m.Cc,
		Text: m.Text, HTML: m.HTML, Auto: m.Auto, Charset: m.Charset,
		Attachments: []goldenAttachment{},
	}
	for _, list := range []*[]string{&g.InReplyTo, &g.References} {
		if *list == nil {
			*list = []string{}
		}
	}
	for _, list := range []*[]Address{&g.ReplyTo, &g.To, &g.Cc} {
		if *list == nil {
			*list = []Address{}
		}
	}
	if !m.Date.IsZero() {
		g.Date = m.Date.Format(time.RFC3339)
	}
	g.Ticket, _ = TicketNumber(m.Subject)
	g.Topic = StripReplyPrefixes(m.Subject)
	g.Reply, _ = SplitQuoted(m.Text)
	if reply, quoted := SplitQuotedHTML(m.HTML); quoted != "" {
		g.HTMLReply = reply
	}
	for _, a := range m.Attachments {
		sum := sha256.Sum256(a.Data)
		g.Attachments = append(g.Attachments, goldenAttachment{
			Filename: a.Filename, ContentType: a.ContentType, ContentID: a.ContentID,
			Inline: a.Inline, Size: len(a.Data), SHA256: hex.EncodeToString(sum[:]),
		})
	}
	return g
}

func corpus(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in testdata: %v", err)
	}
	return files
}

// TestGolden parses every mail of the corpus and compares the result with
// its golden JSON; `go test ./internal/mail/parse -update` rewrites them.
func TestGolden(t *testing.T) {
	for _, file := range corpus(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(toGolden(m)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := strings.TrimSuffix(file, ".eml") + ".json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("missing golden (run with -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden; got:\n%s", path, got)
			}
		})
	}
}

// FuzzParse feeds the corpus and its mutations to the parser: it must never
// panic and must always hand out valid UTF-8 and safe filenames. Plain
// `go test` runs the seeds and testdata/fuzz regressions; to search:
//
//	go test ./internal/mail/parse -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	bounces, _ := filepath.Glob(filepath.Join("testdata", "bounce", "*.eml"))
	for _, file := range append(corpus(f), bounces...) {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseMessage(raw) // not Parse: its recover would hide the panic
		if err != nil {
			if m != nil {
				t.Fatal("message returned with an error")
			}
			return
		}
		for field, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML, "from": m.From.Name} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", field, s)
			}
		}
		for _, a := range append(append(append([]Address{m.From}, m.To...), m.Cc...), m.ReplyTo...) {
			if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Email) || (a.Email != "" && !strings.Contains(a.Email, "@")) {
				t.Fatalf("bad address %+v", a)
			}
		}
		if strings.ContainsAny(m.Subject, "\r\n\t") {
			t.Fatalf("subject not normalised: %q", m.Subject)
		}
		if m.From.Email != strings.ToLower(m.From.Email) {
			t.Fatalf("from not lower-cased: %q", m.From.Email)
		}
		for _, a := range m.Attachments {
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\") || !utf8.ValidString(a.Filename) || a.Filename == ".." {
				t.Fatalf("unsafe filename %q", a.Filename)
			}
		}
		reply, quoted := SplitQuoted(m.Text)
		if len(reply)+len(quoted) > len(m.Text)+1 {
			t.Fatalf("SplitQuoted grew the text")
		}
		hReply, hQuoted := SplitQuotedHTML(m.HTML)
		if !utf8.ValidString(hReply) || !utf8.ValidString(hQuoted) || (hQuoted == "" && hReply != m.HTML) {
			t.Fatalf("SplitQuotedHTML(%q) = %q, %q", m.HTML, hReply, hQuoted)
		}
		if b := ParseBounce(m); b != nil {
			_ = b.Reason()
			if len(b.Recipients) > 100 || strings.ContainsAny(b.OriginalMessageID, "<>\r\n") {
				t.Fatalf("bounce read badly: %d recipients, original %q", len(b.Recipients), b.OriginalMessageID)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	var mails [][]byte
	size := 0
	for _, file := range corpus(b) {
		raw, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		mails = append(mails, raw)
		size += len(raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range mails {
			if _, err := Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
