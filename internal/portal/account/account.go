// Package account is who a customer is in the portal: one-time sign-in links mailed to a
// customer's address, an optional password, portal sessions, and the counters behind the
// rate limits and the password backoff. Everything lives in the database, so every node of a
// PostgreSQL cluster sees the same links, sessions and limits.
//
// Secrets are stored as SHA-256 hashes (link and session tokens, 256 random bits each) or
// argon2id (passwords): a copy of the database signs nobody in.
package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/storage"
)

// Lifetimes.
const (
	LinkLifetime    = 15 * time.Minute    // a sign-in link is good this long, once
	SessionLifetime = 14 * 24 * time.Hour // a portal session lasts two weeks
	PasswordMin     = 8                   // characters
	PasswordMax     = 200                 // characters; argon2id of a novel costs time
)

// Notices queues mail in a command; *mail.Service is one.
type Notices interface {
	CanSendNotices(ctx context.Context) (bool, error)
	QueueNotice(tx *storage.Tx, n mail.Notice) error
}

// ErrMailNotConfigured means no mailbox can send sign-in links.
var ErrMailNotConfigured = errors.New("account: the portal's mail is not configured")

// Service keeps portal accounts.
type Service struct {
	db      *storage.DB
	notices Notices
	now     func() time.Time
}

// NewService returns the service; notices sends the sign-in links, now is the clock.
func NewService(db *storage.DB, notices Notices, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, notices: notices, now: now}
}

// Customer is what the portal shows of the signed-in customer.
type Customer struct {
	ID          int64
	Name        string
	Email       string // the first email address
	Locale      string // "" until they choose
	HasPassword bool
}

// Actor is the customer as the domain services see them: the ticket package's own rules
// decide what they may see and do.
func (c *Customer) Actor() auth.Actor {
	return auth.Actor{Kind: auth.ActorCustomer, ID: c.ID, Name: c.Name, Lang: c.Locale}
}

// Customer loads a customer's portal view, or apperr.ErrUnauthorized if the customer is gone.
func (s *Service) Customer(ctx context.Context, id int64) (*Customer, error) {
	c := &Customer{ID: id}
	var hash sql.NullString
	var locale sql.NullString
	err := s.db.Read().QueryRowContext(ctx, `SELECT c.name, COALESCE((SELECT value FROM customer_identities i WHERE i.customer_id = c.id AND i.kind = 'email' ORDER BY i.id LIMIT 1), ''),
		a.password_hash, a.locale FROM customers c LEFT JOIN portal_accounts a ON a.customer_id = c.id WHERE c.id = $1`, id).
		Scan(&c.Name, &c.Email, &hash, &locale)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("load portal customer: %w", err)
	}
	c.HasPassword = hash.String != ""
	c.Locale = locale.String
	return c, nil
}

// CanMail reports whether sign-in links can be mailed at all.
func (s *Service) CanMail(ctx context.Context) (bool, error) {
	return s.notices.CanSendNotices(ctx)
}

// LinkMail writes the sign-in mail for a link URL; the portal supplies it in the
// customer's language.
type LinkMail func(url string) (subject, body string)

