package customer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/tag"
)

// Service manages customer records.
type Service struct {
	db    *storage.DB
	now   func() time.Time
	hooks []Hook // see hooks.go
}

// NewService makes the service; now is the clock (time.Now when nil).
func NewService(db *storage.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Create adds a customer.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (*Customer, error) {
	if !canRead(actor) {
		return nil, apperr.Forbidden("")
	}
	if err := validate(&in, true); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		id, err = s.CreateTx(tx, actor, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.Read(), id)
}

// CreateTx adds a customer inside another command (a ticket arriving from a new sender).
// in must have passed validation (Create and FindOrCreateTx do that).
func (s *Service) CreateTx(tx *storage.Tx, actor auth.Actor, in Input) (int64, error) {
	ctx := tx.Context()
	now := s.now()
	str := func(p *string, def string) string {
		if p == nil {
			return def
		}
		return strings.TrimSpace(*p)
	}
	cf, _, err := customfield.Apply(ctx, tx, customfield.Customer, nil, in.CustomFields, true)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO customers (name, organization, tier, stage, notes, custom_fields, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id`,
		str(in.Name, ""), str(in.Organization, ""), str(in.Tier, "ordinary"), str(in.Stage, "current"), str(in.Notes, ""), cf, now.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert customer: %w", err)
	}
	changes := []event.Change{{Action: "created", Field: "name", New: event.Str(str(in.Name, ""))}}
	var ids []identity
	for _, l := range []struct {
		kind, field string
		values      []string
	}{{Email, "emails", in.Emails}, {Phone, "phones", in.Phones}, {Chat, "chat_ids", in.ChatIDs}} {
		for i, v := range l.values {
			if err := addIdentity(tx, id, l.kind, v, now); err != nil {
				if errors.Is(err, errIdentityTaken) {
					return 0, apperr.Invalid(fmt.Sprintf("%s[%d]", l.field, i), "identity_taken", map[string]any{"value": v})
				}
				return 0, err
			}
			changes = append(changes, event.Change{Action: "identity_added", Field: l.kind, New: event.Str(v)})
			ids = append(ids, identity{l.kind, v})
		}
	}
	if len(in.Tags) > 0 {
		names, err := tag.Normalize("tags", in.Tags)
		if err != nil {
			return 0, err
		}
		if _, _, err := tag.Replace(tx, "customer_tags", "customer_id", id, names, now); err != nil {
			return 0, err
		}
		changes = append(changes, event.Change{Action: "updated", Field: "tags", New: event.Str(strings.Join(names, ","))})
	}
	// A new customer's index entry is made from what was just written, not read back.
	text := indexText(str(in.Name, ""), str(in.Organization, ""), ids)
	if err := search.Add(tx, search.Customers, id, text); err != nil {
		return 0, err
	}
	return id, event.Append(tx, actor, event.Customer, id, now, changes...)
}

var errIdentityTaken = errors.New("identity belongs to another customer")

// addIdentity inserts an identity, or reports errIdentityTaken. ON CONFLICT keeps a
// PostgreSQL transaction usable when another customer already has the value.
func addIdentity(tx *storage.Tx, customerID int64, kind, value string, now time.Time) error {
	res, err := tx.ExecContext(tx.Context(), `INSERT INTO customer_identities (customer_id, kind, value, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING`, customerID, kind, value, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("insert identity: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errIdentityTaken
	}
	return nil
}

// FindOrCreateTx returns the customer an identity belongs to, creating the customer (named
// name, or after the identity) when nobody has it yet. created tells which happened.
func (s *Service) FindOrCreateTx(tx *storage.Tx, actor auth.Actor, kind, value, name string) (id int64, created bool, err error) {
	norm, ok := Normalize(kind, value)
	if !ok {
		return 0, false, apperr.Invalid("customer."+kind, "invalid_"+kind, nil)
	}
	if tx.Dialect() == storage.Postgres {
		// Commands run side by side on PostgreSQL: two first messages from one new sender
		// must not both create the customer. The lock lasts until this command commits.
		if _, err := tx.ExecContext(tx.Context(), `SELECT pg_advisory_xact_lock(hashtext($1))`, kind+":"+norm); err != nil {
			return 0, false, fmt.Errorf("lock identity: %w", err)
		}
	}
	if id, err := FindByIdentity(tx.Context(), tx, kind, norm); err == nil {
		return id, false, nil
	} else if !errors.Is(err, apperr.ErrNotFound) {
		return 0, false, err
	}
	if strings.TrimSpace(name) == "" {
		name = norm
		if kind == Email {
			name = norm[:strings.IndexByte(norm, '@')]
		}
	}
	in := Input{Name: &name}
	switch kind {
	case Email:
		in.Emails = []string{norm}
	case Phone:
		in.Phones = []string{norm}
	case Chat:
		in.ChatIDs = []string{norm}
	}
	if err := validate(&in, true); err != nil {
		return 0, false, prefixFields(err, "customer.")
	}
	id, err = s.CreateTx(tx, actor, in)
	if err != nil {
		return 0, false, prefixFields(err, "customer.")
	}
	return id, true, nil
}

func prefixFields(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || e.Fields == nil {
		return err
	}
	out := apperr.Fields{}
	for k, v := range e.Fields {
		out[prefix+k] = v
	}
	return out.Err()
}

// FindByIdentity returns the id of the customer with a normalised identity.
func FindByIdentity(ctx context.Context, q storage.Querier, kind, value string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT customer_id FROM customer_identities WHERE kind = $1 AND value = $2`, kind, value).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.NotFound("customer")
	}
	return id, err
}

// Exists reports whether a customer id exists, inside a command.
func Exists(ctx context.Context, q storage.Querier, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// Check returns nil if the actor may read the customer record, without logging a view (for
// lists that only need the permission, like a customer's tickets).
func (s *Service) Check(ctx context.Context, actor auth.Actor, id int64) error {
	if !canRead(actor) {
		return apperr.NotFound("customer")
	}
	ok, err := Exists(ctx, s.db.Read(), id)
	if err == nil && !ok {
		err = apperr.NotFound("customer")
	}
	return err
}

// Get returns a customer record and logs the view (查阅登记).
func (s *Service) Get(ctx context.Context, actor auth.Actor, id int64) (*Customer, error) {
	if !canRead(actor) {
		return nil, apperr.NotFound("customer")
	}
	c, err := s.load(ctx, s.db.Read(), id)
	if err != nil {
		return nil, err
	}
	if actor.Kind == auth.ActorUser {
		err := s.db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO customer_views (customer_id, user_id, viewed_at) VALUES ($1, $2, $3)`, id, actor.ID, s.now().UnixMilli())
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("log customer view: %w", err)
		}
	}
	return c, nil
}

// Update changes a customer record; each changed field leaves an event.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id int64, in Input) (*Customer, error) {
	if !canRead(actor) {
		return nil, apperr.NotFound("customer")
	}
	if err := validate(&in, false); err != nil {
		return nil, err
	}
	var tagNames []string
	if in.Tags != nil {
		var err error
		if tagNames, err = tag.Normalize("tags", in.Tags); err != nil {
			return nil, err
		}
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if tx.Dialect() == storage.Postgres {
			// Commands run side by side on PostgreSQL: hold the row so this one works from
			// the record as it is, not as another command is changing it.
			if _, err := tx.ExecContext(ctx, `SELECT id FROM customers WHERE id = $1 FOR UPDATE`, id); err != nil {
				return fmt.Errorf("lock customer %d: %w", id, err)
			}
		}
		cur, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != cur.Version {
			return apperr.Conflict("stale_version", map[string]any{"current": cur.Version})
		}
		now := s.now()
		var changes []event.Change
		set := func(field string, p *string, old string) string {
			if p == nil || *p == old {
				return old
			}
			changes = append(changes, event.Change{Action: "updated", Field: field, Old: event.Str(old), New: event.Str(*p)})
			return *p
		}
		name := set("name", in.Name, cur.Name)
		org := set("organization", in.Organization, cur.Organization)
		tier := set("tier", in.Tier, cur.Tier)
		stage := set("stage", in.Stage, cur.Stage)
		notes := set("notes", in.Notes, cur.Notes)
		cf, newCF, err := customfield.Apply(ctx, tx, customfield.Customer, cur.CustomFields, in.CustomFields, false)
		if err != nil {
			return err
		}
		for k := range in.CustomFields {
			if o, n := cur.CustomFields[k], newCF[k]; !event.SameValue(o, n) {
				changes = append(changes, event.Change{Action: "updated", Field: "custom_fields." + k, Old: event.Value(o), New: event.Value(n)})
			}
		}
		for _, l := range []struct {
			kind, field string
			old, new    []string
		}{{Email, "emails", cur.Emails, in.Emails}, {Phone, "phones", cur.Phones, in.Phones}, {Chat, "chat_ids", cur.ChatIDs, in.ChatIDs}} {
			if l.new == nil {
				continue
			}
			for _, v := range l.old {
				if !slices.Contains(l.new, v) {
					if _, err := tx.ExecContext(ctx, `DELETE FROM customer_identities WHERE kind = $1 AND value = $2`, l.kind, v); err != nil {
						return err
					}
					changes = append(changes, event.Change{Action: "identity_removed", Field: l.kind, Old: event.Str(v)})
				}
			}
			for i, v := range l.new {
				if slices.Contains(l.old, v) {
					continue
				}
				if err := addIdentity(tx, id, l.kind, v, now); err != nil {
					if errors.Is(err, errIdentityTaken) {
						return apperr.Invalid(fmt.Sprintf("%s[%d]", l.field, i), "identity_taken", map[string]any{"value": v})
					}
					return err
				}
				changes = append(changes, event.Change{Action: "identity_added", Field: l.kind, New: event.Str(v)})
			}
		}
		if tagNames != nil {
			added, removed, err := tag.Replace(tx, "customer_tags", "customer_id", id, tagNames, now)
			if err != nil {
				return err
			}
			if len(added)+len(removed) > 0 {
				changes = append(changes, event.Change{Action: "updated", Field: "tags",
					Old: event.Str(strings.Join(cur.Tags, ",")), New: event.Str(strings.Join(tagNames, ","))})
			}
		}
		if len(changes) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE customers SET name = $1, organization = $2, tier = $3, stage = $4, notes = $5,
			custom_fields = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
			name, org, tier, stage, notes, cf, now.UnixMilli(), id, cur.Version)
		if err != nil {
			return fmt.Errorf("update customer: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.Conflict("stale_version", nil)
		}
		if err := reindex(tx, id); err != nil {
			return err
		}
		if err := event.Append(tx, actor, event.Customer, id, now, changes...); err != nil {
			return err
		}
		return s.changed(tx, cur, actor, now)
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.Read(), id)
}

// Events returns a customer's change trail.
func (s *Service) Events(ctx context.Context, actor auth.Actor, id, after int64, limit int) ([]event.Event, error) {
	if !canRead(actor) {
		return nil, apperr.NotFound("customer")
	}
	if ok, err := Exists(ctx, s.db.Read(), id); err != nil || !ok {
		if err == nil {
			err = apperr.NotFound("customer")
		}
		return nil, err
	}
	return event.List(ctx, s.db.Read(), event.Customer, id, after, limit)
}

const columns = `id, name, organization, tier, stage, notes, custom_fields, version, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var cf string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Organization, &c.Tier, &c.Stage, &c.Notes, &cf, &c.Version, &created, &updated); err != nil {
		return nil, err
	}
	c.CustomFields = customfield.Decode(cf)
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	c.Emails, c.Phones, c.ChatIDs, c.Tags = []string{}, []string{}, []string{}, []string{}
	return &c, nil
}

func (s *Service) load(ctx context.Context, q storage.Querier, id int64) (*Customer, error) {
	list, err := Load(ctx, q, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, apperr.NotFound("customer")
	}
	return list[0], nil
}

// Load reads customers by id with their identities and tags (in the order of ids, missing
// ones skipped); ticket pages use it to show who asked.
func Load(ctx context.Context, q storage.Querier, ids []int64) ([]*Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := storage.InList(ids)
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM customers WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load customers: %w", err)
	}
	byID := map[int64]*Customer{}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := attachDetails(ctx, q, byID, in, args); err != nil {
		return nil, err
	}
	out := make([]*Customer, 0, len(ids))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func attachDetails(ctx context.Context, q storage.Querier, byID map[int64]*Customer, in string, args []any) error {
	if len(byID) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT customer_id, kind, value FROM customer_identities WHERE customer_id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("load identities: %w", err)
	}
	for rows.Next() {
		var cid int64
		var kind, value string
		if err := rows.Scan(&cid, &kind, &value); err != nil {
			rows.Close()
			return err
		}
		c := byID[cid]
		if c == nil {
			continue
		}
		switch kind {
		case Email:
			c.Emails = append(c.Emails, value)
		case Phone:
			c.Phones = append(c.Phones, value)
		case Chat:
			c.ChatIDs = append(c.ChatIDs, value)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	tags, err := tag.Names(ctx, q, "customer_tags", "customer_id", ids)
	if err != nil {
		return err
	}
	for id, names := range tags {
		byID[id].Tags = names
	}
	return nil
}

// View is one look at a customer record by a staff member (查阅登记).
type View struct {
	UserID   int64     `json:"user_id"`
	UserName string    `json:"user_name"`
	At       time.Time `json:"at"`
}

// Views lists who looked at a customer record, newest first (at most limit). Only admins
// and supervisors may read the log.
func (s *Service) Views(ctx context.Context, actor auth.Actor, id int64, limit int) ([]View, error) {
	if !actor.IsAdmin() && !(actor.Kind == auth.ActorUser && actor.Role == auth.RoleSupervisor) {
		return nil, apperr.Forbidden("")
	}
	if err := s.Check(ctx, actor, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT v.user_id, u.name, v.viewed_at FROM customer_views v JOIN users u ON u.id = v.user_id
		WHERE v.customer_id = $1 ORDER BY v.id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("customer views: %w", err)
	}
	defer rows.Close()
	out := []View{}
	for rows.Next() {
		var v View
		var at int64
		if err := rows.Scan(&v.UserID, &v.UserName, &at); err != nil {
			return nil, err
		}
		v.At = time.UnixMilli(at).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}
