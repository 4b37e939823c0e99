package user_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// A token's user is kept per node between requests: every change that decides what the token
// stands for must show at the next request, whichever way it was made.
func TestAuthenticateSeesEveryChange(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		users := user.NewService(db, nil)
		admin := auth.System()
		str := func(s string) *string { return &s }
		team, err := users.CreateTeam(ctx, admin, user.TeamInput{Name: str("售后"), Kind: str(user.KindTeam)})
		if err != nil {
			t.Fatal(err)
		}
		other, err := users.CreateTeam(ctx, admin, user.TeamInput{Name: str("投诉处理"), Kind: str(user.KindTeam)})
		if err != nil {
			t.Fatal(err)
		}
		u, err := users.Create(ctx, admin, user.CreateInput{Email: "li@example.com", Name: "李娜", Role: auth.RoleAgent, Teams: []int64{team.ID}})
		if err != nil {
			t.Fatal(err)
		}
		token, err := users.CreateToken(ctx, admin, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		check := func(step string, wantTeams, wantDepartments []int64) {
			t.Helper()
			got, err := users.Authenticate(ctx, token)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if got.ID != u.ID || !slices.Equal(got.Teams, wantTeams) || !slices.Equal(got.Departments, wantDepartments) {
				t.Fatalf("%s: user %d teams %v departments %v; want %d, %v, %v", step, got.ID, got.Teams, got.Departments, u.ID, wantTeams, wantDepartments)
			}
			got.Teams[0] = -1 // a caller changing its copy must not change the next caller's
		}
		refused := func(step string) {
			t.Helper()
			if _, err := users.Authenticate(ctx, token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("%s: %v, want unauthorized", step, err)
			}
		}
		check("first", []int64{team.ID}, []int64{})
		check("kept", []int64{team.ID}, []int64{})

		if err := users.SetMember(ctx, admin, other.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		check("joined a team", []int64{team.ID, other.ID}, []int64{})

		dept, err := users.CreateTeam(ctx, admin, user.TeamInput{Name: str("技术部"), Kind: str(user.KindDepartment)})
		if err != nil {
			t.Fatal(err)
		}
		if err := users.SetMember(ctx, admin, dept.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		check("joined a department", []int64{team.ID, other.ID}, []int64{dept.ID})
		if err := db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Exec(`DELETE FROM teams WHERE id = $1`, other.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check("a team deleted", []int64{team.ID}, []int64{dept.ID})

		// Written around the services, as an operator's SQL or another node would.
		if err := db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Exec(`UPDATE users SET active = $1 WHERE id = $2`, false, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		refused("deactivated")
		if _, err := users.Update(ctx, admin, u.ID, user.UpdateInput{Active: new(true)}); err != nil {
			t.Fatal(err)
		}
		check("active again", []int64{team.ID}, []int64{dept.ID})

		if err := db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Exec(`UPDATE api_tokens SET revoked_at = 1 WHERE user_id = $1`, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		refused("revoked")
	})
}
