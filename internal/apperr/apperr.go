// Package apperr holds the errors that domain packages return. They carry a machine code and
// the fields at fault, never an HTTP status or a sentence: the web edge and the CLI choose
// the status and translate the code into the user's language.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind says what sort of failure an error is; the HTTP edge maps each kind to one status.
type Kind int

// The kinds of domain failure.
const (
	KindInvalid      Kind = iota + 1 // the input is wrong; nothing was written
	KindNotFound                     // no such thing, or the actor may not know it exists
	KindForbidden                    // the actor may see it but not do this
	KindConflict                     // the state moved on (stale version, duplicate)
	KindUnauthorized                 // no valid credentials
)

// FieldError is one field's problem: a code such as "required" or "too_long", and the
// values its message needs ({"max": 500}).
type FieldError struct {
	Code   string
	Params map[string]any
}

// Error is a domain failure.
type Error struct {
	Kind   Kind
	Code   string
	Params map[string]any
	Fields map[string]FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(":")
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, e.Fields[k].Code)
		}
	}
	return b.String()
}

// Is makes errors.Is(err, apperr.ErrNotFound) match any error of the same kind and code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Code == "" || t.Code == e.Code)
}

// Sentinels for errors.Is.
var (
	ErrNotFound     = &Error{Kind: KindNotFound, Code: "not_found"}
	ErrForbidden    = &Error{Kind: KindForbidden, Code: "forbidden"}
	ErrUnauthorized = &Error{Kind: KindUnauthorized, Code: "unauthorized"}
	ErrStale        = &Error{Kind: KindConflict, Code: "stale_version"}
)

// NotFound says that the named thing ("ticket", "customer") does not exist for the actor.
func NotFound(what string) error {
	return &Error{Kind: KindNotFound, Code: "not_found", Params: map[string]any{"what": what}}
}

// Forbidden refuses an action the actor's role or teams do not allow.
func Forbidden(code string) error {
	if code == "" {
		code = "forbidden"
	}
	return &Error{Kind: KindForbidden, Code: code}
}

// Conflict reports that the state has moved on or would be duplicated.
func Conflict(code string, params map[string]any) error {
	return &Error{Kind: KindConflict, Code: code, Params: params}
}

// Invalid reports one field's problem.
func Invalid(field, code string, params map[string]any) error {
	return &Error{Kind: KindInvalid, Code: "invalid", Fields: map[string]FieldError{field: {Code: code, Params: params}}}
}

// Rule reports input that breaks a rule not tied to one field (a merge across customers).
func Rule(code string, params map[string]any) error {
	return &Error{Kind: KindInvalid, Code: code, Params: params}
}

// As returns err as an *Error if it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects field errors during validation; the first problem per field wins.
type Fields map[string]FieldError

// Add records a problem with field unless it already has one.
func (f Fields) Add(field, code string, params map[string]any) {
	if _, ok := f[field]; !ok {
		f[field] = FieldError{Code: code, Params: params}
	}
}

// Check adds the problem when ok is false.
func (f Fields) Check(ok bool, field, code string, params map[string]any) {
	if !ok {
		f.Add(field, code, params)
	}
}

// Err is nil when no field has a problem.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: "invalid", Fields: map[string]FieldError(f)}
}