// RequestLink mails a one-time sign-in link to the customer with this email address, if
// there is one. An unknown or malformed address is not an error: the caller must answer the
// same either way, so that nobody learns which addresses are customers. baseURL is where
// the link points ("https://help.example.com/portal/link?t=" gets the token appended).
// ErrMailNotConfigured comes back, for every address alike, when no mailbox can send.
func (s *Service) RequestLink(ctx context.Context, email, baseURL string, write LinkMail) error {
	ok, err := s.notices.CanSendNotices(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMailNotConfigured
	}
	email, valid := customer.NormalizeEmail(email)
	if !valid {
		return nil
	}
	customerID, err := customer.FindByIdentity(ctx, s.db.Read(), customer.Email, email)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := newToken()
	now := s.now()
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		ctx := tx.Context()
		// Old links of this customer go on the way, so the table stays small without a job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_links WHERE customer_id = $1 AND expires_at <= $2`, customerID, now.UnixMilli()); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO portal_links (token_hash, customer_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			hash, customerID, email, now.UnixMilli(), now.Add(LinkLifetime).UnixMilli()).Scan(&id); err != nil {
			return fmt.Errorf("store sign-in link: %w", err)
		}
		// The link leaves from the mailbox of the team that last served the customer.
		var team sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT team_id FROM tickets WHERE customer_id = $1 AND team_id IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 1`, customerID).Scan(&team)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		subject, body := write(baseURL + token)
		return s.notices.QueueNotice(tx, mail.Notice{Source: fmt.Sprintf("portal-link:%d", id), To: email, TeamID: team.Int64, Subject: subject, Body: body})
	})
	if errors.Is(err, mail.ErrNoOutgoingMailbox) {
		return ErrMailNotConfigured // the last mailbox went away meanwhile
	}
	return err
}

// UseLink signs in with a link's token: it returns the link's customer and marks the link
// used, in one command, so that a link works once even when two nodes get it at the same
// moment. A used, expired or unknown token is apperr.ErrUnauthorized.
func (s *Service) UseLink(ctx context.Context, token string) (int64, error) {
	if token == "" {
		return 0, apperr.ErrUnauthorized
	}
	now := s.now().UnixMilli()
	var customerID int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		err := tx.QueryRowContext(tx.Context(), `UPDATE portal_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING customer_id`,
			now, auth.HashToken(token)).Scan(&customerID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.ErrUnauthorized
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return customerID, nil
}

// SetPassword sets or changes the customer's portal password. It is an event on the
// customer (without the password, of course).
func (s *Service) SetPassword(ctx context.Context, c *Customer, password string) error {
	f := apperr.Fields{}
	n := utf8.RuneCountInString(password)
	f.Check(n >= PasswordMin, "password", "too_short", map[string]any{"min": PasswordMin})
	f.Check(n <= PasswordMax, "password", "too_long", map[string]any{"max": PasswordMax})
	f.Check(utf8.ValidString(password), "password", "bad_encoding", nil)
	f.Check(strings.TrimSpace(password) != "", "password", "required", nil)
	if err := f.Err(); err != nil {
		return err
	}
	hash := auth.HashPassword(password)
	now := s.now()
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		action := "portal_password_set"
		if c.HasPassword {
			action = "portal_password_changed"
		}
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO portal_accounts (customer_id, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (customer_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`, c.ID, hash, now.UnixMilli()); err != nil {
			return fmt.Errorf("set portal password: %w", err)
		}
		return event.Append(tx, c.Actor(), event.Customer, c.ID, now, event.Change{Action: action})
	})
}

// CheckPassword returns the customer whose email address and portal password these are, or
// apperr.ErrUnauthorized. The caller keeps the backoff (Locked, Failed, Succeeded).
func (s *Service) CheckPassword(ctx context.Context, email, password string) (int64, error) {
	email, _ = customer.NormalizeEmail(email)
	var id int64
	var hash string
	err := s.db.Read().QueryRowContext(ctx, `SELECT a.customer_id, a.password_hash FROM customer_identities i JOIN portal_accounts a ON a.customer_id = i.customer_id
		WHERE i.kind = 'email' AND i.value = $1`, email).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && hash == "") {
		// Spend the time a check would, so the answer's speed does not tell known addresses.
		auth.CheckPassword(dummyHash(), password)
		return 0, apperr.ErrUnauthorized
	}
	if err != nil {
		return 0, fmt.Errorf("check portal password: %w", err)
	}
	if !auth.CheckPassword(hash, password) {
		return 0, apperr.ErrUnauthorized
	}
	return id, nil
}

// dummyHash is checked against when there is no account, to take the same time; made on
// first use, not at start-up.
var dummyHash = sync.OnceValue(func() string { return auth.HashPassword("no account has this password") })

// SetLocale remembers the customer's language.
func (s *Service) SetLocale(ctx context.Context, customerID int64, locale string) error {
	now := s.now().UnixMilli()
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `INSERT INTO portal_accounts (customer_id, locale, created_at, updated_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (customer_id) DO UPDATE SET locale = excluded.locale, updated_at = excluded.updated_at`, customerID, locale, now)
		return err
	})
}

func newToken() (token, hash string) {
	token = auth.RandomSecret(32)
	return token, auth.HashToken(token)
}
