package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/i18n"
	"github.com/kefuhq/kefu/internal/user"
)

// FirstAdminEmail is the login of the admin made on first start.
const FirstAdminEmail = "admin@kefu.local"

// EnsureAdmin creates the first admin on an empty installation and prints its login once:
// the password and an API token, neither of which is stored in readable form.
func (a *App) EnsureAdmin(ctx context.Context, out io.Writer) error {
	n, err := a.Users.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := auth.RandomSecret(12)
	u, err := a.Users.Create(ctx, auth.System(), user.CreateInput{
		Email: FirstAdminEmail, Name: "管理员", Role: auth.RoleAdmin, Password: password, TimeZone: a.Config.TimeZone,
	})
	if err != nil {
		return fmt.Errorf("create first admin: %w", err)
	}
	token, err := a.Users.CreateToken(ctx, auth.System(), u.ID, "first start")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `
  Kefu 已创建管理员账号 / first admin created — shown only this once:
    email:     %s
    password:  %s
    API token: %s

`, FirstAdminEmail, password, token)
	return nil
}

// login trades an email and password for a new API token (POST /api/v1/auth/token).
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Match(r.Header.Get("Accept-Language"))
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	fail := func(status int, e *apperr.Error) {
		msg, _ := i18n.Error(lang, e)
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": e.Code, "message": msg}})
	}
	if err := dec.Decode(&in); err != nil || in.Email == "" || in.Password == "" {
		fail(http.StatusBadRequest, &apperr.Error{Kind: apperr.KindInvalid, Code: "login_required"})
		return
	}
	u, err := a.Users.CheckPassword(r.Context(), in.Email, in.Password)
	if errors.Is(err, apperr.ErrUnauthorized) {
		fail(http.StatusUnauthorized, &apperr.Error{Kind: apperr.KindUnauthorized, Code: "bad_login"})
		return
	}
	if err != nil {
		a.Logger.Error("login", "err", err)
		fail(http.StatusInternalServerError, &apperr.Error{Code: "internal"})
		return
	}
	name := in.Name
	if name == "" {
		name = "login"
	}
	token, err := a.Users.CreateToken(r.Context(), u.Actor(), u.ID, name)
	if err != nil {
		fail(http.StatusInternalServerError, &apperr.Error{Code: "internal"})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "user": u})
}
