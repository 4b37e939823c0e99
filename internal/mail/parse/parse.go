// Package parse turns a raw RFC 5322 mail into what a help desk needs: the
// decoded addresses and subject, the reply chain ids, the text and safe HTML
// body, attachments and whether a machine sent it. It owns no storage and
// never fails on a merely broken mail: only input that is not a mail at all
// is an error, so the caller can keep the raw bytes and queue them for an
// admin.
//
// The MIME structure (header fields, multipart boundaries) is read by
// github.com/emersion/go-message/textproto; charsets, encoded-words and
// parameters are decoded here because mail in the wild, especially Chinese
// mail, needs more forgiveness than any library offers (see charset.go).
package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// Address is a mailbox from an address header.
type Address struct {
	Name  string `json:"name"`  // display name decoded to UTF-8, "" when absent
	Email string `json:"email"` // lower-cased
}

// Attachment is a non-body part of the mail.
type Attachment struct {
	Filename    string // decoded (RFC 2047 / RFC 2231), safe (no path separators), never empty ("attachment-N" + ext)
	ContentType string // lower-case media type
	ContentID   string // without <>; set whenever the part has a Content-ID
	Inline      bool   // the HTML body shows it through a cid: URL, so a UI need not list it
	Data        []byte // transfer-decoded content
}

// AutoKind says whether a machine wrote the mail; "" means a person did.
type AutoKind string

// The kinds of automatic mail; none of them may ever be answered automatically.
const (
	AutoNone         AutoKind = ""
	AutoReply        AutoKind = "auto-reply"    // Auto-Submitted, X-Autoreply, out-of-office, read receipts
	AutoBulk         AutoKind = "bulk"          // Precedence: bulk / junk
	AutoList         AutoKind = "list"          // mailing lists: List-Id, List-Unsubscribe, Precedence: list
	AutoDSN          AutoKind = "dsn"           // RFC 3464 delivery status notification
	AutoMailerDaemon AutoKind = "mailer-daemon" // From mailer-daemon@ or postmaster@
)

// Message is a parsed mail.
type Message struct {
	MessageID   string   // without <>; "" when the mail has none
	InReplyTo   []string // ids without <>
	References  []string // ids without <>, oldest first as sent
	Subject     string   // decoded UTF-8, whitespace-normalised
	From        Address
	ReplyTo     []Address
	To, Cc      []Address
	Date        time.Time // zero when missing/unparseable
	Text        string    // the text/plain body, or derived from the HTML when only HTML exists
	HTML        string    // sanitised HTML or ""; remote images moved to RemoteSrcAttr; cid: kept; quoted history marked with QuoteAttr (SplitQuotedHTML)
	Attachments []Attachment
	Auto        AutoKind
	Charset     string // the charset actually used to decode the main body (for diagnostics)
}

// Limits that keep a hostile mail from costing more than a normal one.
const (
	maxDepth = 16
	maxParts = 512
)

// ErrNotMail is returned (wrapped) for input that has no mail header at all.
var ErrNotMail = errors.New("not a mail: no header fields")

// Parse parses a raw mail. It never panics; an error means the mail cannot
// be understood at all (the caller keeps the raw bytes and queues it for an
// admin with err.Error() as the reason).
func Parse(raw []byte) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("parse mail: internal error: %v", r)
		}
	}()
	return parseMessage(raw)
}

func parseMessage(raw []byte) (*Message, error) {
	h, body, err := readHeader(raw)
	if err != nil {
		return nil, err
	}
	m := &Message{
		MessageID:  parseMsgID(h.Get("Message-Id")),
		InReplyTo:  parseMsgIDs(strings.Join(h.Values("In-Reply-To"), " ")),
		References: parseMsgIDs(strings.Join(h.Values("References"), " ")),
		Subject:    decodeHeader(h.Get("Subject")),
		ReplyTo:    parseAddressList(strings.Join(h.Values("Reply-To"), ", ")),
		To:         parseAddressList(strings.Join(h.Values("To"), ", ")),
		Cc:         parseAddressList(strings.Join(h.Values("Cc"), ", ")),
		Date:       parseDate(h.Get("Date")),
	}
	for _, key := range []string{"From", "Sender"} {
		if from := parseAddressList(h.Get(key)); len(from) > 0 {
			m.From = from[0]
			break
		}
	}

	w := &walker{}
	var c collector
	w.entity(h, body, 0, "text/plain", &c)
	w.finish(m, &c)
	m.Auto = detectAuto(h, m, w.reportType)
	return m, nil
}

