package ticket

import (
	"github.com/kefuhq/kefu/internal/auth"
)

// A branch is one part of what an actor may see, as a single equality an index can lead
// with: one of their teams, the unrouted queue, their own assigned or owned tickets, one of
// their departments, or (for a customer) their own tickets. The union of an actor's branches
// is exactly visibility(a) (a test holds them together with canSee). Lists run one query
// per branch and merge the pages, because an OR across columns cannot walk one index in
// sort order: SQLite would sort every visible ticket before returning the first page, or walk
// the whole view's index when the filter is rare within the actor's teams.
type branch struct {
	col  string // "" for no restriction; otherwise a tickets column
	id   int64  // the value; 0 with isNull
	null bool   // col IS NULL (the unrouted queue)
}

// branches returns the actor's branches; none means the actor sees nothing.
func branches(a auth.Actor) []branch {
	switch {
	case a.IsAdmin():
		return []branch{{}}
	case a.Kind == auth.ActorCustomer:
		return []branch{{col: "customer_id", id: a.ID}}
	case a.Kind != auth.ActorUser:
		return nil
	case a.Role == auth.RoleSupervisor || a.Role == auth.RoleAgent:
		out := make([]branch, 0, len(a.Teams)+3)
		for _, t := range a.Teams {
			out = append(out, branch{col: "team_id", id: t})
		}
		return append(out, branch{col: "team_id", null: true},
			branch{col: "assignee_id", id: a.ID}, branch{col: "owner_id", id: a.ID})
	case a.Role == auth.RoleDepartment:
		out := make([]branch, 0, len(a.Departments))
		for _, d := range a.Departments {
			out = append(out, branch{col: "department_id", id: d})
		}
		return out
	}
	return nil
}

// pinned returns what the filter asks of the branch's column: 0 (nothing), None or an id.
func (b branch) pinned(f Filter) int64 {
	switch b.col {
	case "team_id":
		return f.TeamID
	case "assignee_id":
		return f.AssigneeID
	case "owner_id":
		return f.OwnerID
	case "department_id":
		return f.DepartmentID
	case "customer_id":
		return f.CustomerID
	}
	return 0
}

// contradicts reports whether the filter rules the branch out: it asks for another value of
// the branch's column. SQLite would otherwise walk the branch's whole index to find nothing.
func (b branch) contradicts(f Filter) bool {
	p := b.pinned(f)
	switch {
	case b.col == "" || p == 0:
		return false
	case b.null:
		return p != None
	default:
		return p != b.id
	}
}

// where is the branch's condition on tickets aliased t ("" for none).
func (b branch) where(arg func(any) string) string {
	switch {
	case b.col == "":
		return ""
	case b.null:
		return "t." + b.col + " IS NULL"
	default:
		return "t." + b.col + " = " + arg(b.id)
	}
}
