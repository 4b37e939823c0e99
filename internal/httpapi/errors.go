package httpapi

import (
	"errors"
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/i18n"
)

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error struct {
		Code    string                       `json:"code"`
		Message string                       `json:"message"`
		Fields  map[string]i18n.FieldMessage `json:"fields,omitempty"`
	} `json:"error"`
}

// status maps a domain error kind to its HTTP status: the only place that does.
func status(e *apperr.Error) int {
	switch e.Kind {
	case apperr.KindInvalid:
		if e.Code == "invalid" || e.Code == "bad_json" {
			return http.StatusBadRequest
		}
		return http.StatusUnprocessableEntity
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindUnauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// fail writes err as a JSON error in the caller's language. Errors that are not domain
// errors are logged and answered with a 500 that reveals nothing.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		e, ok = &apperr.Error{Kind: apperr.KindInvalid, Code: "request_too_large", Params: map[string]any{"max": tooLarge.Limit}}, true
	case !ok:
		a.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &apperr.Error{Code: "internal"}
	}
	var body errorBody
	body.Error.Code = e.Code
	body.Error.Message, body.Error.Fields = i18n.Error(lang(r), e)
	st := status(e)
	if e.Code == "request_too_large" {
		st = http.StatusRequestEntityTooLarge
	}
	writeJSON(w, st, body)
}
