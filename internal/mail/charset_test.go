package mail

import (
	"context"
	"encoding/base64"
	"mime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// A mail as Chinese mail clients send it — GB2312 subject and sender name, a GBK body, an
// attachment with a Chinese name and one that runs when opened — arrives as readable text
// with the attachment kept and the dangerous one left out (and named).
func TestIngestChineseMailWithAttachments(t *testing.T) {
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	raw := strings.Join([]string{
		"From: " + mime.BEncoding.Encode("gb2312", gbk("王小明")) + " <wang@example.cn>",
		"To: support@example.com",
		"Subject: " + mime.BEncoding.Encode("gb2312", gbk("发票重开申请")),
		"Message-ID: <gbk-1@example.cn>",
		"Date: Mon, 23 Nov 2026 10:00:00 +0800",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=gbk",
		"Content-Transfer-Encoding: base64",
		"",
		base64.StdEncoding.EncodeToString([]byte(gbk("您好，发票抬头写错了，请重开。"))),
		"--b1",
		`Content-Type: application/pdf; name="=?utf-8?B?` + base64.StdEncoding.EncodeToString([]byte("发票.pdf")) + `?="`,
		"Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename*=utf-8''%E5%8F%91%E7%A5%A8.pdf`,
		"",
		base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 invoice")),
		"--b1",
		"Content-Type: application/octet-stream",
		"Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename="setup.exe"`,
		"",
		base64.StdEncoding.EncodeToString([]byte("MZ")),
		"--b1--",
		"",
	}, "\r\n")
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ip := startIMAP(t)
		n := newNode(t, db, t.TempDir())
		n.mailbox(t, "售后", "support@example.com", ip, nil, nil)
		ip.deliver(t, raw)
		n.run(t)
		eventually(t, "the mail processed", func() bool {
			return count(t, db, `SELECT count(*) FROM mail_messages WHERE state <> 'stored'`) == 1
		})
		var subject, customerName, body, state, failure string
		db.Read().QueryRowContext(ctx, `SELECT state, error FROM mail_messages`).Scan(&state, &failure)
		if state != "processed" {
			t.Fatalf("mail %s: %s", state, failure)
		}
		db.Read().QueryRowContext(ctx, `SELECT t.subject, c.name, m.body_text FROM tickets t JOIN customers c ON c.id = t.customer_id
			JOIN messages m ON m.ticket_id = t.id`).Scan(&subject, &customerName, &body)
		if subject != "发票重开申请" || customerName != "王小明" || !strings.Contains(body, "您好，发票抬头写错了，请重开。") || !strings.Contains(body, "setup.exe") {
			t.Errorf("subject %q, customer %q, body %q", subject, customerName, body)
		}
		var filename string
		var size int
		db.Read().QueryRowContext(ctx, `SELECT filename, size FROM attachments`).Scan(&filename, &size)
		if got := count(t, db, `SELECT count(*) FROM attachments`); got != 1 || filename != "发票.pdf" || size != len("%PDF-1.4 invoice") {
			t.Errorf("%d attachments, first %q of %d bytes; want only 发票.pdf", got, filename, size)
		}
	})
}
