package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/storage"
)

// fetchBatch is how many mails one FETCH and one store transaction carry: large enough to
// share a commit, small enough that a dropped connection repeats little.
const fetchBatch = 50

// errLeaseHeld means another node syncs the mailbox now.
var errLeaseHeld = errors.New("mail: another node syncs this mailbox")

// acquireLease takes or renews this node's hold on a mailbox's sync. A lease row with an
// expiry works the same on SQLite and PostgreSQL and needs no dedicated connection; a node
// that dies simply lets it expire.
func (s *Service) acquireLease(ctx context.Context, mailboxID int64) error {
	now := s.now().UnixMilli()
	var n int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(tx.Context(), `UPDATE mail_sync SET lease_owner = $1, lease_until = $2
			WHERE mailbox_id = $3 AND (lease_owner = $1 OR lease_until < $4)`, s.node, now+s.opts.LeaseTTL.Milliseconds(), mailboxID, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("mail lease: %w", err)
	}
	if n == 0 {
		return errLeaseHeld
	}
	return nil
}

func (s *Service) releaseLease(mailboxID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_sync SET lease_until = 0 WHERE mailbox_id = $1 AND lease_owner = $2`, mailboxID, s.node)
		return err
	})
}

func (s *Service) recordSync(mailboxID int64, syncErr error) {
	msg := ""
	if syncErr != nil {
		msg = syncErr.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_sync SET last_sync_at = $1, last_error = $2 WHERE mailbox_id = $3`, s.now().UnixMilli(), msg, mailboxID)
		return err
	})
}

// dialIMAP connects and logs in. newMail is signalled when the server reports new mail.
func (s *Service) dialIMAP(m *Mailbox, newMail chan struct{}) (*imapclient.Client, error) {
	password, err := s.sealer.Open("imap_password", m.imapPassword)
	if err != nil {
		return nil, &stageError{StagePassword, err}
	}
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: m.IMAPHost},
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					signal(newMail)
				}
			},
		},
	}
	addr := net.JoinHostPort(m.IMAPHost, strconv.Itoa(m.IMAPPort))
	var c *imapclient.Client
	switch m.IMAPTLS {
	case "tls":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, &stageError{StageConnect, fmt.Errorf("connect to %s: %w", addr, err)}
	}
	if err := c.Login(m.IMAPUser, password).Wait(); err != nil {
		c.Close()
		return nil, &stageError{StageLogin, fmt.Errorf("log in to %s: %w", addr, err)}
	}
	return c, nil
}

// syncSession holds one IMAP connection to a mailbox: it catches up, then waits for new
// mail (IDLE, or polling when the server has none) until ctx ends or the connection fails.
func (s *Service) syncSession(ctx context.Context, m *Mailbox) error {
	if err := s.acquireLease(ctx, m.ID); err != nil {
		return err
	}
	defer s.releaseLease(m.ID)
	newMail := make(chan struct{}, 1)
	c, err := s.dialIMAP(m, newMail)
	if err != nil {
		return err
	}
	defer c.Close()
	// Closing the connection is what interrupts a command in flight when ctx ends.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	sel, err := c.Select(m.IMAPFolder, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", m.IMAPFolder, err)
	}
	s.log.Debug("mailbox connected", "mailbox_id", m.ID, "folder", m.IMAPFolder, "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages)
	if err := s.checkUIDValidity(ctx, m, sel.UIDValidity); err != nil {
		return err
	}
	idle := c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2)
	for {
		n, err := s.fetchNew(ctx, c, m, sel.UIDValidity)
		if err != nil {
			return err
		}
		if m.DeleteAfterImport {
			if err := s.deleteImported(ctx, c, m, sel.UIDValidity); err != nil {
				return err
			}
		}
		s.recordSync(m.ID, nil)
		if n > 0 {
			continue // more may have arrived while we stored
		}
		if err := s.acquireLease(ctx, m.ID); err != nil {
			return err
		}
		if err := s.wait(ctx, c, idle, newMail); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// wait returns when the server reports new mail, the poll interval or half the lease has
// passed, or settings changed.
func (s *Service) wait(ctx context.Context, c *imapclient.Client, idle bool, newMail chan struct{}) error {
	d := min(s.opts.PollInterval, s.opts.LeaseTTL/2)
	timer := time.NewTimer(d)
	defer timer.Stop()
	var cmd *imapclient.IdleCommand
	if idle {
		var err error
		if cmd, err = c.Idle(); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
	}
	select {
	case <-ctx.Done():
	case <-newMail:
	case <-timer.C:
	case <-c.Closed():
	}
	if cmd != nil {
		if err := cmd.Close(); err != nil {
			return err
		}
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("idle: %w", err)
		}
	}
	return nil
}

