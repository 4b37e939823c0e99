package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/mail/parse"
)

// dedupKey is a received mail's identity, stored as the ticket message's dedup key so that
// the database itself refuses a second message for the same mail.
//
// Why Message-ID and a hash of the content, and not the raw bytes or the Message-ID alone:
//   - The raw bytes differ between copies of one mail: each mailbox's server adds its own
//     Received and Delivered-To lines, so raw hashes would let a mail sent to two of our
//     mailboxes become two messages.
//   - Message-IDs are reused in the wild (broken mailers, templates sending every mail with
//     one id), so the id alone would swallow different mails.
//   - The content hash covers what the customer wrote and sent: sender, subject, date, text,
//     HTML and each attachment's SHA-256 — the parts every copy shares.
//
// A mail without a Message-ID is identified by the content hash alone. The mailbox is left
// out on purpose: the same mail reaching two of our mailboxes is one customer message.
func dedupKey(m *parse.Message) string {
	h := sha256.New()
	part := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	part(strings.ToLower(m.From.Email))
	part(m.Subject)
	if !m.Date.IsZero() {
		part(fmt.Sprint(m.Date.Unix()))
	} else {
		part("")
	}
	part(m.Text)
	part(m.HTML)
	for _, a := range m.Attachments {
		part(a.Filename)
		part(blob.Sum(a.Data))
	}
	content := hex.EncodeToString(h.Sum(nil))
	id := strings.Trim(strings.TrimSpace(m.MessageID), "<>")
	if id == "" {
		return "mail:" + content
	}
	sum := sha256.Sum256([]byte(id + "\x00" + content))
	return "mail:" + hex.EncodeToString(sum[:])
}
