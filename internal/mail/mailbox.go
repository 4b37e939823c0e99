package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/user"
)

// TLS modes of an IMAP or SMTP connection.
var TLSModes = []string{"tls", "starttls", "none"}

// Mailbox is a mailbox an admin connected. Passwords never leave the service: the API only
// says whether one is set.
type Mailbox struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Address           string    `json:"address"`
	TeamID            *int64    `json:"team_id"`
	IMAPHost          string    `json:"imap_host"`
	IMAPPort          int       `json:"imap_port"`
	IMAPTLS           string    `json:"imap_tls"`
	IMAPUser          string    `json:"imap_user"`
	IMAPPasswordSet   bool      `json:"imap_password_set"`
	IMAPFolder        string    `json:"imap_folder"`
	SMTPHost          string    `json:"smtp_host"`
	SMTPPort          int       `json:"smtp_port"`
	SMTPTLS           string    `json:"smtp_tls"`
	SMTPUser          string    `json:"smtp_user"`
	SMTPPasswordSet   bool      `json:"smtp_password_set"`
	FromName          string    `json:"from_name"`
	Signature         string    `json:"signature"`
	AutoReply         string    `json:"auto_reply"`
	Active            bool      `json:"active"`
	DeleteAfterImport bool      `json:"delete_after_import"`
	Sync              SyncState `json:"sync"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`

	imapPassword, smtpPassword string // sealed
}

// SyncState is where the IMAP sync of a mailbox stands.
type SyncState struct {
	Folder      string     `json:"folder"`
	UIDValidity uint32     `json:"uidvalidity"`
	LastUID     uint32     `json:"last_uid"`
	LastSyncAt  *time.Time `json:"last_sync_at"`
	LastError   string     `json:"last_error"`
}

// MailboxInput creates or changes a mailbox; nil fields are left as they are (on create:
// defaults). A password given as "" removes it.
type MailboxInput struct {
	Name              *string `json:"name"`
	Address           *string `json:"address"`
	TeamID            *int64  `json:"team_id"`
	IMAPHost          *string `json:"imap_host"`
	IMAPPort          *int    `json:"imap_port"`
	IMAPTLS           *string `json:"imap_tls"`
	IMAPUser          *string `json:"imap_user"`
	IMAPPassword      *string `json:"imap_password"`
	IMAPFolder        *string `json:"imap_folder"`
	SMTPHost          *string `json:"smtp_host"`
	SMTPPort          *int    `json:"smtp_port"`
	SMTPTLS           *string `json:"smtp_tls"`
	SMTPUser          *string `json:"smtp_user"`
	SMTPPassword      *string `json:"smtp_password"`
	FromName          *string `json:"from_name"`
	Signature         *string `json:"signature"`
	AutoReply         *string `json:"auto_reply"`
	Active            *bool   `json:"active"`
	DeleteAfterImport *bool   `json:"delete_after_import"`
}

// DefaultPort is the usual port of IMAP or SMTP ("imap", "smtp") in a TLS mode.
func DefaultPort(proto, mode string) int { return defaultPort(proto, mode) }

func defaultPort(proto, mode string) int {
	switch {
	case proto == "imap" && mode == "tls":
		return 993
	case proto == "imap":
		return 143
	case mode == "tls":
		return 465
	}
	return 587
}

