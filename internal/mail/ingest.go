package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/mail/parse"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// ingestBatch is how many stored mails one transaction turns into messages. One commit per
// batch is what lets ingest keep pace with a busy mailbox on SQLite.
const ingestBatch = 100

type storedMail struct {
	id, mailboxID int64
	sum           string
}

// IngestPending turns every stored mail into ticket messages and returns how many it
// handled. Mails are handled in the order they were stored, so a reply is threaded after
// the mail it answers.
func (s *Service) IngestPending(ctx context.Context) (int, error) {
	total := 0
	for {
		rows, err := s.db.Read().QueryContext(ctx, `SELECT id, mailbox_id, raw_sha256 FROM mail_messages WHERE state = 'stored' ORDER BY id LIMIT $1`, ingestBatch)
		if err != nil {
			return total, fmt.Errorf("list stored mail: %w", err)
		}
		var batch []storedMail
		for rows.Next() {
			var m storedMail
			if err := rows.Scan(&m.id, &m.mailboxID, &m.sum); err != nil {
				rows.Close()
				return total, err
			}
			batch = append(batch, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		if err := s.ingestBatch(ctx, batch); err != nil {
			return total, err
		}
		total += len(batch)
		signal(s.outbox)
	}
}

// prepared is a stored mail read and parsed outside any transaction.
type prepared struct {
	storedMail
	msg      *parse.Message
	parseErr string
}

func (s *Service) prepare(ctx context.Context, m storedMail) prepared {
	p := prepared{storedMail: m}
	raw, err := s.blobs.Get(ctx, m.sum)
	if err != nil {
		p.parseErr = "raw mail unreadable: " + err.Error()
		return p
	}
	msg, err := parse.Parse(raw)
	if err != nil {
		p.parseErr = "cannot be parsed: " + err.Error()
		return p
	}
	p.msg = msg
	return p
}

// ingestBatch handles a batch. On PostgreSQL the batch is split into lanes (lanes.go) that
// commit side by side, each in one transaction: a mail's statements are round trips to the
// server, and one worker waiting on them one after another was the limit. On SQLite there is
// one writer anyway, and the batch is one command.
func (s *Service) ingestBatch(ctx context.Context, batch []storedMail) error {
	ps := make([]prepared, len(batch))
	for i, m := range batch {
		ps[i] = s.prepare(ctx, m)
	}
	boxes, err := s.mailboxCache(ctx)
	if err != nil {
		return err
	}
	if s.db.Dialect() != storage.Postgres {
		return s.ingestLane(ctx, boxes, ps)
	}
	lanes, after := splitLanes(ps, s.opts.IngestLanes)
	errs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, lane := range lanes {
		wg.Go(func() { errs[i] = s.ingestLane(ctx, boxes, lane) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil || len(after) == 0 {
		return err
	}
	return s.ingestLane(ctx, boxes, after)
}

// ingestLane handles mails in one transaction; if that fails (one bad mail, or a race with
// another node on PostgreSQL), each mail is retried in its own, so a failure stays with the
// mail that caused it.
func (s *Service) ingestLane(ctx context.Context, boxes *mailboxes, ps []prepared) error {
	err := s.db.Write(ctx, func(tx *storage.Tx) error { return s.ingestTx(tx, boxes, ps) })
	if err == nil || ctx.Err() != nil {
		return err
	}
	for _, p := range ps {
		one := []prepared{p}
		err := s.db.Write(ctx, func(tx *storage.Tx) error { return s.ingestTx(tx, boxes, one) })
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if storage.IsUniqueViolation(err) {
			// Another node stored the same mail's message at the same moment: now it is a
			// duplicate, which a second try records as such.
			if err = s.db.Write(ctx, func(tx *storage.Tx) error { return s.ingestTx(tx, boxes, one) }); err == nil {
				continue
			}
		}
		if err := s.markFailed(ctx, p.id, err.Error()); err != nil {
			return err
		}
	}
	return nil
}

// laneState is what a transaction of ingestTx looked up for all its mails at once, kept
// up to date as its mails become messages.
type laneState struct {
	claimed map[int64]bool      // mail rows this transaction claimed (state 'stored' until now)
	known   map[string][2]int64 // dedup key → message id, ticket id
	ours    map[string][2]int64 // Message-ID of a mail we sent → ticket id, ticket message id
}

// ingestTx claims ps and turns them into ticket messages inside tx. The claim, the
// duplicate check and the check for our own mail coming back are one statement each for
// all of ps, not one per mail.
func (s *Service) ingestTx(tx *storage.Tx, boxes *mailboxes, ps []prepared) error {
	ctx := tx.Context()
	st := &laneState{claimed: map[int64]bool{}, known: map[string][2]int64{}, ours: map[string][2]int64{}}
	ids := make([]any, len(ps))
	for i, p := range ps {
		ids[i] = p.id
	}
	// Claim first: on PostgreSQL a second node doing the same waits here and then finds
	// the mails taken.
	rows, err := tx.QueryContext(ctx, `UPDATE mail_messages SET attempts = attempts + 1 WHERE state = 'stored' AND id IN (`+placeholders(1, len(ids))+`) RETURNING id`, ids...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		st.claimed[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var keys, msgIDs []any
	for _, p := range ps {
		if p.msg != nil && st.claimed[p.id] {
			keys = append(keys, dedupKey(p.msg))
			if id := normalizeMessageID(p.msg.MessageID); id != "" {
				msgIDs = append(msgIDs, id)
			}
		}
	}
	if len(keys) > 0 {
		if err := scanPairs(tx, `SELECT dedup_key, id, ticket_id FROM messages WHERE dedup_key IN (`+placeholders(1, len(keys))+`)`, keys, st.known); err != nil {
			return err
		}
	}
	if len(msgIDs) > 0 {
		if err := scanPairs(tx, `SELECT message_id, COALESCE(ticket_id, 0), COALESCE(ticket_message_id, 0) FROM mail_outbox WHERE message_id IN (`+placeholders(1, len(msgIDs))+`)`, msgIDs, st.ours); err != nil {
			return err
		}
	}
	for _, p := range ps {
		if !st.claimed[p.id] {
			continue // another node processed it first
		}
		if err := s.ingestOne(tx, boxes, p, st); err != nil {
			return err
		}
	}
	return nil
}

func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// scanPairs reads rows of (key, a, b) into m.
func scanPairs(tx *storage.Tx, query string, args []any, m map[string][2]int64) error {
	rows, err := tx.QueryContext(tx.Context(), query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var a, b int64
		if err := rows.Scan(&k, &a, &b); err != nil {
			return err
		}
		m[k] = [2]int64{a, b}
	}
	return rows.Err()
}

func (s *Service) markFailed(ctx context.Context, id int64, reason string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE mail_messages SET state = 'failed', error = $1, attempts = attempts + 1, processed_at = $2
			WHERE id = $3 AND state = 'stored'`, truncate(reason, 2000), s.now().UnixMilli(), id)
		return err
	})
}

// mailboxes maps mailbox ids to their settings, with the list of our own addresses.
type mailboxes struct {
	byID map[int64]*Mailbox
	ours []string
}

func (s *Service) mailboxCache(ctx context.Context) (*mailboxes, error) {
	all, err := s.listMailboxes(ctx, false)
	if err != nil {
		return nil, err
	}
	mb := &mailboxes{byID: map[int64]*Mailbox{}}
	for _, m := range all {
		mb.byID[m.ID] = m
		mb.ours = append(mb.ours, m.Address)
	}
	return mb, nil
}

// ingestOne turns one claimed mail into a ticket message inside tx and marks it done there:
// both happen or neither.
func (s *Service) ingestOne(tx *storage.Tx, boxes *mailboxes, p prepared, st *laneState) error {
	ctx := tx.Context()
	now := s.now().UnixMilli()
	if p.msg == nil {
		_, err := tx.ExecContext(ctx, `UPDATE mail_messages SET state = 'failed', error = $1, processed_at = $2 WHERE id = $3`, p.parseErr, now, p.id)
		return err
	}
	m := p.msg
	key := dedupKey(m)
	cc, _ := json.Marshal(ccList(m, boxes.ours))
	// mark records the outcome; a ticket given by number is looked up in the same statement.
	mark := func(state string, ticketID, number, messageID int64) (int64, error) {
		var id sql.NullInt64
		err := tx.QueryRowContext(ctx, `UPDATE mail_messages SET state = $1, error = '', dedup_key = $2, message_id = $3, from_addr = $4, cc = $5,
			auto_kind = $6, ticket_id = COALESCE($7, (SELECT id FROM tickets WHERE number = $8)), ticket_message_id = $9, processed_at = $10 WHERE id = $11
			RETURNING ticket_id`,
			state, key, normalizeMessageID(m.MessageID), strings.ToLower(m.From.Email), string(cc), string(m.Auto),
			nullID(ticketID), number, nullID(messageID), now, p.id).Scan(&id)
		return id.Int64, err
	}
	if got, ok := st.known[key]; ok {
		_, err := mark("duplicate", got[1], 0, got[0])
		return err
	}
	// Our own mail coming back (a copy to the mailbox itself, a forwarding loop) is
	// already on its ticket: it must not become a customer's message.
	if got, ok := st.ours[normalizeMessageID(m.MessageID)]; ok {
		_, err := mark("duplicate", got[0], 0, got[1])
		return err
	}
	if m.Auto == parse.AutoDSN || m.Auto == parse.AutoMailerDaemon {
		done, messageID, ticketID, err := s.ingestBounce(tx, m, key, mark)
		if done {
			st.known[key] = [2]int64{messageID, ticketID}
		}
		if done || err != nil {
			return err
		}
	}
	box := boxes.byID[p.mailboxID]
	number, err := findThread(ctx, tx, m, boxes.ours)
	if err != nil {
		return err
	}
	in := s.messageInput(m, key)
	created := false
	var messageID int64
	if number != 0 {
		messageID, err = s.tickets.AddMessageInTx(tx, auth.System(), number, in)
	} else {
		subject := strings.TrimSpace(parse.StripReplyPrefixes(m.Subject))
		if subject == "" {
			subject = "（无主题）"
		}
		subject = truncateRunes(subject, s.tickets.Limits().SubjectChars)
		var team int64
		if box != nil && box.TeamID != nil {
			team = *box.TeamID
		}
		number, messageID, err = s.tickets.CreateInTx(tx, auth.System(), ticket.CreateInput{
			Subject: subject, Channel: "email", TeamID: team,
			Customer:       ticket.CustomerRef{Email: m.From.Email, Name: truncateRunes(strings.TrimSpace(m.From.Name), 200)},
			Message:        &in,
			IdempotencyKey: key,
		})
		created = true
	}
	if err != nil {
		return err
	}
	ticketID, err := mark("processed", 0, number, messageID)
	if err != nil {
		return err
	}
	st.known[key] = [2]int64{messageID, ticketID}
	if created && box != nil {
		return s.queueAck(tx, box, boxes.ours, p.id, ticketID, number, m)
	}
	return nil
}

// QuoteOpen starts the quoted history (see parse.SplitQuotedHTML) in a message's stored
// HTML: what follows it, to its end, is the history a UI may collapse.
const QuoteOpen = `<blockquote cite="#kefu-quote">`

// messageInput is the ticket message a mail becomes. Text beyond the message limit is cut
// (the raw mail keeps it all); an empty mail still becomes a message so nothing vanishes.
func (s *Service) messageInput(m *parse.Message, key string) ticket.MessageInput {
	lim := s.tickets.Limits()
	in := ticket.MessageInput{Kind: ticket.KindReply, Author: "customer", Channel: "email", DedupKey: key}
	in.Body = truncate(strings.ToValidUTF8(m.Text, "\uFFFD"), lim.BodyBytes)
	html := m.HTML
	if reply, quoted := parse.SplitQuotedHTML(html); quoted != "" {
		// The parser's quote marker does not survive the ticket's sanitiser; a blockquote
		// with this cite does, and the ticket page collapses it.
		html = reply + QuoteOpen + quoted + "</blockquote>"
	}
	if len(html) <= lim.BodyBytes {
		in.BodyHTML = strings.ToValidUTF8(html, "\uFFFD")
	}
	var dropped []string
	for _, a := range m.Attachments {
		if len(a.Data) == 0 || len(a.Data) > lim.AttachmentBytes || len(in.Attachments) >= lim.AttachmentsPerItem || blockedName(a.Filename) {
			dropped = append(dropped, a.Filename)
			continue
		}
		name := a.Filename
		if strings.TrimSpace(name) == "" {
			name = "attachment"
		}
		in.Attachments = append(in.Attachments, ticket.AttachmentInput{Filename: name, ContentType: a.ContentType, Data: a.Data})
	}
	if len(dropped) > 0 {
		in.Body += "\n\n[未保存的附件 / attachments not kept: " + strings.Join(dropped, ", ") + "]"
	}
	if strings.TrimSpace(in.Body) == "" && in.BodyHTML == "" && len(in.Attachments) == 0 {
		in.Body = "（空邮件）"
	}
	return in
}

// blockedName mirrors the ticket package's refusal of files that run when opened: such an
// attachment is left out (and named in the message) rather than failing the whole mail.
func blockedName(name string) bool {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return false
	}
	switch strings.ToLower(name[i:]) {
	case ".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".vbs", ".js", ".jse", ".ps1", ".jar", ".pif", ".cpl", ".hta", ".lnk":
		return true
	}
	return false
}

// ccList is who else the mail went to, our own mailboxes left out.
func ccList(m *parse.Message, ours []string) []string {
	out := []string{}
	for _, a := range append(append([]parse.Address{}, m.To...), m.Cc...) {
		e := strings.ToLower(a.Email)
		if e == "" || isOurs(e, ours) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func isOurs(addr string, ours []string) bool {
	for _, o := range ours {
		if addr == o {
			return true
		}
		if _, ok := plusNumber(addr, []string{o}); ok {
			return true
		}
	}
	return false
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func truncateRunes(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max])
	}
	return s
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// Reprocess puts failed mails back in the queue (admins only): after a fix, or once the
// cause (a missing team, a full disk) is gone.
func (s *Service) Reprocess(ctx context.Context, a auth.Actor, id int64) error {
	if !a.IsAdmin() {
		return apperr.Forbidden("")
	}
	var n int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(tx.Context(), `UPDATE mail_messages SET state = 'stored', error = '' WHERE id = $1 AND state = 'failed'`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		var state string
		if err := s.db.Read().QueryRowContext(ctx, `SELECT state FROM mail_messages WHERE id = $1`, id).Scan(&state); errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("mail")
		}
		return apperr.Conflict("mail_not_failed", nil)
	}
	signal(s.ingest)
	return nil
}
