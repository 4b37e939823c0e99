package parse

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Bounce is what a delivery status notification says about a mail we sent: which mail
// (its Message-ID) and what happened to each recipient.
type Bounce struct {
	// OriginalMessageID is the Message-ID of the mail that did not arrive (without <>),
	// from the returned message or headers; "" when the notification does not quote it.
	OriginalMessageID string
	Recipients        []BounceRecipient
}

// BounceRecipient is one per-recipient block of an RFC 3464 report.
type BounceRecipient struct {
	Address    string // Final-Recipient (or Original-Recipient) without its "rfc822;" type
	Action     string // failed, delayed, delivered, relayed, expanded (lower case)
	Status     string // the enhanced status code, e.g. 5.1.1
	Diagnostic string // Diagnostic-Code without its "smtp;" type: the remote server's words
}

// Failed reports whether the notification says the mail will not arrive: a recipient
// failed, or a non-standard bounce (no report at all) from a mailer daemon.
func (b *Bounce) Failed() bool {
	if len(b.Recipients) == 0 {
		return true
	}
	for _, r := range b.Recipients {
		if r.Action == "failed" || strings.HasPrefix(r.Status, "5") {
			return true
		}
	}
	return false
}

// Reason is the recipients and the remote server's words in one line, for a person.
func (b *Bounce) Reason() string {
	var parts []string
	for _, r := range b.Recipients {
		if r.Action == "delivered" || r.Action == "relayed" || r.Action == "expanded" {
			continue
		}
		why := r.Diagnostic
		if why == "" {
			why = r.Status
		}
		if r.Address != "" && why != "" {
			parts = append(parts, r.Address+": "+why)
		} else if r.Address+why != "" {
			parts = append(parts, r.Address+why)
		}
	}
	return strings.Join(parts, "; ")
}

var (
	// Message-ID lines quoted in the text of a bounce that returns no MIME part
	// (QQ Mail's and several Chinese gateways' notices, qmail).
	quotedMessageID = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*(<[^>\r\n]{1,500}>)`)
	// "<nobody@example.cn>: host ... said: 550 ..." (Postfix, qmail) in a bounce's text.
	textRecipient = regexp.MustCompile(`(?m)^<([^<>\s@]+@[^<>\s]+)>:?\s*(.*)$`)
	// QQ Mail's and NetEase's notices in words: "原因：…", "收件人：…".
	textReason = regexp.MustCompile(`(?im)^[ \t]*(?:原因|退信原因|失败原因|reason)[ \t]*[:：][ \t]*(\S.*)$`)
	textRcpt   = regexp.MustCompile(`(?im)^[ \t]*(?:收件人|recipient)[ \t]*[:：][ \t]*<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$`)
)

// ParseBounce reads a delivery status notification (RFC 3464), or a mailer daemon's
// notice that is not one, from a parsed mail; nil when m is not automatic mail of that
// kind. The report and the returned mail are the attachments Parse kept
// (message/delivery-status, text/rfc822-headers, message/rfc822); a notice without them
// is searched for a quoted Message-ID line.
func ParseBounce(m *Message) *Bounce {
	if m == nil || (m.Auto != AutoDSN && m.Auto != AutoMailerDaemon) {
		return nil
	}
	b := &Bounce{}
	for _, a := range m.Attachments {
		switch strings.ToLower(a.ContentType) {
		case "message/delivery-status", "message/global-delivery-status":
			b.Recipients = append(b.Recipients, deliveryStatus(a.Data)...)
		case "text/rfc822-headers", "message/rfc822", "message/global", "message/global-headers":
			if b.OriginalMessageID == "" {
				if h, _, err := readHeader(a.Data); err == nil {
					b.OriginalMessageID = parseMsgID(h.Get("Message-Id"))
				}
			}
		}
	}
	if b.OriginalMessageID == "" {
		if sm := quotedMessageID.FindStringSubmatch(m.Text); sm != nil {
			b.OriginalMessageID = parseMsgID(sm[1])
		}
	}
	if len(b.Recipients) == 0 {
		for _, sm := range textRecipient.FindAllStringSubmatch(m.Text, 20) {
			b.Recipients = append(b.Recipients, BounceRecipient{Address: strings.ToLower(sm[1]), Action: "failed", Diagnostic: truncateLine(sm[2])})
		}
	}
	if len(b.Recipients) == 0 {
		r := BounceRecipient{Action: "failed"}
		if sm := textReason.FindStringSubmatch(m.Text); sm != nil {
			r.Diagnostic = truncateLine(sm[1])
		}
		if sm := textRcpt.FindStringSubmatch(m.Text); sm != nil {
			r.Address = strings.ToLower(sm[1])
		}
		if r.Address != "" || r.Diagnostic != "" {
			b.Recipients = append(b.Recipients, r)
		}
	}
	return b
}

// deliveryStatus reads the per-recipient blocks of a message/delivery-status body: a
// per-message block, then one block per recipient, separated by blank lines, each in
// header syntax.
func deliveryStatus(data []byte) []BounceRecipient {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	var out []BounceRecipient
	for _, block := range bytes.Split(data, []byte("\n\n")) {
		block = bytes.TrimSpace(block)
		if len(block) == 0 || len(out) >= 100 {
			continue
		}
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(block, "\n\n"...))))
		if err != nil && h.Len() == 0 {
			continue
		}
		addr := typedValue(h.Get("Final-Recipient"))
		if addr == "" {
			addr = typedValue(h.Get("Original-Recipient"))
		}
		if addr == "" && !h.Has("Action") {
			continue // the per-message block (Reporting-MTA, Arrival-Date)
		}
		out = append(out, BounceRecipient{
			Address:    strings.ToLower(strings.Trim(addr, "<>")),
			Action:     strings.ToLower(strings.TrimSpace(h.Get("Action"))),
			Status:     strings.TrimSpace(h.Get("Status")),
			Diagnostic: truncateLine(typedValue(decodeHeader(h.Get("Diagnostic-Code")))),
		})
	}
	return out
}

// typedValue drops the type of "rfc822; a@b" or "smtp; 550 ...".
func typedValue(v string) string {
	v = strings.TrimSpace(v)
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(t, " \t") {
		v = rest
	}
	return strings.TrimSpace(v)
}

// truncateLine keeps a diagnostic readable: one line, at most 300 characters.
func truncateLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}
