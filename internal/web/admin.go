package web

import (
	"net/http"
	"slices"
	"strconv"
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
	UserNames  map[int64]string
	FormAction string // the form that failed (its action), so a row's form can show its error
}

// Failed reports whether the error shown belongs to the form posting to action.
func (d *adminData) Failed(action string) bool { return d.Err != nil && d.FormAction == action }

// Member reports whether user id is in the list (for the team choices of a user).
func (d *adminData) Member(list []int64, id int64) bool { return slices.Contains(list, id) }

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
	d.TeamNames, d.UserNames = map[int64]string{}, map[int64]string{}
	for _, t := range d.Teams {
		d.TeamNames[t.ID] = t.Name
	}
	for _, us := range d.Users {
		d.UserNames[us.ID] = us.Name
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
	status := http.StatusUnprocessableEntity
	if e, _ := apperr.As(err); e.Kind == apperr.KindConflict {
		status = http.StatusConflict // in use: nothing was changed
	}
	return u.adminPage(w, r, c, name, status, &adminData{Err: fe, Form: form, FormAction: r.URL.Path})
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

// updateUser changes a user's role and teams or switches the account off (admins only, by
// the domain). An admin cannot lock themselves out: their own account stays active and admin.
func (u *UI) updateUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := adminOnly(c, false); err != nil {
		return err
	}
	id := pathInt(r, "id")
	role := auth.Role(r.PostFormValue("role"))
	active := r.PostFormValue("active") != ""
	if id == c.User.ID && (role != auth.RoleAdmin || !active) {
		return u.adminSaved(w, r, c, "admin_users", "/admin/users", apperr.Invalid("active", "self_lockout", nil))
	}
	_, err := u.Users.Update(r.Context(), c.Actor, id, user.UpdateInput{Role: &role, Active: &active})
	if err == nil && r.PostForm.Has("teams_shown") {
		teams := []int64{}
		for _, v := range r.PostForm["teams"] {
			if n, perr := strconv.ParseInt(v, 10, 64); perr == nil {
				teams = append(teams, n)
			}
		}
		err = u.Users.SetTeams(r.Context(), c.Actor, id, teams)
	}
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

// addMember adds a user to a team, or with remove set takes them out.
func (u *UI) addMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := u.Users.SetMember(r.Context(), c.Actor, pathInt(r, "id"), formID(r, "user_id"), r.PostFormValue("remove") == "")
	return u.adminSaved(w, r, c, "admin_teams", "/admin/teams", err)
}

// updateTeam renames a team or department or changes its description.
func (u *UI) updateTeam(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	_, err := u.Users.UpdateTeam(r.Context(), c.Actor, pathInt(r, "id"), user.TeamInput{Name: &name, Description: &desc})
	return u.adminSaved(w, r, c, "admin_teams", "/admin/teams", err)
}

// deleteTeam removes a team no ticket or mailbox uses; the domain says what still does.
func (u *UI) deleteTeam(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := u.Users.DeleteTeam(r.Context(), c.Actor, pathInt(r, "id"))
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

// renameTag changes a tag's name wherever it is used.
func (u *UI) renameTag(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := u.Tags.Rename(r.Context(), c.Actor, pathInt(r, "id"), r.PostFormValue("name"))
	return u.adminSaved(w, r, c, "admin_tags", "/admin/tags", err)
}

// deleteTag removes a tag nothing carries; the domain says what still does.
func (u *UI) deleteTag(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := u.Tags.Delete(r.Context(), c.Actor, pathInt(r, "id"))
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

// updateField changes a custom field's labels, options, required flag or position; its key,
// entity and type stay (stored values depend on them).
func (u *UI) updateField(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	zh, en, required := r.PostFormValue("label_zh"), r.PostFormValue("label_en"), r.PostFormValue("required") != ""
	p := customfield.Patch{LabelZH: &zh, LabelEN: &en, Required: &required, Options: lines(r.PostFormValue("options"))}
	if v := strings.TrimSpace(r.PostFormValue("position")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return u.adminSaved(w, r, c, "admin_fields", "/admin/fields", apperr.Invalid("position", "want_number", nil))
		}
		p.Position = &n
	}
	_, err := u.CustomFields.Update(r.Context(), c.Actor, pathInt(r, "id"), p)
	return u.adminSaved(w, r, c, "admin_fields", "/admin/fields", err)
}

// deleteField removes a custom field no record has a value for; the domain says how many do.
func (u *UI) deleteField(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	err := u.CustomFields.Delete(r.Context(), c.Actor, pathInt(r, "id"))
	return u.adminSaved(w, r, c, "admin_fields", "/admin/fields", err)
}
