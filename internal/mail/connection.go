package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
)

// Where a connection check stopped. The UI translates these; Detail keeps the server's
// own words, which no catalog can.
const (
	StageConnect  = "connect"  // no connection, or the TLS handshake failed
	StagePassword = "password" // the stored password cannot be opened (the secret key changed)
	StageLogin    = "login"    // the server refused the user or password
	StageFolder   = "folder"   // the IMAP folder cannot be selected
	StageTimeout  = "timeout"  // the server did not answer in time
)

// Stages lists where a connection check can stop.
var Stages = []string{StageConnect, StagePassword, StageLogin, StageFolder, StageTimeout}

// checkTimeout bounds one protocol's check: an admin waits for the answer.
const checkTimeout = 20 * time.Second

// ConnectionCheck is what trying a mailbox's servers found.
type ConnectionCheck struct {
	IMAP ProtocolCheck `json:"imap"`
	SMTP ProtocolCheck `json:"smtp"`
}

// ProtocolCheck is one server's outcome: OK, not configured (SMTP is optional), or the
// stage it failed at with the server's words.
type ProtocolCheck struct {
	Configured bool   `json:"configured"`
	OK         bool   `json:"ok"`
	Stage      string `json:"stage,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// stageError is an error that knows where in a connection it happened.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

func failedAt(err error) ProtocolCheck {
	pc := ProtocolCheck{Configured: true, Stage: StageConnect, Detail: truncate(err.Error(), 500)}
	var se *stageError
	if errors.As(err, &se) {
		pc.Stage = se.stage
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		pc.Stage = StageTimeout
	}
	return pc
}

// CheckConnection tries the mailbox's IMAP server (connect, log in, select the folder) and
// its SMTP server (connect, log in) with the stored settings, and sends nothing (admins
// only). Failures are the result, not an error: an error means the check could not run.
func (s *Service) CheckConnection(ctx context.Context, a auth.Actor, id int64) (*ConnectionCheck, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	m, err := s.loadMailbox(ctx, s.db.Read(), id)
	if err != nil {
		return nil, err
	}
	out := &ConnectionCheck{IMAP: ProtocolCheck{Configured: true, OK: true}}
	done := make(chan struct{})
	go func() { // the two servers are tried side by side: the admin waits for the slower
		defer close(done)
		if err := s.checkIMAP(ctx, m); err != nil {
			out.IMAP = failedAt(err)
		}
	}()
	if m.SMTPHost != "" {
		out.SMTP = ProtocolCheck{Configured: true, OK: true}
		if err := s.checkSMTP(ctx, m); err != nil {
			out.SMTP = failedAt(err)
		}
	}
	<-done
	return out, nil
}

func (s *Service) checkIMAP(ctx context.Context, m *Mailbox) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		// The client's commands wait without a context: the check gives up on them at the
		// deadline, and the connection is closed as soon as it is in hand (a server that
		// never answers the login holds it until it hangs up).
		c, err := s.dialIMAP(m, nil)
		if err != nil {
			res <- err
			return
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
		defer c.Close()
		if _, err := c.Select(m.IMAPFolder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			res <- &stageError{StageFolder, err}
			return
		}
		c.Logout().Wait()
		res <- nil
	}()
	select {
	case err := <-res:
		if err != nil && ctx.Err() != nil {
			return &stageError{StageTimeout, err}
		}
		return err
	case <-ctx.Done():
		return &stageError{StageTimeout, ctx.Err()}
	}
}

func (s *Service) checkSMTP(ctx context.Context, m *Mailbox) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	c, err := s.dialSMTP(ctx, m)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if m.SMTPUser != "" {
		password, err := s.sealer.Open("smtp_password", m.smtpPassword)
		if err != nil {
			return &stageError{StagePassword, err}
		}
		if err := c.Auth(sasl.NewPlainClient("", m.SMTPUser, password)); err != nil {
			if ctx.Err() != nil {
				return &stageError{StageTimeout, err}
			}
			return &stageError{StageLogin, err}
		}
	}
	c.Quit()
	return nil
}

// dialSMTP connects to the mailbox's SMTP server in its TLS mode, within ctx.
func (s *Service) dialSMTP(ctx context.Context, m *Mailbox) (*smtp.Client, error) {
	addr := net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort))
	d := &net.Dialer{Timeout: checkTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &stageError{StageConnect, err}
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	tlsConf := &tls.Config{ServerName: m.SMTPHost}
	var c *smtp.Client
	switch m.SMTPTLS {
	case "tls":
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &stageError{StageConnect, err}
		}
		c = smtp.NewClient(tc)
	case "starttls":
		c, err = smtp.NewClientStartTLS(conn, tlsConf)
		if err != nil {
			conn.Close()
			return nil, &stageError{StageConnect, err}
		}
	default:
		c = smtp.NewClient(conn)
	}
	if err := c.Noop(); err != nil { // reads the greeting and says EHLO
		c.Close()
		return nil, &stageError{StageConnect, err}
	}
	return c, nil
}
