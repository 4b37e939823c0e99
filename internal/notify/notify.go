// Package notify keeps in-app notifications: short messages to staff (an automation rule's
// "notify" action: "VIP complaint #10023 breached its first response"), written in the
// transaction of what caused them, read and marked read only by their recipient. Once the
// transaction commits, each recipient's realtime topic "user:<id>" gets a hint so an open
// page updates its bell; the rows themselves are the truth, so a missed hint loses nothing.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/realtime"
	"github.com/kefuhq/kefu/internal/storage"
)

// Kinds of notification.
const (
	KindAutomation = "automation" // an automation rule's notify action
)

// KindNotification is the realtime event kind on a user's topic.
const KindNotification = "notification"

// MaxBody is the longest message, in characters.
const MaxBody = 1000

// UnreadCap bounds the unread count: a bell shows "99+" rather than counting further.
const UnreadCap = 99

// Topic is the realtime topic of a user's notifications.
func Topic(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// Notification is one message to one user.
type Notification struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Body         string     `json:"body"`
	TicketNumber *int64     `json:"ticket_number"`
	RuleID       *int64     `json:"rule_id"`
	ReadAt       *time.Time `json:"read_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Input is a notification to send.
type Input struct {
	Kind     string
	Body     string
	TicketID int64 // 0: about no ticket
	RuleID   int64 // 0: not from a rule
}

// Service writes and reads notifications.
type Service struct {
	db     *storage.DB
	broker realtime.Broker // nil: no hints
	now    func() time.Time
}

// NewService makes the service; broker may be nil (no realtime hints).
func NewService(db *storage.DB, broker realtime.Broker, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, broker: broker, now: now}
}

// SendTx writes the notification to each active staff user among userIDs (duplicates and
// unknown or deactivated users are skipped) inside the caller's transaction, and hints their
// topics after the commit. It returns how many users it notified.
func (s *Service) SendTx(tx *storage.Tx, userIDs []int64, in Input) (int, error) {
	ctx := tx.Context()
	body := strings.TrimSpace(in.Body)
	if body == "" {
		return 0, apperr.Invalid("body", "required", nil)
	}
	if utf8.RuneCountInString(body) > MaxBody {
		body = string([]rune(body)[:MaxBody])
	}
	if in.Kind == "" {
		in.Kind = KindAutomation
	}
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids = slices.DeleteFunc(ids, func(id int64) bool { return id <= 0 })
	if len(ids) == 0 {
		return 0, nil
	}
	list, args := storage.InList(ids)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE active AND id IN (`+list+`) ORDER BY id`, args...)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	var to []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		to = append(to, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	for _, uid := range to {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, ticket_id, rule_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, uid, in.Kind, nullID(in.TicketID), nullID(in.RuleID), body, now.UnixMilli()); err != nil {
			return 0, fmt.Errorf("notify user %d: %w", uid, err)
		}
	}
	if s.broker != nil && len(to) > 0 {
		tx.AfterCommit(func() {
			for _, uid := range to {
				s.broker.Publish(realtime.Event{Topic: Topic(uid), Kind: KindNotification, At: now})
			}
		})
	}
	return len(to), nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// staff reports whether the actor is a signed-in staff user: only they have notifications.
func staff(a auth.Actor) bool { return a.Kind == auth.ActorUser && a.ID > 0 }

// List returns the actor's own notifications, newest first: limit (1…100, default 30) of
// those older than before (0: the newest).
func (s *Service) List(ctx context.Context, a auth.Actor, before int64, limit int) ([]Notification, error) {
	if !staff(a) {
		return nil, apperr.Forbidden("")
	}
	if limit <= 0 || limit > 100 {
		limit = 30
	}
	q := `SELECT n.id, n.kind, n.body, t.number, n.rule_id, n.read_at, n.created_at
		FROM notifications n LEFT JOIN tickets t ON t.id = n.ticket_id WHERE n.user_id = $1`
	args := []any{a.ID}
	if before > 0 {
		q += ` AND n.id < $2`
		args = append(args, before)
	}
	q += ` ORDER BY n.id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var number, rule, read sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Body, &number, &rule, &read, &created); err != nil {
			return nil, err
		}
		if number.Valid {
			n.TicketNumber = &number.Int64
		}
		if rule.Valid {
			n.RuleID = &rule.Int64
		}
		if read.Valid {
			t := time.UnixMilli(read.Int64).UTC()
			n.ReadAt = &t
		}
		n.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// Unread counts the actor's unread notifications up to UnreadCap; more is true beyond it.
func (s *Service) Unread(ctx context.Context, a auth.Actor) (n int, more bool, err error) {
	if !staff(a) {
		return 0, false, nil
	}
	err = s.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT id FROM notifications
		WHERE user_id = $1 AND read_at IS NULL LIMIT `+strconv.Itoa(UnreadCap+1)+`) u`, a.ID).Scan(&n)
	if err != nil {
		return 0, false, fmt.Errorf("unread notifications: %w", err)
	}
	if n > UnreadCap {
		return UnreadCap, true, nil
	}
	return n, false, nil
}

// MarkRead marks one of the actor's notifications read; id 0 marks all of them. Another
// user's notification is "not found".
func (s *Service) MarkRead(ctx context.Context, a auth.Actor, id int64) error {
	if !staff(a) {
		return apperr.Forbidden("")
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if id == 0 {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, now.UnixMilli(), a.ID)
			return err
		}
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM notifications WHERE id = $1`, id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != a.ID) {
			return apperr.NotFound("notification")
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL`, now.UnixMilli(), id)
		return err
	})
}
