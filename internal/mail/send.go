package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/kefuhq/kefu/internal/storage"
)

// outgoing is an outbox row being sent.
type outgoing struct {
	id, mailboxID                          int64
	kind, fromName, to, subject, messageID string
	inReplyTo, refs, body                  string
	cc                                     []string
	attempts                               int
}

// compose builds the MIME message: UTF-8 text, quoted-printable (readable in any client,
// compact for Chinese too), RFC 2047 subject and names, our Message-ID and the thread
// headers. Automatic replies say so (Auto-Submitted, RFC 3834) so that other robots do not
// answer them; agents' replies must not carry it.
func compose(o *outgoing, from string, now time.Time) ([]byte, error) {
	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{{Name: o.fromName, Address: from}})
	h.SetAddressList("To", []*mail.Address{{Address: o.to}})
	if len(o.cc) > 0 {
		var cc []*mail.Address
		for _, a := range o.cc {
			cc = append(cc, &mail.Address{Address: a})
		}
		h.SetAddressList("Cc", cc)
	}
	h.SetSubject(o.subject)
	h.SetMessageID(o.messageID)
	if o.inReplyTo != "" {
		h.Set("In-Reply-To", "<"+o.inReplyTo+">")
	}
	if o.refs != "" {
		var refs []string
		for _, r := range strings.Fields(o.refs) {
			refs = append(refs, "<"+r+">")
		}
		h.Set("References", strings.Join(refs, " "))
	}
	if o.kind == "auto" {
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Auto-Response-Suppress", "All")
	}
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(o.body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReconcileOutbox runs at start-up: a mail left "sending" means a node died during the
// SMTP transaction, so nobody knows whether the server took it. It is queued again with
// the Message-ID it already had; receivers that saw it drop the copy by that id. This is
// the one repeat SMTP itself allows; without the row we would not even know.
func (s *Service) ReconcileOutbox(ctx context.Context) error {
	stale := s.now().Add(-2 * time.Minute).UnixMilli()
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET state = 'queued', last_error = 'interrupted while sending; sent again with the same Message-ID'
			WHERE state = 'sending' AND updated_at < $1`, stale)
		return err
	})
}

// SendDue sends the outbox rows that are due and returns how many it tried.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, COALESCE(mailbox_id, 0), kind, from_name, to_addr, cc, subject, message_id, in_reply_to, refs, body_text, attempts
		FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY id LIMIT 50`, s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	var due []*outgoing
	for rows.Next() {
		o := &outgoing{}
		var cc string
		if err := rows.Scan(&o.id, &o.mailboxID, &o.kind, &o.fromName, &o.to, &cc, &o.subject, &o.messageID, &o.inReplyTo, &o.refs, &o.body, &o.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		json.Unmarshal([]byte(cc), &o.cc)
		due = append(due, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, o := range due {
		if err := s.sendOne(ctx, o); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// sendOne claims a row (queued → sending, committed before any byte goes out), sends it
// and records the outcome.
func (s *Service) sendOne(ctx context.Context, o *outgoing) error {
	var claimed int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, updated_at = $1 WHERE id = $2 AND state = 'queued'`,
			s.now().UnixMilli(), o.id)
		if err != nil {
			return err
		}
		claimed, err = res.RowsAffected()
		return err
	})
	if err != nil || claimed == 0 {
		return err
	}
	o.attempts++
	sendErr := s.deliver(ctx, o)
	now := s.now()
	return s.db.Write(context.WithoutCancel(ctx), func(tx *storage.Tx) error {
		if sendErr == nil {
			_, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET state = 'sent', sent_at = $1, last_error = '', updated_at = $1 WHERE id = $2`, now.UnixMilli(), o.id)
			return err
		}
		state, next := "queued", now.Add(s.backoff(o.attempts))
		var se *smtp.SMTPError
		if o.attempts >= s.opts.MaxAttempts || (errors.As(sendErr, &se) && se.Code >= 500) || errors.Is(sendErr, errNoMailbox) {
			state = "failed" // permanent: retrying cannot help
		}
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET state = $1, next_attempt_at = $2, last_error = $3, updated_at = $4 WHERE id = $5`,
			state, next.UnixMilli(), truncate(sendErr.Error(), 1000), now.UnixMilli(), o.id)
		return err
	})
}

// backoff is the wait before try n+1: RetryBase doubled per try, at most six hours.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.RetryBase << min(attempts-1, 20)
	return min(d, 6*time.Hour)
}

var errNoMailbox = errors.New("the mailbox is gone or has no SMTP server")

func (s *Service) deliver(ctx context.Context, o *outgoing) error {
	box, err := s.loadMailbox(ctx, s.db.Read(), o.mailboxID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && box.SMTPHost == "") {
		return errNoMailbox
	}
	if err != nil {
		return errNoMailbox
	}
	raw, err := compose(o, box.Address, s.now())
	if err != nil {
		return err
	}
	password, err := s.sealer.Open("smtp_password", box.smtpPassword)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(box.SMTPHost, strconv.Itoa(box.SMTPPort))
	tlsConf := &tls.Config{ServerName: box.SMTPHost}
	var c *smtp.Client
	switch box.SMTPTLS {
	case "tls":
		c, err = smtp.DialTLS(addr, tlsConf)
	case "starttls":
		c, err = smtp.DialStartTLS(addr, tlsConf)
	default:
		c, err = smtp.Dial(addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if box.SMTPUser != "" {
		if err := c.Auth(sasl.NewPlainClient("", box.SMTPUser, password)); err != nil {
			return fmt.Errorf("smtp login: %w", err)
		}
	}
	to := append([]string{o.to}, o.cc...)
	if err := c.SendMail(box.Address, to, bytes.NewReader(raw)); err != nil {
		return err
	}
	c.Quit()
	return nil
}
