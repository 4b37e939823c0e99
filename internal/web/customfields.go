package web

import (
	"context"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/i18n"
)

// Custom fields on forms. Each field is an input named "cf.<key>"; a checkbox is preceded by
// a hidden input of the same name, so that an unticked box still says "false". Values are
// checked by the domain (customfield.Apply), whose errors name "custom_fields.<key>"; they
// are shown at the field, with its label, in the user's language.

// cfInput is one custom field as a form draws it.
type cfInput struct {
	Key      string
	Label    string
	Type     string
	Options  []string
	Required bool
	Value    string // text, number, date and select: what is stored, or what was typed
	Checked  bool   // checkbox
	Err      string
}

const cfPrefix = "cf."

// cfLabel is a field's name in the user's language (the Chinese one when English is empty).
func cfLabel(lang i18n.Lang, f customfield.Field) string {
	if lang == i18n.EN && f.LabelEN != "" {
		return f.LabelEN
	}
	return f.LabelZH
}

// cfLabels maps "custom_fields.<key>" to each field's label, for the change trail.
func cfLabels(lang i18n.Lang, defs []customfield.Field) map[string]string {
	out := make(map[string]string, len(defs))
	for _, f := range defs {
		out["custom_fields."+f.Key] = cfLabel(lang, f)
	}
	return out
}

// cfText shows a stored value in a form or the trail: numbers without a trailing ".0".
func cfText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// cfInputs lays out an entity's fields with their values; typed (a refused form) wins over
// the stored values, and fe's messages go to their fields.
func cfInputs(lang i18n.Lang, defs []customfield.Field, values map[string]any, typed url.Values, fe *formError) []cfInput {
	out := make([]cfInput, 0, len(defs))
	for _, f := range defs {
		in := cfInput{Key: f.Key, Label: cfLabel(lang, f), Type: f.Type, Options: f.Options, Required: f.Required}
		if typed != nil && typed.Has(cfPrefix+f.Key) {
			vs := typed[cfPrefix+f.Key]
			in.Value = strings.TrimSpace(vs[len(vs)-1])
			in.Checked = containsString(vs, "true")
		} else {
			in.Value = cfText(values[f.Key])
			in.Checked = values[f.Key] == true
		}
		in.Err = fe.Field("custom_fields." + f.Key)
		out = append(out, in)
	}
	return out
}

// cfValues reads the custom fields a form carried into the changes the domain takes: an
// emptied field is removed (nil), a number is parsed here (what is not a number is passed on
// as text, for the domain to refuse at the field).
func cfValues(form url.Values, defs []customfield.Field) map[string]any {
	out := map[string]any{}
	for _, f := range defs {
		vs, ok := form[cfPrefix+f.Key]
		if !ok {
			continue
		}
		if f.Type == "checkbox" {
			out[f.Key] = containsString(vs, "true")
			continue
		}
		s := strings.TrimSpace(vs[len(vs)-1])
		switch {
		case s == "":
			out[f.Key] = nil
		case f.Type == "number":
			n, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				out[f.Key] = s
			} else {
				out[f.Key] = n
			}
		default:
			out[f.Key] = s
		}
	}
	return out
}

// cfFormError is asFormError with custom fields named by their labels instead of their keys.
func cfFormError(lang i18n.Lang, err error, defs []customfield.Field) (*formError, bool) {
	fe, ok := asFormError(lang, err)
	if !ok {
		return nil, false
	}
	e, _ := apperr.As(err)
	for _, f := range defs {
		name := "custom_fields." + f.Key
		fieldErr, ok := e.Fields[name]
		if !ok {
			continue
		}
		p := map[string]any{}
		for k, v := range fieldErr.Params {
			p[k] = v
		}
		p["field"] = cfLabel(lang, f)
		fe.Fields[name] = i18n.T(lang, "check."+fieldErr.Code, p)
	}
	return fe, true
}

// cfDescribe tells a change of a custom field in the trail: its label and values, a
// checkbox as yes or no. ok is false for other fields.
func cfDescribe(lang i18n.Lang, labels map[string]string, field string, old, nw *string) (string, bool) {
	if !strings.HasPrefix(field, "custom_fields.") {
		return "", false
	}
	label, ok := labels[field]
	if !ok {
		label = strings.TrimPrefix(field, "custom_fields.")
	}
	show := func(v *string) string {
		switch {
		case v == nil || *v == "":
			return "—"
		case *v == "true":
			return tr(lang, "common.yes")
		case *v == "false":
			return tr(lang, "common.no")
		}
		return *v
	}
	return tr(lang, "event.field", "field", label, "old", show(old), "new", show(nw)), true
}

// customFields reads an entity's definitions.
func (u *UI) customFields(ctx context.Context, entity string) ([]customfield.Field, error) {
	return u.CustomFields.List(ctx, entity)
}