// apply fills m from in and checks the result; problems go into f.
func (s *Service) apply(f apperr.Fields, m *Mailbox, in MailboxInput, creating bool) {
	str := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	str(&m.Name, in.Name)
	str(&m.Address, in.Address)
	str(&m.IMAPHost, in.IMAPHost)
	str(&m.IMAPTLS, in.IMAPTLS)
	str(&m.IMAPUser, in.IMAPUser)
	str(&m.IMAPFolder, in.IMAPFolder)
	str(&m.SMTPHost, in.SMTPHost)
	str(&m.SMTPTLS, in.SMTPTLS)
	str(&m.SMTPUser, in.SMTPUser)
	str(&m.FromName, in.FromName)
	if in.Signature != nil {
		m.Signature = strings.TrimRight(*in.Signature, " \t\r\n")
	}
	if in.AutoReply != nil {
		m.AutoReply = strings.TrimSpace(*in.AutoReply)
	}
	if in.TeamID != nil {
		m.TeamID = in.TeamID
		if *in.TeamID == 0 {
			m.TeamID = nil
		}
	}
	if in.Active != nil {
		m.Active = *in.Active
	}
	if in.DeleteAfterImport != nil {
		m.DeleteAfterImport = *in.DeleteAfterImport
	}
	if creating {
		if m.IMAPTLS == "" {
			m.IMAPTLS = "tls"
		}
		if m.SMTPTLS == "" {
			m.SMTPTLS = "starttls"
		}
		if m.IMAPFolder == "" {
			m.IMAPFolder = "INBOX"
		}
	}
	if in.IMAPPort != nil {
		m.IMAPPort = *in.IMAPPort
	} else if creating {
		m.IMAPPort = defaultPort("imap", m.IMAPTLS)
	}
	if in.SMTPPort != nil {
		m.SMTPPort = *in.SMTPPort
	} else if creating && m.SMTPHost != "" {
		m.SMTPPort = defaultPort("smtp", m.SMTPTLS)
	}
	if in.IMAPPassword != nil {
		m.imapPassword = s.sealer.Seal("imap_password", *in.IMAPPassword)
	}
	if in.SMTPPassword != nil {
		m.smtpPassword = s.sealer.Seal("smtp_password", *in.SMTPPassword)
	}
	m.IMAPPasswordSet, m.SMTPPasswordSet = m.imapPassword != "", m.smtpPassword != ""

	text := func(field, v string, max int, required bool) {
		f.Check(!required || v != "", field, "required", nil)
		f.Check(utf8.RuneCountInString(v) <= max, field, "too_long", map[string]any{"max": max})
		f.Check(utf8.ValidString(v), field, "bad_encoding", nil)
	}
	text("name", m.Name, 100, true)
	text("imap_host", m.IMAPHost, 255, true)
	text("imap_user", m.IMAPUser, 255, true)
	text("imap_folder", m.IMAPFolder, 255, true)
	text("smtp_host", m.SMTPHost, 255, false)
	text("smtp_user", m.SMTPUser, 255, false)
	text("from_name", m.FromName, 100, false)
	text("signature", m.Signature, 2000, false)
	text("auto_reply", m.AutoReply, 4000, false)
	f.Check(!strings.ContainsAny(m.FromName, "\r\n"), "from_name", "bad_characters", nil)
	if norm, ok := customer.NormalizeEmail(m.Address); ok {
		m.Address = norm
	} else {
		f.Add("address", "invalid_email", nil)
	}
	f.Check(slices.Contains(TLSModes, m.IMAPTLS), "imap_tls", "one_of", map[string]any{"values": strings.Join(TLSModes, ", ")})
	f.Check(slices.Contains(TLSModes, m.SMTPTLS), "smtp_tls", "one_of", map[string]any{"values": strings.Join(TLSModes, ", ")})
	f.Check(m.IMAPPort >= 1 && m.IMAPPort <= 65535, "imap_port", "out_of_range", map[string]any{"min": 1, "max": 65535})
	f.Check(m.SMTPHost == "" || (m.SMTPPort >= 1 && m.SMTPPort <= 65535), "smtp_port", "out_of_range", map[string]any{"min": 1, "max": 65535})
}

