// Package customfield lets admins define extra fields for tickets and customers (order
// number, product model, contract id …) and checks the values against those definitions.
// Values are stored as a JSON object on the ticket or customer.
package customfield

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
)

// Entities that can carry custom fields.
const (
	Ticket   = "ticket"
	Customer = "customer"
)

// Types of custom field.
var Types = []string{"text", "number", "date", "select", "checkbox"}

// Field is one definition.
type Field struct {
	ID       int64    `json:"id"`
	Entity   string   `json:"entity"`
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	LabelZH  string   `json:"label_zh"`
	LabelEN  string   `json:"label_en"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
	Position int      `json:"position"`
}

// maxText is the longest text value of a custom field, in characters.
const maxText = 2000

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Service manages definitions.
type Service struct {
	db  *storage.DB
	now func() time.Time
}

// NewService makes the service.
func NewService(db *storage.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Create defines a field (admins only).
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Field) (*Field, error) {
	if !actor.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	f := apperr.Fields{}
	f.Check(in.Entity == Ticket || in.Entity == Customer, "entity", "one_of", map[string]any{"values": "ticket, customer"})
	f.Check(keyPattern.MatchString(in.Key), "key", "bad_key", nil)
	f.Check(slices.Contains(Types, in.Type), "type", "one_of", map[string]any{"values": strings.Join(Types, ", ")})
	f.Check(strings.TrimSpace(in.LabelZH) != "", "label_zh", "required", nil)
	f.Check(utf8.RuneCountInString(in.LabelZH) <= 100, "label_zh", "too_long", map[string]any{"max": 100})
	f.Check(utf8.RuneCountInString(in.LabelEN) <= 100, "label_en", "too_long", map[string]any{"max": 100})
	f.Check(in.Type != "select" || len(in.Options) > 0, "options", "required", nil)
	f.Check(len(in.Options) <= 200, "options", "too_many", map[string]any{"max": 200})
	if err := f.Err(); err != nil {
		return nil, err
	}
	if in.Options == nil {
		in.Options = []string{}
	}
	opts, _ := json.Marshal(in.Options)
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO custom_fields (entity, key, type, label_zh, label_en, options, required, position, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.Entity, in.Key, in.Type, strings.TrimSpace(in.LabelZH), strings.TrimSpace(in.LabelEN), string(opts), in.Required, in.Position, s.now().UnixMilli()).Scan(&in.ID)
		if storage.IsUniqueViolation(err) {
			return apperr.Invalid("key", "taken", nil)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// List returns the definitions of an entity ("" for all), in display order.
func (s *Service) List(ctx context.Context, entity string) ([]Field, error) {
	return List(ctx, s.db.Read(), entity)
}

// List reads definitions with any querier (inside a command too).
func List(ctx context.Context, q storage.Querier, entity string) ([]Field, error) {
	all, err := definitions.Get(ctx, q, listAll)
	if err != nil {
		return nil, err
	}
	out := []Field{}
	for _, f := range all {
		if entity == "" || f.Entity == entity {
			f.Options = slices.Clone(f.Options)
			out = append(out, f)
		}
	}
	return out, nil
}

// definitions is this node's copy of every definition, read again when the table changes.
var definitions = storage.NewCached[[]Field]("custom_fields")

func listAll(ctx context.Context, q storage.Querier) ([]Field, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, entity, key, type, label_zh, label_en, options, required, position
		FROM custom_fields ORDER BY entity, position, id`)
	if err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	defer rows.Close()
	out := []Field{}
	for rows.Next() {
		var f Field
		var opts string
		if err := rows.Scan(&f.ID, &f.Entity, &f.Key, &f.Type, &f.LabelZH, &f.LabelEN, &opts, &f.Required, &f.Position); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return nil, fmt.Errorf("custom field %d options: %w", f.ID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Apply merges changes into current values (a null value removes a field), checks the result
// against the entity's definitions and returns it as JSON. With creating set, required
// fields must be present.
func Apply(ctx context.Context, q storage.Querier, entity string, current map[string]any, changes map[string]any, creating bool) (string, map[string]any, error) {
	defs, err := List(ctx, q, entity)
	if err != nil {
		return "", nil, err
	}
	byKey := make(map[string]Field, len(defs))
	for _, d := range defs {
		byKey[d.Key] = d
	}
	out := make(map[string]any, len(current)+len(changes))
	for k, v := range current {
		out[k] = v
	}
	f := apperr.Fields{}
	for k, v := range changes {
		name := "custom_fields." + k
		d, ok := byKey[k]
		if !ok {
			f.Add(name, "unknown_field", nil)
			continue
		}
		if v == nil {
			delete(out, k)
			continue
		}
		nv, code := checkValue(d, v)
		if code != "" {
			f.Add(name, code, map[string]any{"values": strings.Join(d.Options, ", "), "max": maxText})
			continue
		}
		out[k] = nv
	}
	if creating {
		for _, d := range defs {
			if _, ok := out[d.Key]; d.Required && !ok {
				f.Add("custom_fields."+d.Key, "required", nil)
			}
		}
	}
	if err := f.Err(); err != nil {
		return "", nil, err
	}
	b, err := json.Marshal(out)
	return string(b), out, err
}

func checkValue(d Field, v any) (any, string) {
	switch d.Type {
	case "text":
		s, ok := v.(string)
		if !ok {
			return nil, "want_text"
		}
		if utf8.RuneCountInString(s) > maxText {
			return nil, "too_long"
		}
		return s, ""
	case "number":
		n, ok := v.(float64)
		if !ok {
			if jn, isJSON := v.(json.Number); isJSON {
				f, err := jn.Float64()
				return f, map[bool]string{true: "", false: "want_number"}[err == nil]
			}
			return nil, "want_number"
		}
		return n, ""
	case "date":
		s, ok := v.(string)
		if _, err := time.Parse("2006-01-02", s); !ok || err != nil {
			return nil, "want_date"
		}
		return s, ""
	case "select":
		s, ok := v.(string)
		if !ok || !slices.Contains(d.Options, s) {
			return nil, "one_of"
		}
		return s, ""
	case "checkbox":
		b, ok := v.(bool)
		if !ok {
			return nil, "want_bool"
		}
		return b, ""
	}
	return nil, "unknown_field"
}

// Decode reads stored values.
func Decode(raw string) map[string]any {
	out := map[string]any{}
	if raw != "" {
		json.Unmarshal([]byte(raw), &out)
	}
	return out
}

// Patch changes a definition's labels, options, required flag or position; its key, entity
// and type stay, because stored values depend on them.
type Patch struct {
	LabelZH  *string  `json:"label_zh"`
	LabelEN  *string  `json:"label_en"`
	Options  []string `json:"options"`
	Required *bool    `json:"required"`
	Position *int     `json:"position"`
}

// Update changes a definition (admins only).
func (s *Service) Update(ctx context.Context, actor auth.Actor, id int64, p Patch) (*Field, error) {
	if !actor.IsAdmin() {
		return nil, apperr.Forbidden("")
	}
	var out *Field
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		all, err := List(ctx, tx, "")
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].ID == id {
				out = &all[i]
			}
		}
		if out == nil {
			return apperr.NotFound("custom_field")
		}
		if p.LabelZH != nil {
			out.LabelZH = strings.TrimSpace(*p.LabelZH)
		}
		if p.LabelEN != nil {
			out.LabelEN = strings.TrimSpace(*p.LabelEN)
		}
		if p.Options != nil {
			out.Options = p.Options
		}
		if p.Required != nil {
			out.Required = *p.Required
		}
		if p.Position != nil {
			out.Position = *p.Position
		}
		f := apperr.Fields{}
		f.Check(out.LabelZH != "", "label_zh", "required", nil)
		f.Check(utf8.RuneCountInString(out.LabelZH) <= 100, "label_zh", "too_long", map[string]any{"max": 100})
		f.Check(utf8.RuneCountInString(out.LabelEN) <= 100, "label_en", "too_long", map[string]any{"max": 100})
		f.Check(out.Type != "select" || len(out.Options) > 0, "options", "required", nil)
		f.Check(len(out.Options) <= 200, "options", "too_many", map[string]any{"max": 200})
		if err := f.Err(); err != nil {
			return err
		}
		opts, _ := json.Marshal(out.Options)
		_, err = tx.ExecContext(ctx, `UPDATE custom_fields SET label_zh = $1, label_en = $2, options = $3, required = $4, position = $5 WHERE id = $6`,
			out.LabelZH, out.LabelEN, string(opts), out.Required, out.Position, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
