// Package smtptest runs a real SMTP server (go-smtp) on 127.0.0.1 for tests: it accepts
// every mail, keeps what it is given, and can refuse the next deliveries with a temporary
// error, so senders are tested against the protocol and not against a mock.
package smtptest

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Server is a running SMTP server; it stops when the test ends.
type Server struct {
	Host string
	Port int

	mu    sync.Mutex
	mails []Mail
	fail  int
}

// Mail is one delivery: the envelope and the message as sent.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Start starts a server on a free port of 127.0.0.1.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	return s
}

// Sent returns the mails delivered so far.
func (s *Server) Sent() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// FailNext answers the next n deliveries with a temporary error (451).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (c *session) Reset()        { c.from, c.to = "", nil }
func (c *session) Logout() error { return nil }
func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	c.from = from
	return nil
}
func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}
func (c *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.fail > 0 {
		c.s.fail--
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	c.s.mails = append(c.s.mails, Mail{From: c.from, To: c.to, Data: b})
	return nil
}
