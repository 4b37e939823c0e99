package web

import (
	"html/template"
	"strings"

	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/mail/parse"
)

// mailBody is a message's body with the quoted history of an email apart, so the ticket
// page can show the reply and collapse the history (<details>).
type mailBody struct {
	Text, QuotedText string
	HTML, QuotedHTML template.HTML // sanitised when stored (bluemonday)
}

// HasQuote says whether there is history to collapse.
func (b *mailBody) HasQuote() bool { return b.QuotedText != "" || b.QuotedHTML != "" }

// MailBody splits a customer's email: its HTML at the quote the ingest marked
// (mail.QuoteOpen), its text where parse.SplitQuoted finds the history ("> " lines,
// "On … wrote:", "在 … 写道：", "-----原始邮件-----", Outlook's 发件人/发送时间 block). Other
// messages come back whole.
func (e entry) MailBody() *mailBody {
	m := e.Msg
	if m == nil {
		return &mailBody{}
	}
	if m.BodyHTML != "" {
		b := &mailBody{HTML: template.HTML(m.BodyHTML)}
		if m.Channel == "email" && m.AuthorKind == "customer" {
			if i := strings.Index(m.BodyHTML, mail.QuoteOpen); i > 0 && strings.TrimSpace(m.BodyHTML[:i]) != "" {
				b.HTML, b.QuotedHTML = template.HTML(m.BodyHTML[:i]), template.HTML(m.BodyHTML[i:])
			}
		}
		return b
	}
	if m.Channel != "email" || m.AuthorKind != "customer" {
		return &mailBody{Text: m.Body}
	}
	reply, quoted := parse.SplitQuoted(m.Body)
	if strings.TrimSpace(reply) == "" {
		return &mailBody{Text: m.Body} // all history (a forward): show it, not an empty reply
	}
	return &mailBody{Text: reply, QuotedText: quoted}
}
