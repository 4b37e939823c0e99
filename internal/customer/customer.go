// Package customer keeps the customer records (客户档案): people and their companies, the ways
// to reach them, their value tier on the customer pyramid, their lifecycle stage, tags,
// custom fields and notes. Every change leaves an event and every view by staff is logged
// (查阅登记).
package customer

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
)

// Tiers of the customer pyramid (客户金字塔), from the top.
var Tiers = []string{"vip", "key", "ordinary", "small"}

// Stages of the customer lifecycle.
var Stages = []string{"potential", "target", "current", "lost"}

// Customer is one customer record.
type Customer struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Organization string         `json:"organization"`
	Tier         string         `json:"tier"`
	Stage        string         `json:"stage"`
	Emails       []string       `json:"emails"`
	Phones       []string       `json:"phones"`
	ChatIDs      []string       `json:"chat_ids"`
	Tags         []string       `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
	Notes        string         `json:"notes"`
	Version      int64          `json:"version"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// Input creates a customer, or (as a patch) changes one: nil fields stay as they are; the
// lists, when given, replace the current ones.
type Input struct {
	Name         *string        `json:"name"`
	Organization *string        `json:"organization"`
	Tier         *string        `json:"tier"`
	Stage        *string        `json:"stage"`
	Emails       []string       `json:"emails"`
	Phones       []string       `json:"phones"`
	ChatIDs      []string       `json:"chat_ids"`
	Tags         []string       `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
	Notes        *string        `json:"notes"`
	// Version, when set, must equal the record's current version (optimistic concurrency).
	Version *int64 `json:"version"`
}

// Limits on a record.
const (
	maxName       = 200
	maxNotes      = 10000
	maxIdentities = 20
)

// validate checks the scalar fields of in and normalises its identities in place.
func validate(in *Input, creating bool) error {
	f := apperr.Fields{}
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
			in.Name = &name
		}
		f.Check(name != "", "name", "required", nil)
		f.Check(utf8.RuneCountInString(name) <= maxName, "name", "too_long", map[string]any{"max": maxName})
	}
	if in.Organization != nil {
		f.Check(utf8.RuneCountInString(*in.Organization) <= maxName, "organization", "too_long", map[string]any{"max": maxName})
	}
	if in.Tier != nil {
		f.Check(slices.Contains(Tiers, *in.Tier), "tier", "one_of", map[string]any{"values": strings.Join(Tiers, ", ")})
	}
	if in.Stage != nil {
		f.Check(slices.Contains(Stages, *in.Stage), "stage", "one_of", map[string]any{"values": strings.Join(Stages, ", ")})
	}
	if in.Notes != nil {
		f.Check(utf8.RuneCountInString(*in.Notes) <= maxNotes, "notes", "too_long", map[string]any{"max": maxNotes})
	}
	for _, l := range []struct {
		field, kind string
		list        *[]string
	}{{"emails", Email, &in.Emails}, {"phones", Phone, &in.Phones}, {"chat_ids", Chat, &in.ChatIDs}} {
		if *l.list == nil {
			continue
		}
		if len(*l.list) > maxIdentities {
			f.Add(l.field, "too_many", map[string]any{"max": maxIdentities})
			continue
		}
		seen := map[string]bool{}
		out := []string{}
		for i, v := range *l.list {
			n, ok := Normalize(l.kind, v)
			if !ok {
				f.Add(l.field+"["+strconv.Itoa(i)+"]", "invalid_"+l.kind, nil)
				continue
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		*l.list = out
	}
	return f.Err()
}

// canRead: staff who serve customers see customer records; department staff see only what
// a ticket handed to them shows, masked.
func canRead(a auth.Actor) bool { return a.IsAdmin() || a.ServesCustomers() }
