// Package mail is Kefu's email channel: the mailboxes admins connect (passwords sealed at
// rest), the IMAP sync that stores every received mail raw before anything else, the
// ingest that turns stored mail into tickets and replies exactly once, threading, the
// durable SMTP outbox and automatic acknowledgements that never loop.
//
// The path of a received mail, and why nothing is lost or doubled:
//
//  1. sync.go fetches new UIDs and, in one transaction, stores the raw bytes (blob by
//     SHA-256), a mail_messages row in state "stored" and the folder's new last UID. A
//     crash before the commit fetches the mail again; after it, the mail is safe.
//  2. ingest.go parses stored mail and, in one transaction, adds the ticket message, marks
//     the row processed and queues any acknowledgement. The message's dedup key (see
//     identity.go) makes the same mail arriving again a "duplicate", never a second message.
//  3. Only then, and only if the mailbox says so, is the mail deleted on the server.
package mail

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Options configure the mail service.
type Options struct {
	DB      *storage.DB
	Tickets *ticket.Service
	Blobs   blob.Store
	Sealer  *Sealer
	Logger  *slog.Logger
	Now     func() time.Time
	// NodeID names this node in sync leases; default a random id.
	NodeID string
	// PollInterval is how often a mailbox is checked when the server has no IDLE, and the
	// longest an IDLE waits before a check anyway (default 2 minutes).
	PollInterval time.Duration
	// LeaseTTL is how long a node holds a mailbox without renewing (default 60 s).
	LeaseTTL time.Duration
	// RetryBase is the first outbox retry delay, doubled per attempt (default 30 s).
	RetryBase time.Duration
	// MaxAttempts is how often a mail is tried before it is failed for good (default 8).
	MaxAttempts int
	// IngestLanes is how many transactions ingest one batch side by side on PostgreSQL
	// (default 4; SQLite has one writer and always uses one).
	IngestLanes int
}

// Service is the email channel.
type Service struct {
	db      *storage.DB
	tickets *ticket.Service
	blobs   blob.Store
	sealer  *Sealer
	log     *slog.Logger
	now     func() time.Time
	node    string
	opts    Options
	wake    chan struct{} // mailbox settings changed
	ingest  chan struct{} // stored mail waits
	outbox  chan struct{} // outgoing mail waits
}

// NewService builds the mail service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.NodeID == "" {
		b := make([]byte, 6)
		rand.Read(b)
		o.NodeID = hex.EncodeToString(b)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Minute
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = time.Minute
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 30 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.IngestLanes <= 0 {
		o.IngestLanes = defaultIngestLanes
	}
	return &Service{
		db: o.DB, tickets: o.Tickets, blobs: o.Blobs, sealer: o.Sealer, log: o.Logger, now: o.Now, node: o.NodeID, opts: o,
		wake: make(chan struct{}, 1), ingest: make(chan struct{}, 1), outbox: make(chan struct{}, 1),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// kick tells the workers that mailbox settings changed.
func (s *Service) kick() { signal(s.wake) }
