// Package auth says who is acting and what their role lets them do, and keeps the secrets
// that prove it: API tokens (a fast keyed hash, checked on every request) and passwords
// (argon2id, checked only at sign-in).
package auth

import "slices"

// Role is a staff member's role.
type Role string

// The staff roles.
const (
	RoleAdmin      Role = "admin"      // everything
	RoleSupervisor Role = "supervisor" // the tickets of their teams, approvals, reports
	RoleAgent      Role = "agent"      // the tickets of their teams
	RoleDepartment Role = "department" // only what is handed to their department
)

// Roles lists the roles, most powerful first.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleAgent, RoleDepartment}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ActorKind says whether a staff user, a customer or Kefu itself acts.
type ActorKind string

// The kinds of actor; they are stored on every event.
const (
	ActorUser     ActorKind = "user"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system"
)

// Actor is whoever performs a command. Domain services decide permissions from it.
type Actor struct {
	Kind        ActorKind
	ID          int64 // user id or customer id; 0 for the system
	Name        string
	Role        Role
	Teams       []int64 // service teams the user belongs to
	Departments []int64 // departments the user belongs to
	Lang        string
}

// System is Kefu itself acting (migrations, jobs, the demo loader).
func System() Actor { return Actor{Kind: ActorSystem, Name: "system", Role: RoleAdmin} }

// IsStaff reports whether the actor is a signed-in staff user.
func (a Actor) IsStaff() bool { return a.Kind == ActorUser }

// IsAdmin reports whether the actor may do everything (admins and the system).
func (a Actor) IsAdmin() bool {
	return a.Kind == ActorSystem || (a.Kind == ActorUser && a.Role == RoleAdmin)
}

// ServesCustomers reports whether the actor works tickets as a service agent: admins,
// supervisors and agents, but not department staff or customers.
func (a Actor) ServesCustomers() bool {
	return a.Kind == ActorUser && (a.Role == RoleAdmin || a.Role == RoleSupervisor || a.Role == RoleAgent)
}

// InTeam reports whether the actor belongs to the service team.
func (a Actor) InTeam(team int64) bool { return slices.Contains(a.Teams, team) }

// InDepartment reports whether the actor belongs to the department.
func (a Actor) InDepartment(dept int64) bool { return slices.Contains(a.Departments, dept) }
