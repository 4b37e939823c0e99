package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decode reads a JSON body into v, refusing unknown fields, wrong types, trailing data and
// bodies over limit bytes, with the field at fault named in the error.
func decode(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_json", Params: map[string]any{"detail": "trailing data"}}
	}
	return nil
}

func jsonError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return apperr.Invalid(field, "wrong_type", map[string]any{"want": jsonType(typeErr.Type.Kind().String())})
	case errors.As(err, &syntax):
		return &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_json", Params: map[string]any{"detail": fmt.Sprintf("offset %d", syntax.Offset)}}
	case errors.Is(err, io.EOF):
		return &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_json", Params: map[string]any{"detail": "empty body"}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid(name, "unknown_field", nil)
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "bad_json", Params: map[string]any{"detail": err.Error()}}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "number"
	case "slice":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return kind
}

// pathID reads a positive integer path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, apperr.Invalid(name, "want_positive_integer", nil)
	}
	return v, nil
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, apperr.Invalid(name, "want_positive_integer", nil)
	}
	return v, nil
}
