package mail

import (
	"bytes"
	"context"
	"fmt"
	"github.com/kefuhq/kefu/internal/testutil/smtptest"
	"io"
	"log/slog"
	"mime"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// The real protocol peers of the tests: go-imap's in-memory IMAP server and a go-smtp
// server that keeps what it receives, both on 127.0.0.1.

const testSecret = "test secret key, 32 characters.."

// imapPeer is an IMAP server with one user whose connections the test can cut.
type imapPeer struct {
	addr string
	user *imapmemserver.User
	host string
	port int

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startIMAP(t testing.TB) *imapPeer {
	t.Helper()
	mem := imapmemserver.New()
	p := &imapPeer{user: imapmemserver.NewUser("support", "imap-pass"), conns: map[net.Conn]bool{}}
	if err := p.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(p.user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(&trackingListener{Listener: ln, p: p})
	t.Cleanup(func() { srv.Close() })
	p.addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(p.addr)
	p.host = host
	p.port, _ = strconv.Atoi(port)
	return p
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

type trackingListener struct {
	net.Listener
	p *imapPeer
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.p.mu.Lock()
		l.p.conns[c] = true
		l.p.mu.Unlock()
	}
	return c, err
}

// dropConnections cuts every open connection, as a flaky network would.
func (p *imapPeer) dropConnections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		if c.Close() == nil {
			n++
		}
		delete(p.conns, c)
	}
	return n
}

func (p *imapPeer) deliver(t testing.TB, raw string) {
	t.Helper()
	if _, err := p.user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// renumber deletes INBOX and creates it again with the same mails: the server's
// UIDVALIDITY changes, as after a server migration.
func (p *imapPeer) renumber(t testing.TB, raws []string) {
	t.Helper()
	if err := p.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := p.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range raws {
		p.deliver(t, r)
	}
}

// startSMTP starts a real SMTP server on 127.0.0.1 that records the mails it is given.
func startSMTP(t testing.TB) *smtptest.Server { return smtptest.Start(t) }

// node is the services of one Kefu node under test.
type node struct {
	db      *storage.DB
	tickets *ticket.Service
	mail    *Service
}

func newNode(t testing.TB, db *storage.DB, blobDir string) *node {
	t.Helper()
	sealer, err := NewSealer(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var blobs blob.Store = blob.Files{Dir: blobDir}
	if db.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: db}
	}
	customers := customer.NewService(db, time.Now)
	tickets := ticket.NewService(ticket.Options{DB: db, Customers: customers, Blobs: blobs})
	m := NewService(Options{
		DB: db, Tickets: tickets, Blobs: blobs, Sealer: sealer,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		PollInterval: 200 * time.Millisecond, LeaseTTL: 2 * time.Second, RetryBase: 10 * time.Millisecond,
	})
	tickets.OnChange(m.TicketHook())
	return &node{db: db, tickets: tickets, mail: m}
}

// run starts the node's mail workers until the test ends.
func (n *node) run(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.mail.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (n *node) mailbox(t testing.TB, name, address string, ip *imapPeer, sp *smtptest.Server, mod func(*MailboxInput)) *Mailbox {
	t.Helper()
	in := MailboxInput{
		Name: ptr(name), Address: ptr(address),
		IMAPHost: ptr(ip.host), IMAPPort: ptr(ip.port), IMAPTLS: ptr("none"), IMAPUser: ptr("support"), IMAPPassword: ptr("imap-pass"),
	}
	if sp != nil {
		in.SMTPHost, in.SMTPPort, in.SMTPTLS = ptr(sp.Host), ptr(sp.Port), ptr("none")
	}
	if mod != nil {
		mod(&in)
	}
	m, err := n.mail.CreateMailbox(context.Background(), auth.System(), in)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// eventually polls cond until it holds or the bound passes; the bound only stops a
// broken test, it is not what the test measures.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t testing.TB, db *storage.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// rawMail builds a simple mail.
func rawMailText(from, to, subject, msgID, body string, headers ...string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 23 Nov 2026 09:00:00 +0800\r\n", from, to, mime.BEncoding.Encode("utf-8", subject))
	if msgID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	}
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(body + "\r\n")
	return b.String()
}
