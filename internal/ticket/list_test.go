package ticket

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

// Lists run one query per visibility branch, some of them through the tag rows' copies of
// their ticket's team and update time. Page through every view for every kind of actor and
// compare with what canSee and the filter allow, in the order the sort promises, after
// transfers, replies and re-tagging have moved tickets between teams and times.
func TestListMatchesFilterEverywhere(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var clock atomic.Int64
		clock.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
		now := func() time.Time { return time.UnixMilli(clock.Add(1000)) } // every command a second apart
		users := user.NewService(db, now)
		svc := NewService(Options{DB: db, Customers: customer.NewService(db, now), Blobs: blob.Database{DB: db}, Now: now})
		sys := auth.System()
		team := func(name, kind string) int64 {
			tm, err := users.CreateTeam(ctx, sys, user.TeamInput{Name: &name, Kind: &kind})
			if err != nil {
				t.Fatal(err)
			}
			return tm.ID
		}
		t1, t2, d1 := team("售前", "team"), team("售后", "team"), team("技术部", "department")
		mk := func(email string, role auth.Role, teams ...int64) auth.Actor {
			u, err := users.Create(ctx, sys, user.CreateInput{Email: email, Name: email, Role: role, Teams: teams})
			if err != nil {
				t.Fatal(err)
			}
			return u.Actor()
		}
		admin, a1, a2 := mk("admin@x.cn", auth.RoleAdmin), mk("a1@x.cn", auth.RoleAgent, t1), mk("a2@x.cn", auth.RoleAgent, t2)
		dept := mk("dept@x.cn", auth.RoleDepartment, d1)

		teams := []int64{t1, t2, 0}
		tagSets := [][]string{{"退款"}, {"物流", "退款"}, nil, {"物流"}}
		var numbers []int64
		for i := range 40 {
			tk, err := svc.Create(ctx, sys, CreateInput{
				Subject: fmt.Sprintf("工单 %d", i), Type: Types[i%len(Types)], Priority: Priorities[i%len(Priorities)],
				Customer: CustomerRef{Email: fmt.Sprintf("c%d@example.com", i%5)}, TeamID: teams[i%3],
				Tags: tagSets[i%len(tagSets)], Message: &MessageInput{Body: "您好，我的订单"},
			})
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, tk.Number)
		}
		// Move tickets after tagging: the tag rows must follow their ticket's team and time.
		for i, n := range numbers {
			var err error
			switch i % 7 {
			case 1:
				to := t2
				if teams[i%3] == t2 {
					to = t1
				}
				_, err = svc.Transfer(ctx, admin, n, TransferInput{TeamID: to, Reason: "转组"})
			case 2:
				_, err = svc.Transfer(ctx, admin, n, TransferInput{TeamID: t1, AssigneeID: a1.ID, Reason: "转售前"})
			case 3:
				_, err = svc.AddMessage(ctx, admin, n, MessageInput{Body: "已处理", Status: "pending_customer"})
			case 4:
				tags := []string{"退款"}
				_, err = svc.Update(ctx, admin, n, Patch{Tags: tags, DepartmentID: OptionalID{Set: true, Value: d1}})
			case 5:
				_, err = svc.Transfer(ctx, admin, n, TransferInput{TeamID: t2, AssigneeID: a2.ID, Reason: "指派"})
			}
			if err != nil {
				t.Fatalf("change #%d: %v", n, err)
			}
		}
		// Due times as internal/sla keeps them: none, ok and due soon ahead of now, and
		// breached. Hours apart, so the test clock's seconds do not move a ticket across.
		ref := time.UnixMilli(clock.Load())
		for i, n := range numbers {
			var due, warn any
			hours := func(h int) int64 { return ref.Add(time.Duration(h) * time.Hour).UnixMilli() }
			switch i % 5 {
			case 1: // ok
				due, warn = hours(i+2), hours(i+1)
			case 2: // due soon
				due, warn = hours(i+1), hours(-1)
			case 3: // breached
				due, warn = hours(-i), hours(-i-1)
			}
			err := db.Write(ctx, func(tx *storage.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE tickets SET sla_due_at = $1, sla_warn_at = $2 WHERE number = $3`, due, warn, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		all, err := loadAll(ctx, svc, sys)
		if err != nil {
			t.Fatal(err)
		}
		wantState := map[int64]string{}
		for i, n := range numbers {
			wantState[n] = []string{SLANone, SLAOK, SLAWarning, SLABreached, SLANone}[i%5]
		}
		for _, tk := range all {
			if tk.SLAState != wantState[tk.Number] {
				t.Errorf("#%d: sla_state %q, want %q", tk.Number, tk.SLAState, wantState[tk.Number])
			}
		}
		overdue := func(tk *Ticket) bool { return tk.SLADueAt != nil && !tk.SLADueAt.After(ref) }
		dueSoon := func(tk *Ticket) bool {
			return tk.SLADueAt != nil && tk.SLADueAt.After(ref) && tk.SLAWarnAt != nil && !tk.SLAWarnAt.After(ref)
		}

		key := func(tk *Ticket, sort string) []int64 {
			u, c := tk.UpdatedAt.UnixMilli(), tk.CreatedAt.UnixMilli()
			switch sort {
			case "created":
				return []int64{c, tk.ID}
			case "priority":
				return []int64{int64(priorityRank(tk.Priority)), u, tk.ID}
			case "due":
				return []int64{tk.SLADueAt.UnixMilli(), tk.ID}
			}
			return []int64{u, tk.ID}
		}
		filters := []struct {
			name string
			f    Filter
			keep func(*Ticket) bool
		}{
			{"all", Filter{}, func(*Ticket) bool { return true }},
			{"tag 退款", Filter{Tag: "退款"}, func(tk *Ticket) bool { return slices.Contains(tk.Tags, "退款") }},
			{"tag 物流 open", Filter{Tag: "物流", Statuses: []string{"new", "open"}}, func(tk *Ticket) bool {
				return slices.Contains(tk.Tags, "物流") && (tk.Status == "new" || tk.Status == "open")
			}},
			{"unknown tag", Filter{Tag: "不存在"}, func(*Ticket) bool { return false }},
			{"type complaint", Filter{Type: "complaint"}, func(tk *Ticket) bool { return tk.Type == "complaint" }},
			{"urgent", Filter{Priority: "urgent"}, func(tk *Ticket) bool { return tk.Priority == "urgent" }},
			{"team 2", Filter{TeamID: t2}, func(tk *Ticket) bool { return tk.teamID() == t2 }},
			{"no team", Filter{TeamID: None}, func(tk *Ticket) bool { return tk.Team == nil }},
			{"assignee a1", Filter{AssigneeID: a1.ID}, func(tk *Ticket) bool { return tk.assigneeID() == a1.ID }},
			{"unassigned, tag 退款", Filter{AssigneeID: None, Tag: "退款"}, func(tk *Ticket) bool {
				return tk.Assignee == nil && slices.Contains(tk.Tags, "退款")
			}},
			{"department", Filter{DepartmentID: d1}, func(tk *Ticket) bool { return tk.departmentID() == d1 }},
			{"overdue", Filter{SLA: "overdue"}, overdue},
			{"due soon", Filter{SLA: "due_soon"}, dueSoon},
			{"overdue in team 1", Filter{SLA: "overdue", TeamID: t1}, func(tk *Ticket) bool { return overdue(tk) && tk.teamID() == t1 }},
			{"due soon, tag 退款", Filter{SLA: "due_soon", Tag: "退款"}, func(tk *Ticket) bool {
				return dueSoon(tk) && slices.Contains(tk.Tags, "退款")
			}},
			{"overdue, assigned to a2", Filter{SLA: "overdue", AssigneeID: a2.ID}, func(tk *Ticket) bool {
				return overdue(tk) && tk.assigneeID() == a2.ID
			}},
		}
		actors := []struct {
			name string
			a    auth.Actor
		}{{"admin", admin}, {"agent of 售前", a1}, {"agent of 售后", a2}, {"department", dept},
			{"customer", auth.Actor{Kind: auth.ActorCustomer, ID: all[0].Customer.ID}}}
		for _, ac := range actors {
			for _, fc := range filters {
				for _, sort := range []string{"updated", "created", "priority", "due"} {
					for _, order := range []string{"desc", "asc"} {
						var want []int64
						var sorted []*Ticket
						for _, tk := range all {
							if sort == "due" && tk.SLADueAt == nil {
								continue // sort=due lists the tickets that have a due time
							}
							if canSee(ac.a, tk) && fc.keep(tk) {
								sorted = append(sorted, tk)
							}
						}
						slices.SortFunc(sorted, func(x, y *Ticket) int {
							c := slices.Compare(key(x, sort), key(y, sort))
							return cmp.Or(map[bool]int{true: c, false: -c}[order == "asc"])
						})
						for _, tk := range sorted {
							want = append(want, tk.Number)
						}
						var got []int64
						f := fc.f
						f.Sort, f.Order, f.Limit = sort, order, 3
						for pages := 0; ; pages++ {
							p, err := svc.List(ctx, ac.a, f)
							if err != nil {
								t.Fatalf("%s, %s, %s %s: %v", ac.name, fc.name, sort, order, err)
							}
							for _, tk := range p.Items {
								got = append(got, tk.Number)
							}
							if p.Next == "" || pages > 50 {
								break
							}
							f.Cursor = p.Next
						}
						if fmt.Sprint(got) != fmt.Sprint(want) {
							t.Errorf("%s, %s, sort %s %s:\n got %v\nwant %v", ac.name, fc.name, sort, order, got, want)
						}
						if sort == "due" && fc.name == "all" && ac.name == "admin" && len(want) < 20 {
							t.Errorf("%s: only %d tickets with a due time; the test proves little", fc.name, len(want))
						}
						if sort != "updated" || order != "desc" {
							continue
						}
						for _, max := range []int{1, 4, 100} {
							n, more, err := svc.CountUpTo(ctx, ac.a, fc.f, max)
							if err != nil {
								t.Fatal(err)
							}
							if wn, wmore := min(len(want), max), len(want) > max; n != wn || more != wmore {
								t.Errorf("%s, %s: CountUpTo(%d) = %d, %v; want %d, %v", ac.name, fc.name, max, n, more, wn, wmore)
							}
						}
					}
				}
			}
		}
	})
}
