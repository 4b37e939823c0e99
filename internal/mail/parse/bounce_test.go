package parse

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The bounce samples under testdata/bounce follow what the servers send (Postfix's
// "Undelivered Mail Returned to Sender", an Exchange Online NDR in Chinese, QQ Mail's
// 系统退信 without a report, a plain mailer-daemon notice quoting the headers); each
// returns a mail of ours with this Message-ID.
const bouncedID = "kefu.10001.0a1b2c3d4e5f6a7b@kefu.example"

func TestParseBounce(t *testing.T) {
	tests := []struct {
		file   string
		auto   AutoKind
		rcpts  []BounceRecipient
		reason string
	}{
		{"postfix.eml", AutoDSN, []BounceRecipient{{
			Address: "wangfang@example.cn", Action: "failed", Status: "5.1.1",
			Diagnostic: "550 5.1.1 <wangfang@example.cn>: Recipient address rejected: User unknown in virtual mailbox table",
		}}, "wangfang@example.cn: 550 5.1.1 <wangfang@example.cn>: Recipient address rejected: User unknown in virtual mailbox table"},
		{"exchange-zh.eml", AutoDSN, []BounceRecipient{{
			Address: "li.na@contoso.partner.example", Action: "failed", Status: "5.1.10",
			Diagnostic: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
		}}, "li.na@contoso.partner.example: 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
		{"qqmail.eml", AutoMailerDaemon, []BounceRecipient{{
			Address: "zhaolei8866@qq.com", Action: "failed", Diagnostic: "收件人邮箱地址不存在或已被冻结，请核实后再发送。",
		}}, "zhaolei8866@qq.com: 收件人邮箱地址不存在或已被冻结，请核实后再发送。"},
		{"plain-daemon.eml", AutoMailerDaemon, []BounceRecipient{{
			Address: "chen.jing@example.cn", Action: "failed", Diagnostic: "550 Mailbox not found",
		}}, "chen.jing@example.cn: 550 Mailbox not found"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "bounce", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if m.Auto != tt.auto {
				t.Errorf("Auto = %q; want %q", m.Auto, tt.auto)
			}
			b := ParseBounce(m)
			if b == nil {
				t.Fatal("not read as a bounce")
			}
			if b.OriginalMessageID != bouncedID {
				t.Errorf("original Message-ID %q; want %q", b.OriginalMessageID, bouncedID)
			}
			if !reflect.DeepEqual(b.Recipients, tt.rcpts) {
				t.Errorf("recipients\n got %+v\nwant %+v", b.Recipients, tt.rcpts)
			}
			if got := b.Reason(); got != tt.reason {
				t.Errorf("Reason() = %q; want %q", got, tt.reason)
			}
			if !b.Failed() {
				t.Error("Failed() = false")
			}
		})
	}
}

func TestParseBounceOnlyForAutomaticMail(t *testing.T) {
	m, err := Parse([]byte("From: zhang@example.cn\r\nSubject: 退信了吗\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMessage-ID: <x@y>\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b := ParseBounce(m); b != nil {
		t.Errorf("a person's mail read as a bounce: %+v", b)
	}
	delayed := &Bounce{Recipients: []BounceRecipient{{Address: "a@example.cn", Action: "delayed", Status: "4.4.1", Diagnostic: "451 4.4.1 connection timed out"}}}
	if delayed.Failed() || delayed.Reason() != "a@example.cn: 451 4.4.1 connection timed out" {
		t.Errorf("a delay is not a failure but says why: Failed %v, Reason %q", delayed.Failed(), delayed.Reason())
	}
	delivered := &Bounce{Recipients: []BounceRecipient{{Address: "a@example.cn", Action: "delivered", Status: "2.0.0"}}}
	if delivered.Failed() || delivered.Reason() != "" {
		t.Errorf("a success report: Failed %v, Reason %q", delivered.Failed(), delivered.Reason())
	}
}
