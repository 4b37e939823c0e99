package mail

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Run syncs every active mailbox, ingests stored mail and sends the outbox until ctx ends.
// Every node runs it; leases decide which node talks to which mailbox, and the ingest and
// outbox claim each row in a transaction, so any number of nodes can run side by side.
func (s *Service) Run(ctx context.Context) error {
	s.log.Debug("mail workers starting", "node", s.node)
	if err := s.ReconcileOutbox(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("mail outbox reconcile", "err", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(2)
	go func() { defer wg.Done(); s.loop(ctx, s.ingest, 5*time.Second, "mail ingest", s.IngestPending) }()
	go func() {
		defer wg.Done()
		s.loop(ctx, s.outbox, 5*time.Second, "mail outbox", func(ctx context.Context) (int, error) {
			n, err := s.QueueReplies(ctx)
			if err != nil {
				return n, err
			}
			m, err := s.SendDue(ctx)
			return n + m, err
		})
	}()
	type session struct {
		cancel  context.CancelFunc
		updated time.Time
	}
	running := map[int64]session{}
	defer func() {
		for _, r := range running {
			r.cancel()
		}
	}()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		boxes, err := s.listMailboxes(ctx, true)
		if err != nil && ctx.Err() == nil {
			s.log.Error("list mailboxes", "err", err)
		}
		active := map[int64]bool{}
		for _, m := range boxes {
			active[m.ID] = true
			if r, ok := running[m.ID]; ok {
				if r.updated.Equal(m.UpdatedAt) {
					continue
				}
				r.cancel() // settings changed (here or on another node): start over with them
			}
			mctx, cancel := context.WithCancel(ctx)
			running[m.ID] = session{cancel: cancel, updated: m.UpdatedAt}
			wg.Add(1)
			go func(id int64) { defer wg.Done(); s.syncLoop(mctx, id) }(m.ID)
		}
		for id, r := range running {
			if !active[id] {
				r.cancel()
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-s.wake:
		}
	}
}

// loop runs work whenever kicked, or every period, until ctx ends.
func (s *Service) loop(ctx context.Context, kick chan struct{}, period time.Duration, name string, work func(context.Context) (int, error)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if _, err := work(ctx); err != nil && ctx.Err() == nil {
			s.log.Error(name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-t.C:
		}
	}
}

// syncLoop keeps one mailbox synchronised, reconnecting with a growing pause after errors.
func (s *Service) syncLoop(ctx context.Context, id int64) {
	pause := time.Second
	for ctx.Err() == nil {
		m, err := s.loadMailbox(ctx, s.db.Read(), id)
		if err != nil || !m.Active {
			return
		}
		started := time.Now()
		err = s.syncSession(ctx, m)
		if time.Since(started) > time.Minute {
			pause = time.Second // the session was up for a while: this is a new failure
		}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errLeaseHeld):
			pause = s.opts.LeaseTTL / 2
		case err != nil:
			s.log.Warn("mailbox sync", "mailbox_id", id, "err", err)
			s.recordSync(id, err)
			pause = min(pause*2, time.Minute)
		default:
			pause = time.Second
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

// TicketHook wakes the outbox when an agent's public reply on a ticket commits, so that it
// leaves at once instead of at the next poll. The outbox finds the reply by itself anyway
// (see QueueReplies): the hook only saves time.
func (s *Service) TicketHook() ticket.Hook {
	return func(tx *storage.Tx, c ticket.Change) error {
		if c.Kind == ticket.ChangeMessage && c.Message != nil && c.Message.Kind == ticket.KindReply && c.Message.AuthorKind == "agent" {
			tx.AfterCommit(func() { signal(s.outbox) })
		}
		return nil
	}
}
