package parse

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestAutoKind(t *testing.T) {
	const plain = "Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
	tests := []struct {
		name    string
		headers string
		want    AutoKind
	}{
		{"a person", "From: a@example.cn\r\nSubject: 订单问题\r\n", AutoNone},
		{"auto-submitted no is a person", "From: a@example.cn\r\nAuto-Submitted: no\r\n", AutoNone},
		{"auto-replied", "From: a@example.cn\r\nAuto-Submitted: auto-replied\r\n", AutoReply},
		{"auto-generated with parameter", "From: a@example.cn\r\nAuto-Submitted: auto-generated; owner-email=\"x@example.cn\"\r\n", AutoReply},
		{"x-autoreply", "From: a@example.cn\r\nX-Autoreply: yes\r\n", AutoReply},
		{"x-autorespond", "From: a@example.cn\r\nX-Autorespond: vacation\r\n", AutoReply},
		{"precedence bulk", "From: a@example.cn\r\nPrecedence: bulk\r\n", AutoBulk},
		{"precedence junk", "From: a@example.cn\r\nPrecedence: JUNK\r\n", AutoBulk},
		{"precedence list", "From: a@example.cn\r\nPrecedence: list\r\n", AutoList},
		{"list-id", "From: a@example.cn\r\nList-Id: <users.example.org>\r\n", AutoList},
		{"list-unsubscribe", "From: a@example.cn\r\nList-Unsubscribe: <mailto:u@example.org>\r\n", AutoList},
		{"mailer-daemon", "From: MAILER-DAEMON@mx.example.cn\r\n", AutoMailerDaemon},
		{"postmaster with name", "From: =?UTF-8?B?57O757uf?= <postmaster@example.cn>\r\n", AutoMailerDaemon},
		{"chinese out-of-office subject", "From: a@example.cn\r\nSubject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya5oiR5Zyo5LyR5YGH?=\r\n", AutoReply},
		{"outlook automatic reply subject", "From: a@example.cn\r\nSubject: Automatic reply: your ticket\r\n", AutoReply},
		{"subject merely mentioning auto reply", "From: a@example.cn\r\nSubject: auto replying is broken\r\n", AutoNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.headers + plain))
			if err != nil {
				t.Fatal(err)
			}
			if m.Auto != tt.want {
				t.Errorf("Auto = %q; want %q", m.Auto, tt.want)
			}
		})
	}
}

func TestAutoKindReports(t *testing.T) {
	report := func(reportType string) string {
		return "From: gateway@example.cn\r\nContent-Type: multipart/report; report-type=" + reportType + "; boundary=r\r\n\r\n" +
			"--r\r\nContent-Type: text/plain\r\n\r\nnotice\r\n--r\r\nContent-Type: message/" + reportType + "\r\n\r\nAction: failed\r\n--r--\r\n"
	}
	for reportType, want := range map[string]AutoKind{"delivery-status": AutoDSN, "disposition-notification": AutoReply} {
		m, err := Parse([]byte(report(reportType)))
		if err != nil {
			t.Fatal(err)
		}
		if m.Auto != want {
			t.Errorf("report-type %s: Auto = %q; want %q", reportType, m.Auto, want)
		}
		if m.Text != "notice" || len(m.Attachments) != 1 {
			t.Errorf("report-type %s: text %q, %d attachments", reportType, m.Text, len(m.Attachments))
		}
	}
}

func TestParseRejectsNonMail(t *testing.T) {
	for _, raw := range []string{"", "\r\n\r\n", "just some text without any header\nsecond line\n", "\x00\x01\x02"} {
		m, err := Parse([]byte(raw))
		if err == nil || m != nil {
			t.Errorf("Parse(%q) = %v, %v; want an error", raw, m, err)
			continue
		}
		if !errors.Is(err, ErrNotMail) && !strings.HasPrefix(err.Error(), "not a mail") {
			t.Errorf("Parse(%q) error %q does not say why", raw, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	// A mail nested far deeper than any client produces is cut off at
	// maxDepth instead of recursing without bound.
	var b strings.Builder
	b.WriteString("From: a@example.cn\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	const depth = 200
	for i := 1; i <= depth; i++ {
		b.WriteString("--b" + strconv.Itoa(i-1) + "\r\nContent-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\r\n\r\n")
	}
	b.WriteString("--b" + strconv.Itoa(depth) + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
	m, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "deep") {
		t.Errorf("text from below maxDepth was parsed as body: %q", m.Text)
	}

	// Many parts: only maxParts are looked at.
	b.Reset()
	b.WriteString("From: a@example.cn\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for range 2 * maxParts {
		b.WriteString("--x\r\nContent-Type: application/octet-stream\r\n\r\nA\r\n")
	}
	b.WriteString("--x--\r\n")
	if m, err = Parse([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) >= maxParts {
		t.Errorf("%d attachments; want fewer than %d", len(m.Attachments), maxParts)
	}
}