// CreateMailbox connects a new mailbox (admins only).
func (s *Service) CreateMailbox(ctx context.Context, a auth.Actor, in MailboxInput) (*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	m := &Mailbox{Active: true}
	f := apperr.Fields{}
	s.apply(f, m, in, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.checkTeam(tx, m.TeamID); err != nil {
			return err
		}
		err := tx.QueryRowContext(tx.Context(), `INSERT INTO mailboxes (name, address, team_id, imap_host, imap_port, imap_tls, imap_user, imap_password,
			imap_folder, smtp_host, smtp_port, smtp_tls, smtp_user, smtp_password, from_name, signature, auto_reply, active, delete_after_import, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20) RETURNING id`,
			m.Name, m.Address, m.TeamID, m.IMAPHost, m.IMAPPort, m.IMAPTLS, m.IMAPUser, m.imapPassword, m.IMAPFolder,
			m.SMTPHost, m.SMTPPort, m.SMTPTLS, m.SMTPUser, m.smtpPassword, m.FromName, m.Signature, m.AutoReply,
			m.Active, m.DeleteAfterImport, now).Scan(&m.ID)
		if storage.IsUniqueViolation(err) {
			return apperr.Conflict("mailbox_taken", nil)
		}
		if err != nil {
			return fmt.Errorf("insert mailbox: %w", err)
		}
		_, err = tx.ExecContext(tx.Context(), `INSERT INTO mail_sync (mailbox_id) VALUES ($1)`, m.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return s.loadMailbox(ctx, s.db.Read(), m.ID)
}

// UpdateMailbox changes a mailbox (admins only).
func (s *Service) UpdateMailbox(ctx context.Context, a auth.Actor, id int64, in MailboxInput) (*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		m, err := s.loadMailbox(tx.Context(), tx, id)
		if err != nil {
			return err
		}
		f := apperr.Fields{}
		s.apply(f, m, in, false)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.checkTeam(tx, m.TeamID); err != nil {
			return err
		}
		_, err = tx.ExecContext(tx.Context(), `UPDATE mailboxes SET name = $1, address = $2, team_id = $3, imap_host = $4, imap_port = $5,
			imap_tls = $6, imap_user = $7, imap_password = $8, imap_folder = $9, smtp_host = $10, smtp_port = $11, smtp_tls = $12,
			smtp_user = $13, smtp_password = $14, from_name = $15, signature = $16, auto_reply = $17, active = $18,
			delete_after_import = $19, updated_at = $20 WHERE id = $21`,
			m.Name, m.Address, m.TeamID, m.IMAPHost, m.IMAPPort, m.IMAPTLS, m.IMAPUser, m.imapPassword, m.IMAPFolder,
			m.SMTPHost, m.SMTPPort, m.SMTPTLS, m.SMTPUser, m.smtpPassword, m.FromName, m.Signature, m.AutoReply,
			m.Active, m.DeleteAfterImport, s.now().UnixMilli(), id)
		if storage.IsUniqueViolation(err) {
			return apperr.Conflict("mailbox_taken", nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return s.loadMailbox(ctx, s.db.Read(), id)
}

func (s *Service) checkTeam(tx *storage.Tx, id *int64) error {
	if id == nil {
		return nil
	}
	k, err := user.TeamKind(tx.Context(), tx, *id)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && k != user.KindTeam) {
		return apperr.Invalid("team_id", "unknown_team", nil)
	}
	return err
}

// Mailboxes lists every mailbox (admins only).
func (s *Service) Mailboxes(ctx context.Context, a auth.Actor) ([]*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	return s.listMailboxes(ctx, false)
}

// Mailbox returns one mailbox (admins only).
func (s *Service) Mailbox(ctx context.Context, a auth.Actor, id int64) (*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	return s.loadMailbox(ctx, s.db.Read(), id)
}

const selectMailbox = `SELECT m.id, m.name, m.address, m.team_id, m.imap_host, m.imap_port, m.imap_tls, m.imap_user, m.imap_password,
	m.imap_folder, m.smtp_host, m.smtp_port, m.smtp_tls, m.smtp_user, m.smtp_password, m.from_name, m.signature, m.auto_reply,
	m.active, m.delete_after_import, m.created_at, m.updated_at,
	COALESCE(s.folder, ''), COALESCE(s.uidvalidity, 0), COALESCE(s.last_uid, 0), COALESCE(s.last_sync_at, 0), COALESCE(s.last_error, '')
FROM mailboxes m LEFT JOIN mail_sync s ON s.mailbox_id = m.id`

func scanMailbox(row interface{ Scan(...any) error }) (*Mailbox, error) {
	var m Mailbox
	var team sql.NullInt64
	var created, updated, synced int64
	err := row.Scan(&m.ID, &m.Name, &m.Address, &team, &m.IMAPHost, &m.IMAPPort, &m.IMAPTLS, &m.IMAPUser, &m.imapPassword,
		&m.IMAPFolder, &m.SMTPHost, &m.SMTPPort, &m.SMTPTLS, &m.SMTPUser, &m.smtpPassword, &m.FromName, &m.Signature, &m.AutoReply,
		&m.Active, &m.DeleteAfterImport, &created, &updated,
		&m.Sync.Folder, &m.Sync.UIDValidity, &m.Sync.LastUID, &synced, &m.Sync.LastError)
	if err != nil {
		return nil, err
	}
	if team.Valid {
		m.TeamID = &team.Int64
	}
	m.IMAPPasswordSet, m.SMTPPasswordSet = m.imapPassword != "", m.smtpPassword != ""
	m.CreatedAt, m.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if synced > 0 {
		t := time.UnixMilli(synced).UTC()
		m.Sync.LastSyncAt = &t
	}
	return &m, nil
}

func (s *Service) loadMailbox(ctx context.Context, q storage.Querier, id int64) (*Mailbox, error) {
	m, err := scanMailbox(q.QueryRowContext(ctx, selectMailbox+` WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("mailbox")
	}
	return m, err
}

func (s *Service) listMailboxes(ctx context.Context, activeOnly bool) ([]*Mailbox, error) {
	q := selectMailbox
	if activeOnly {
		q += ` WHERE m.active = $1`
	} else {
		q += ` WHERE m.active = $1 OR m.active <> $1`
	}
	rows, err := s.db.Read().QueryContext(ctx, q+` ORDER BY m.id`, true)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	defer rows.Close()
	out := []*Mailbox{}
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