// readHeader splits raw into the top-level header and body. Lines that are
// neither fields nor continuations (an mbox "From " line, garbage from a
// broken gateway) are dropped before go-message reads the header, which
// would otherwise stop at the first of them.
func readHeader(raw []byte) (textproto.Header, []byte, error) {
	raw = bytes.TrimLeft(raw, "\r\n\t ")
	if bytes.HasPrefix(raw, []byte("From ")) {
		if nl := bytes.IndexByte(raw, '\n'); nl >= 0 {
			raw = raw[nl+1:]
		}
	}
	head, body := splitHeaderBody(raw)
	var clean bytes.Buffer
	clean.Grow(len(head) + 2)
	kept := false
	for _, line := range bytes.SplitAfter(head, []byte("\n")) {
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			continue
		}
		if trimmed[0] == ' ' || trimmed[0] == '\t' {
			if kept {
				clean.Write(trimmed)
				clean.WriteString("\r\n")
			}
			continue
		}
		kept = isFieldLine(trimmed)
		if kept {
			clean.Write(trimmed)
			clean.WriteString("\r\n")
		}
	}
	clean.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil && h.Len() == 0 {
		return h, nil, fmt.Errorf("not a mail: %w", err)
	}
	if h.Len() == 0 {
		return h, nil, ErrNotMail
	}
	return h, body, nil
}

// splitHeaderBody finds the blank line that ends the header, accepting LF
// and CRLF line ends.
func splitHeaderBody(raw []byte) (head, body []byte) {
	for i := 0; i < len(raw); {
		nl := bytes.IndexByte(raw[i:], '\n')
		if nl < 0 {
			return raw, nil
		}
		line := raw[i : i+nl]
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return raw[:i], raw[i+nl+1:]
		}
		i += nl + 1
	}
	return raw, nil
}

func isFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(line[:colon], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// collector gathers the body candidates of one branch of the MIME tree.
type collector struct {
	texts, htmls             []string
	textCharset, htmlCharset string
}

func (c *collector) add(o *collector) {
	c.texts = append(c.texts, o.texts...)
	c.htmls = append(c.htmls, o.htmls...)
	if c.textCharset == "" {
		c.textCharset = o.textCharset
	}
	if c.htmlCharset == "" {
		c.htmlCharset = o.htmlCharset
	}
}

type walker struct {
	parts       int
	attachments []Attachment
	reportType  string
}

func (w *walker) entity(h textproto.Header, body []byte, depth int, defaultType string, c *collector) {
	w.parts++
	ct, params := parseMediaHeader(h.Get("Content-Type"))
	if !strings.Contains(ct, "/") {
		ct = defaultType
	}
	switch {
	case strings.HasPrefix(ct, "multipart/") && depth < maxDepth:
		w.multipart(ct, params, body, depth, c)
	case ct == "message/rfc822" || ct == "message/global":
		w.attach(h, ct, params, decodeTransfer(h.Get("Content-Transfer-Encoding"), body))
	default:
		w.leaf(h, ct, params, body, c)
	}
}

func (w *walker) multipart(ct string, params map[string]string, body []byte, depth int, c *collector) {
	if ct == "multipart/report" && w.reportType == "" {
		w.reportType = strings.ToLower(params["report-type"])
	}
	boundary := params["boundary"]
	if boundary == "" {
		boundary = guessBoundary(body)
	}
	if boundary == "" {
		w.leaf(textproto.Header{}, "text/plain", nil, body, c)
		return
	}
	childType := "text/plain"
	if ct == "multipart/digest" {
		childType = "message/rfc822"
	}
	var children []*collector
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	for w.parts < maxParts {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		data, readErr := io.ReadAll(p)
		child := &collector{}
		w.entity(p.Header, data, depth+1, childType, child)
		children = append(children, child)
		if readErr != nil {
			break // a truncated mail: keep what arrived
		}
	}
	if ct != "multipart/alternative" {
		for _, child := range children {
			c.add(child)
		}
		return
	}
	// Alternatives carry the same content: take the first plain text and
	// the last (richest) HTML.
	for _, child := range children {
		if len(child.texts) > 0 {
			c.texts = append(c.texts, child.texts...)
			c.textCharset = child.textCharset
			break
		}
	}
	for i := len(children) - 1; i >= 0; i-- {
		if len(children[i].htmls) > 0 {
			c.htmls = append(c.htmls, children[i].htmls...)
			c.htmlCharset = children[i].htmlCharset
			break
		}
	}
}

var boundaryLine = regexp.MustCompile(`(?m)^--([^\s]{1,200})\s*$`)

// guessBoundary recovers the boundary of a multipart whose Content-Type lost
// its parameter: the first delimiter-looking line of the body.
func guessBoundary(body []byte) string {
	if len(body) > 8192 {
		body = body[:8192]
	}
	if m := boundaryLine.FindSubmatch(body); m != nil {
		return strings.TrimSuffix(string(m[1]), "--")
	}
	return ""
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)`)

func (w *walker) leaf(h textproto.Header, ct string, params map[string]string, body []byte, c *collector) {
	data := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	disposition, dparams := parseMediaHeader(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	isBody := (ct == "text/plain" || ct == "text/html") && disposition != "attachment" && filename == ""
	if !isBody {
		w.attach(h, ct, params, data)
		return
	}
	label := params["charset"]
	if ct == "text/html" {
		if label == "" {
			head := data
			if len(head) > 2048 {
				head = head[:2048]
			}
			if m := metaCharset.FindSubmatch(head); m != nil {
				label = string(m[1])
			}
		}
		s, cs := decodeText(data, label)
		c.htmls = append(c.htmls, s)
		if c.htmlCharset == "" {
			c.htmlCharset = cs
		}
		return
	}
	s, cs := decodeText(data, label)
	s = normaliseNewlines(s)
	if strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	c.texts = append(c.texts, s)
	if c.textCharset == "" {
		c.textCharset = cs
	}
}

func (w *walker) attach(h textproto.Header, ct string, params map[string]string, data []byte) {
	_, dparams := parseMediaHeader(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name == "" && (ct == "message/rfc822" || ct == "message/global") {
		if inner, _, err := readHeader(data); err == nil {
			if subj := decodeHeader(inner.Get("Subject")); subj != "" {
				name = subj + ".eml"
			}
		}
	}
	n := len(w.attachments) + 1
	w.attachments = append(w.attachments, Attachment{
		Filename:    safeFilename(name, ct, n),
		ContentType: ct,
		ContentID:   strings.Trim(strings.TrimSpace(h.Get("Content-Id")), "<> "),
		Data:        data,
	})
}

func normaliseNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func (w *walker) finish(m *Message, c *collector) {
	rawHTML := strings.Join(c.htmls, "\n")
	m.Text = strings.Trim(strings.Join(c.texts, "\n"), "\n")
	m.Charset = c.textCharset
	if rawHTML != "" {
		m.HTML = sanitizeHTML(rawHTML)
		if strings.TrimSpace(m.Text) == "" {
			m.Text = htmlToText(rawHTML)
			m.Charset = c.htmlCharset
		}
	}
	m.Text = strings.TrimRight(m.Text, " \t\n")
	refs := cidReferences(rawHTML)
	for i := range w.attachments {
		a := &w.attachments[i]
		if a.ContentID != "" && refs[strings.ToLower(a.ContentID)] {
			a.Inline = true
		}
	}
	m.Attachments = w.attachments
}