// checkUIDValidity starts the folder over when the server renumbered it (UIDVALIDITY
// changed) or the admin chose another folder. Starting over fetches every mail again; the
// raw-content key of mail_messages and the dedup key of messages make those repeats
// harmless, so no mail is doubled.
func (s *Service) checkUIDValidity(ctx context.Context, m *Mailbox, validity uint32) error {
	if m.Sync.UIDValidity == validity && m.Sync.Folder == m.IMAPFolder {
		return nil
	}
	if m.Sync.UIDValidity != 0 {
		s.log.Warn("mailbox renumbered: resynchronising", "mailbox_id", m.ID, "old_uidvalidity", m.Sync.UIDValidity, "uidvalidity", validity)
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_sync SET folder = $1, uidvalidity = $2, last_uid = 0 WHERE mailbox_id = $3`,
			m.IMAPFolder, int64(validity), m.ID)
		return err
	})
	if err != nil {
		return err
	}
	m.Sync.Folder, m.Sync.UIDValidity, m.Sync.LastUID = m.IMAPFolder, validity, 0
	return nil
}

// fetchNew stores the mails above the last stored UID, a batch per transaction, and
// returns how many it fetched.
func (s *Service) fetchNew(ctx context.Context, c *imapclient.Client, m *Mailbox, validity uint32) (int, error) {
	// "n:*" always matches the newest mail even when its UID is below n: filter.
	list, err := c.Fetch(imap.UIDSet{{Start: imap.UID(m.Sync.LastUID + 1), Stop: 0}}, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return 0, fmt.Errorf("list new mail: %w", err)
	}
	var uids []imap.UID
	for _, b := range list {
		if uint32(b.UID) > m.Sync.LastUID {
			uids = append(uids, b.UID)
		}
	}
	total := 0
	section := &imap.FetchItemBodySection{Peek: true}
	for len(uids) > 0 {
		n := min(len(uids), fetchBatch)
		var set imap.UIDSet
		set.AddNum(uids[:n]...)
		uids = uids[n:]
		bufs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return total, fmt.Errorf("fetch mail: %w", err)
		}
		var mails []rawMail
		for _, b := range bufs {
			if raw := b.FindBodySection(section); raw != nil && uint32(b.UID) > m.Sync.LastUID {
				mails = append(mails, rawMail{uid: uint32(b.UID), data: raw})
			}
		}
		last, err := s.storeRaw(ctx, m, validity, mails)
		if err != nil {
			return total, err
		}
		m.Sync.LastUID = max(m.Sync.LastUID, last)
		total += len(mails)
		signal(s.ingest)
	}
	return total, nil
}

type rawMail struct {
	uid  uint32
	data []byte
}

// storeRaw stores fetched mails and advances the folder's last UID in one transaction, so
// the UID moves on only once the mail is durable. The same raw bytes seen again (the
// folder renumbered, the mail copied back) are not stored twice. The update is fenced on
// the lease so a node that lost its lease cannot move the position back.
func (s *Service) storeRaw(ctx context.Context, m *Mailbox, validity uint32, mails []rawMail) (uint32, error) {
	var last uint32
	now := s.now().UnixMilli()
	if files, ok := s.blobs.(blob.Files); ok {
		// Files are written (and fsynced) before the transaction that references them, as
		// blob.Files always does; doing it side by side here spreads the fsyncs of a batch.
		// The Put inside the transaction then finds each file present.
		if err := putFiles(files, mails); err != nil {
			return 0, err
		}
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		for _, r := range mails {
			sum := blob.Sum(r.data)
			if err := s.blobs.Put(tx, sum, r.data); err != nil {
				return err
			}
			if _, err := tx.ExecContext(tx.Context(), `INSERT INTO mail_messages (mailbox_id, folder, uidvalidity, uid, raw_sha256, size, received_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
				m.ID, m.IMAPFolder, int64(validity), int64(r.uid), sum, len(r.data), now); err != nil {
				return fmt.Errorf("store mail: %w", err)
			}
			last = max(last, r.uid)
		}
		res, err := tx.ExecContext(tx.Context(), `UPDATE mail_sync SET last_uid = $1 WHERE mailbox_id = $2 AND uidvalidity = $3
			AND last_uid < $1 AND lease_owner = $4`, int64(last), m.ID, int64(validity), s.node)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 && last > m.Sync.LastUID {
			return errLeaseHeld
		}
		return nil
	})
	return last, err
}

// deleteImported removes from the server the mails whose ticket message is committed
// (processed or duplicate), when the mailbox is configured to.
func (s *Service) deleteImported(ctx context.Context, c *imapclient.Client, m *Mailbox, validity uint32) error {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, uid FROM mail_messages WHERE mailbox_id = $1 AND folder = $2 AND uidvalidity = $3
		AND state IN ('processed', 'duplicate') AND server_deleted = $4 ORDER BY id LIMIT 500`, m.ID, m.IMAPFolder, int64(validity), false)
	if err != nil {
		return err
	}
	var ids []int64
	var set imap.UIDSet
	for rows.Next() {
		var id, uid int64
		if err := rows.Scan(&id, &uid); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
		set.AddNum(imap.UID(uid))
	}
	rows.Close()
	if len(ids) == 0 {
		return rows.Err()
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return fmt.Errorf("flag imported mail deleted: %w", err)
	}
	if c.Caps().Has(imap.CapUIDPlus) || c.Caps().Has(imap.CapIMAP4rev2) {
		err = c.UIDExpunge(set).Close()
	} else {
		err = c.Expunge().Close()
	}
	if err != nil {
		return fmt.Errorf("expunge imported mail: %w", err)
	}
	in, args := storage.InList(ids)
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), fmt.Sprintf(`UPDATE mail_messages SET server_deleted = $%d WHERE id IN (%s)`, len(args)+1, in), append(args, true)...)
		return err
	})
}

func putFiles(files blob.Files, mails []rawMail) error {
	errs := make(chan error, len(mails))
	sem := make(chan struct{}, 8)
	for _, r := range mails {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- files.Put(nil, blob.Sum(r.data), r.data)
		}()
	}
	var first error
	for range mails {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
