package ticket

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// The list query's SQL visibility clause and canSee must agree for every actor and every
// kind of ticket: otherwise a list would show what a ticket page refuses, or hide what it shows.
func TestVisibilityClauseMatchesCanSee(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		users := user.NewService(db, nil)
		customers := customer.NewService(db, nil)
		svc := NewService(Options{DB: db, Customers: customers, Blobs: blob.Database{DB: db}})
		sys := auth.System()
		team := func(name, kind string) int64 {
			tm, err := users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
			if err != nil {
				t.Fatal(err)
			}
			return tm.ID
		}
		t1, t2, d1, d2 := team("售前", "team"), team("售后", "team"), team("技术部", "department"), team("物流部", "department")
		mk := func(email string, role auth.Role, teams ...int64) *user.User {
			u, err := users.Create(ctx, sys, user.CreateInput{Email: email, Name: email, Role: role, Teams: teams})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		actors := []*user.User{
			mk("admin@x.cn", auth.RoleAdmin),
			mk("sup@x.cn", auth.RoleSupervisor, t1),
			mk("a1@x.cn", auth.RoleAgent, t1),
			mk("a2@x.cn", auth.RoleAgent, t2),
			mk("both@x.cn", auth.RoleAgent, t1, t2),
			mk("none@x.cn", auth.RoleAgent),
			mk("dept@x.cn", auth.RoleDepartment, d1),
			mk("nodept@x.cn", auth.RoleDepartment),
		}
		agentIDs := []int64{0, actors[2].ID, actors[3].ID, actors[5].ID}
		// Every combination of team, assignee, owner and department.
		var numbers []int64
		i := 0
		for _, tm := range []int64{0, t1, t2} {
			for _, as := range agentIDs {
				for _, ow := range agentIDs {
					for _, dp := range []int64{0, d1, d2} {
						i++
						tk, err := svc.Create(ctx, sys, CreateInput{Subject: fmt.Sprintf("工单 %d", i),
							Customer: CustomerRef{Email: fmt.Sprintf("c%d@example.com", i%7)}, Message: &MessageInput{Body: "你好"}})
						if err != nil {
							t.Fatal(err)
						}
						err = db.Write(ctx, func(tx *storage.Tx) error {
							_, err := tx.ExecContext(ctx, `UPDATE tickets SET team_id = $1, assignee_id = $2, owner_id = $3, department_id = $4 WHERE id = $5`,
								nullID(tm), nullID(as), nullID(ow), nullID(dp), tk.ID)
							return err
						})
						if err != nil {
							t.Fatal(err)
						}
						numbers = append(numbers, tk.Number)
					}
				}
			}
		}
		all, err := loadAll(ctx, svc, sys)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(numbers) {
			t.Fatalf("system sees %d tickets, want %d", len(all), len(numbers))
		}
		check := func(name string, a auth.Actor) {
			listed, err := loadAll(ctx, svc, a)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, tk := range all {
				if canSee(a, tk) {
					want = append(want, tk.Number)
				}
			}
			got := make([]int64, 0, len(listed))
			for _, tk := range listed {
				got = append(got, tk.Number)
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: list shows %d tickets %v, canSee allows %d %v", name, len(got), got, len(want), want)
			}
			for _, tk := range all {
				_, err := svc.Get(ctx, a, tk.Number)
				if (err == nil) != canSee(a, tk) {
					t.Errorf("%s: Get #%d err %v, canSee %v", name, tk.Number, err, canSee(a, tk))
				}
			}
		}
		for _, u := range actors {
			check(u.Email, u.Actor())
		}
		check("customer", auth.Actor{Kind: auth.ActorCustomer, ID: all[0].Customer.ID})
		check("stranger", auth.Actor{Kind: "robot", ID: 1})
	})
}

func loadAll(ctx context.Context, svc *Service, a auth.Actor) ([]*Ticket, error) {
	var out []*Ticket
	f := Filter{Limit: 100, Sort: "created", Order: "asc"}
	for {
		p, err := svc.List(ctx, a, f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		f.Cursor = p.Next
	}
}
