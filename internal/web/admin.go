package web

import (
	"net/http"
	"strings"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customfield"
	"github.com/kefuhq/kefu/internal/tag"
	"github.com/kefuhq/kefu/internal/user"
	"github.com/kefuhq/kefu/internal/web/phrase"
)

// adminData fills the administration pages; each page uses the lists it needs.
type adminData struct {
	Phrases    []phrase.Phrase
	Categories []string
	Users      []*user.User
	Teams      []*user.Team
	TeamNames  map[int64]string
	Roles      []auth.Role
	Tags       []tag.Tag
	Fields     []customfield.Field
	FieldTypes []string
	Err        *formError
	Form       map[string]string // what was typed, kept after an error
}

// Value is what was typed into a field of the failed form.
func (d *adminData) Value(name string) string { return d.Form[name] }

func (u *UI) adminPage(w http.ResponseWriter, r *http.Request, c *reqCtx, name string, status int, d *adminData) error {
	ctx := r.Context()
	var err error
	switch name {
	case "admin_phrases":
		d.Categories = phrase.Categories
		d.Phrases, err = u.Phrases.List(ctx)
	case "admin_users":
		d.Roles = auth.Roles
		if d.Users, err = u.Users.List(ctx); err == nil {
			d.Teams, err = u.Users.ListTeams(ctx)
		}
	case "admin_teams":
		if d.Teams, err = u.Users.ListTeams(ctx); err == nil {
			d.Users, err = u.Users.List(ctx)
		}
	case "admin_tags":
		d.Tags, err = u.Tags.List(ctx)
	case "admin_fields":
		d.FieldTypes = customfield.Types
		var t, cu []customfield.Field
		if t, err = u.CustomFields.List(ctx, customfield.Ticket); err == nil {
			cu, err = u.CustomFields.List(ctx, customfield.Customer)
		}
		d.Fields = append(t, cu...)
	}
	if err != nil {
		return err
	}
	d.TeamNames = map[int64]string{}
	for _, t := range d.Teams {
		d.TeamNames[t.ID] = t.Name
	}
	u.render(w, r, status, name, u.page(c, "admin", name+".title", d))
	return nil
}

// adminOnly keeps the administration pages to admins (phrases: supervisors too).
func adminOnly(c *reqCtx, supervisors bool) error {
	if c.Actor.IsAdmin() || (supervisors && c.Actor.Role == auth.RoleSupervisor) {
		return nil
	}
	return apperr.Forbidden("")
}

// adminSaved answers an administration form: back to the page, or the page with the error
// and what was typed.
func (u *UI) adminSaved(w http.ResponseWriter, r *http.Request, c *reqCtx, name, path string, err error) error {
	if err == nil {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return nil
	}
	fe, ok := asFormError(c.Lang, err)
	if !ok {
		return err
	}
	form := map[string]string{}
	for k := range r.PostForm {
		if k != "_csrf" && !strings.Contains(k, "password") {
			form[k] = r.PostForm.Get(k)
		}
	}
	return u.adminPage(w, r, c, name, http.StatusUnprocessableEntity, &adminData{Err: fe, Form: form})
}

func (u *UI) phrasesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, true); err != nil {
		return err
	}
	return u.adminPage(w, r, c, "admin_phrases", http.StatusOK, &adminData{})
}

func (u *UI) createPhrase(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := u.Phrases.Create(r.Context(), c.Actor, phrase.Input{Category: r.PostFormValue("category"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")})
	return u.adminSaved(w, r, c, "admin_phrases", "/admin/phrases", err)
}

func (u *UI) deletePhrase(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := u.Phrases.Delete(r.Context(), c.Actor, pathInt(r, "id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/phrases", http.StatusSeeOther)
	return nil
}

func (u *UI) usersPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	return u.adminPage(w, r, c, "admin_users", http.StatusOK, &adminData{})
}

func (u *UI) createUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	in := user.CreateInput{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: auth.Role(r.PostFormValue("role")),
		Password: r.PostFormValue("password"), Locale: "zh-CN", TimeZone: "Asia/Shanghai"}
	if id := formID(r, "team"); id != 0 {
		in.Teams = []int64{id}
	}
	_, err := u.Users.Create(r.Context(), c.Actor, in)
	return u.adminSaved(w, r, c, "admin_users", "/admin/users", err)
}

// updateUser changes a user's role or switches the account off (admins only, by the domain).
func (u *UI) updateUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	role := auth.Role(r.PostFormValue("role"))
	active := r.PostFormValue("active") != ""
	_, err := u.Users.Update(r.Context(), c.Actor, pathInt(r, "id"), user.UpdateInput{Role: &role, Active: &active})
	return u.adminSaved(w, r, c, "admin_users", "/admin/users", err)
}

func (u *UI) teamsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	return u.adminPage(w, r, c, "admin_teams", http.StatusOK, &adminData{})
}

func (u *UI) createTeam(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, kind, desc := r.PostFormValue("name"), r.PostFormValue("kind"), r.PostFormValue("description")
	_, err := u.Users.CreateTeam(r.Context(), c.Actor, user.TeamInput{Name: &name, Kind: &kind, Description: &desc})
	return u.adminSaved(w, r, c, "admin_teams", "/admin/teams", err)
}

func (u *UI) addMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := u.Users.SetMember(r.Context(), c.Actor, pathInt(r, "id"), formID(r, "user_id"), r.PostFormValue("remove") == "")
	return u.adminSaved(w, r, c, "admin_teams", "/admin/teams", err)
}

func (u *UI) tagsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	return u.adminPage(w, r, c, "admin_tags", http.StatusOK, &adminData{})
}

func (u *UI) createTag(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	names, err := tag.Normalize("name", []string{r.PostFormValue("name")})
	if err == nil && len(names) == 0 {
		err = apperr.Invalid("name", "required", nil)
	}
	if err == nil {
		_, err = u.Tags.Create(r.Context(), names[0], u.Now())
	}
	return u.adminSaved(w, r, c, "admin_tags", "/admin/tags", err)
}

func (u *UI) fieldsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	return u.adminPage(w, r, c, "admin_fields", http.StatusOK, &adminData{})
}

func (u *UI) createField(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	in := customfield.Field{Entity: r.PostFormValue("entity"), Key: r.PostFormValue("key"), Type: r.PostFormValue("type"),
		LabelZH: r.PostFormValue("label_zh"), LabelEN: r.PostFormValue("label_en"), Options: lines(r.PostFormValue("options")),
		Required: r.PostFormValue("required") != ""}
	_, err := u.CustomFields.Create(r.Context(), c.Actor, in)
	return u.adminSaved(w, r, c, "admin_fields", "/admin/fields", err)
}
