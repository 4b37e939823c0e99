package i18n

import (
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
)

// FieldMessage is one field's problem, translated.
type FieldMessage struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error translates a domain error: a message for the whole and one per field. Field names
// in messages are translated too ("field.subject" → 主题).
func Error(lang Lang, e *apperr.Error) (string, map[string]FieldMessage) {
	params := withWhat(lang, e.Params)
	msg := T(lang, "error."+e.Code, params)
	if len(e.Fields) == 0 {
		return msg, nil
	}
	fields := make(map[string]FieldMessage, len(e.Fields))
	for name, fe := range e.Fields {
		p := withWhat(lang, fe.Params)
		if p == nil {
			p = map[string]any{}
		}
		p["field"] = FieldName(lang, name)
		fields[name] = FieldMessage{Code: fe.Code, Message: T(lang, "check."+fe.Code, p)}
	}
	return msg, fields
}

// FieldName translates a field's name; a nested name like attachments[2].size uses its
// last part.
func FieldName(lang Lang, name string) string {
	// emails[2] is the third email: name the list.
	if i := strings.LastIndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		name = name[:i]
	}
	base := name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' || name[i] == ']' {
			base = name[i+1:]
			break
		}
	}
	if Has("field." + base) {
		return T(lang, "field."+base, nil)
	}
	return name
}

// withWhat translates the "what" parameter ("ticket" → 工单) of not-found errors.
func withWhat(lang Lang, params map[string]any) map[string]any {
	w, ok := params["what"].(string)
	if !ok {
		return params
	}
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = v
	}
	out["what"] = T(lang, "thing."+w, nil)
	return out
}
