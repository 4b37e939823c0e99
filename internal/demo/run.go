package demo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/internal/app"
	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
	"github.com/kefuhq/kefu/internal/user"
)

// The runner replays the plan through the domain services:
//
//  1. teams, departments and tags; the staff in the background (hashing their passwords is
//     slow) while the customers are made, each one after the other so their ids are stable;
//  2. the tickets: one goroutine creates them in the order the requests came in, so ticket
//     numbers follow time and never depend on timing, while every customer's steps (replies,
//     transfers, hand-offs …) run in time order in a goroutine of its own, many customers at
//     once, so SQLite's group commit carries many commands per transaction;
//  3. splits, which make new ticket numbers, and what follows them, one after the other.
//
// Every goroutine owns a clock that it sets to a step's time before running it; the
// services it uses read that clock, so every record and event carries its time in the story.

type runner struct {
	a       *app.App
	p       *planner
	o       Options
	blobs   blob.Store
	users   []*user.User
	teams   [numTeams]int64
	depts   [numDepts]int64
	custIDs []int64
	minID   int64

	transfers, handOffs, merges, splits, links atomic.Int64
}

// clock is one worker's simulated time.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newRunner(a *app.App, p *planner, o Options) *runner {
	var blobs blob.Store = blob.Files{Dir: a.Config.AttachmentDir()}
	if a.DB.Dialect() == storage.Postgres {
		blobs = blob.Database{DB: a.DB}
	}
	return &runner{a: a, p: p, o: o, blobs: blobs, minID: -1}
}

func (r *runner) ticketsAt(c *clock) *ticket.Service {
	return ticket.NewService(ticket.Options{
		DB: r.a.DB, Customers: customer.NewService(r.a.DB, c.Now), Blobs: r.blobs, Now: c.Now, Limits: r.a.Tickets.Limits(),
	})
}

func (r *runner) run(ctx context.Context) error {
	err := r.setup(ctx)
	if err == nil {
		err = r.play(ctx)
	}
	if err == nil {
		err = r.finish(ctx)
	}
	return err
}

// setup makes the teams, departments, tags, staff and customers (reusing those a previous
// load made).
func (r *runner) setup(ctx context.Context) (rerr error) {
	c := &clock{now: r.p.start.AddDate(0, 0, -600)} // the company predates its oldest customers
	users := user.NewService(r.a.DB, c.Now)
	existing, err := users.ListTeams(ctx)
	if err != nil {
		return err
	}
	ensure := func(spec sample.TeamSpec, kind, desc string) (int64, error) {
		for _, t := range existing {
			if t.Name == spec.Name {
				if t.Kind != kind {
					return 0, fmt.Errorf("demo: %q exists but is not a %s", spec.Name, kind)
				}
				return t.ID, nil
			}
		}
		c.now = c.now.Add(3 * time.Minute)
		t, err := users.CreateTeam(ctx, auth.System(), user.TeamInput{Name: &spec.Name, Kind: &kind, Description: &desc})
		if err != nil {
			return 0, fmt.Errorf("demo: team %s: %w", spec.Name, err)
		}
		return t.ID, nil
	}
	for i, spec := range sample.Teams()[:numTeams] {
		if r.teams[i], err = ensure(spec, user.KindTeam, teamInfo[i]); err != nil {
			return err
		}
	}
	for i, spec := range sample.Departments()[:numDepts] {
		if r.depts[i], err = ensure(spec, user.KindDepartment, deptInfo[i]); err != nil {
			return err
		}
	}
	for _, name := range sample.Tags() {
		if _, err := r.a.Tags.Create(ctx, name, c.now); err != nil {
			return fmt.Errorf("demo: tag %s: %w", name, err)
		}
	}

	// Staff. Hashing a password takes a good part of a second of CPU, so staff are made in the
	// background, one after the other (their ids do not depend on timing), while the
	// customers, whose commands mostly wait for the disk, are made here.
	staffDone := make(chan error, 1)
	staffAt := c.now
	go func() { staffDone <- r.makeStaff(ctx, staffAt) }()
	defer func() {
		if err := <-staffDone; err != nil && rerr == nil {
			rerr = err
		}
	}()

	custs := customer.NewService(r.a.DB, c.Now)
	r.custIDs = make([]int64, len(r.p.custs))
	for i, cp := range r.p.custs {
		email, _ := customer.NormalizeEmail(cp.person.Email)
		id, err := customer.FindByIdentity(ctx, r.a.DB.Read(), customer.Email, email)
		if err == nil {
			r.custIDs[i] = id
			continue
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		c.now = cp.created
		per := cp.person
		in := customer.Input{Name: &per.Name, Tier: &cp.tier, Stage: &cp.stage, Emails: []string{per.Email}, Phones: []string{per.Phone}, Tags: cp.tags}
		if per.Organization != "" {
			in.Organization = &per.Organization
		}
		if cp.notes != "" {
			in.Notes = &cp.notes
		}
		got, err := custs.Create(ctx, auth.System(), in)
		if err != nil {
			return fmt.Errorf("demo: customer %s: %w", per.Name, err)
		}
		r.custIDs[i] = got.ID
	}
	return nil
}

// makeStaff creates the staff (or finds them, from an earlier load) with the demo password.
func (r *runner) makeStaff(ctx context.Context, at time.Time) error {
	c := &clock{now: at}
	users := user.NewService(r.a.DB, c.Now)
	r.users = make([]*user.User, len(r.p.staff))
	for i, s := range r.p.staff {
		var ids []int64
		for _, t := range s.teams {
			ids = append(ids, r.teams[t])
		}
		for _, d := range s.depts {
			ids = append(ids, r.depts[d])
		}
		u, err := users.GetByEmail(ctx, s.person.Email)
		switch {
		case err == nil:
			for _, id := range ids {
				if err := users.SetMember(ctx, auth.System(), id, u.ID, true); err != nil {
					return err
				}
			}
			u, err = users.Get(ctx, u.ID)
		case errors.Is(err, apperr.ErrNotFound):
			c.now = c.now.Add(time.Duration(1+i) * time.Hour)
			u, err = users.Create(ctx, auth.System(), user.CreateInput{
				Email: s.person.Email, Name: s.person.Name, Role: s.role, Password: Password,
				TimeZone: r.a.Config.TimeZone, Teams: ids,
			})
		}
		if err != nil {
			return fmt.Errorf("demo: staff %s: %w", s.person.Email, err)
		}
		r.users[i] = u
	}
	return nil
}

// play runs the story up to now: one goroutine creates the tickets in the order they came
// in (so their numbers follow time and never depend on timing), while each customer's
// steps run, in time order, in a goroutine of its own as soon as the tickets they touch
// exist. At most Workers steps run at once, which gives SQLite's group commit full batches.
func (r *runner) play(ctx context.Context) error {
	tickets := r.p.tickets
	ready := make([]chan struct{}, len(tickets))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}

	groups := make([][]*step, len(r.p.custs))
	for _, s := range r.p.steps {
		if !s.late {
			c := tickets[s.ticket].cust
			groups[c] = append(groups[c], s)
		}
	}
	slots := make(chan struct{}, r.o.Workers)
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		sort.SliceStable(g, func(i, j int) bool {
			if !g[i].at.Equal(g[j].at) {
				return g[i].at.Before(g[j].at)
			}
			return g[i].seq < g[j].seq
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &clock{}
			svc := r.ticketsAt(c)
			for _, s := range g {
				wait := []int{s.ticket}
				if s.crosses() {
					wait = append(wait, s.other)
				}
				for _, t := range wait {
					select {
					case <-ready[t]:
					case <-ctx.Done():
						return
					}
				}
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				err := r.exec(ctx, svc, c, s)
				<-slots
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}

	var order []int
	for i, t := range tickets {
		if !t.bySplit && !t.created.After(r.o.Now) {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return tickets[order[i]].created.Before(tickets[order[j]].created) })
	c := &clock{}
	svc := r.ticketsAt(c)
	opened := make([]bool, len(tickets))
	for _, i := range order {
		if ctx.Err() != nil {
			break
		}
		t := tickets[i]
		c.now = t.created
		in := ticket.CreateInput{
			Subject: t.subject, Type: t.typ, Subtype: t.sub, Priority: t.priority, Channel: t.channel,
			Customer: ticket.CustomerRef{ID: r.custIDs[t.cust]}, Tags: t.tags,
			Message: &ticket.MessageInput{Author: "customer", Body: t.first},
		}
		if t.team >= 0 {
			in.TeamID = r.teams[t.team]
		}
		if t.assignee >= 0 {
			in.AssigneeID = r.users[t.assignee].ID
		}
		got, err := svc.Create(ctx, r.actor(t.by, t), in)
		if err != nil {
			fail(fmt.Errorf("demo: create %q: %w", t.subject, err))
			break
		}
		t.number = got.Number
		if r.minID < 0 {
			r.minID = got.ID
		}
		close(ready[i])
		opened[i] = true
	}
	for i := range ready { // the rest will not exist (yet): their steps pass
		if !opened[i] {
			close(ready[i])
		}
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// finish runs the late steps (splits and what follows them) one after the other.
func (r *runner) finish(ctx context.Context) error {
	var late []*step
	for _, s := range r.p.steps {
		if s.late {
			late = append(late, s)
		}
	}
	sort.SliceStable(late, func(i, j int) bool { return late[i].at.Before(late[j].at) })
	c := &clock{}
	svc := r.ticketsAt(c)
	for _, s := range late {
		if err := r.exec(ctx, svc, c, s); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) actor(w who, t *ticketPlan) auth.Actor {
	switch w.kind {
	case 'c':
		return auth.Actor{Kind: auth.ActorCustomer, ID: r.custIDs[t.cust], Name: r.p.custs[t.cust].person.Name, Lang: t.lang}
	case 'u':
		return r.users[w.staff].Actor()
	}
	return auth.System()
}

// exec runs one step at its time; steps still in the future have not happened.
func (r *runner) exec(ctx context.Context, svc *ticket.Service, c *clock, s *step) error {
	t := r.p.tickets[s.ticket]
	if s.at.After(r.o.Now) || t.number == 0 {
		return nil
	}
	var other *ticketPlan
	if s.crosses() {
		if other = r.p.tickets[s.other]; other.number == 0 {
			return nil
		}
	}
	c.now = s.at
	a := r.actor(s.by, t)
	var err error
	switch s.op {
	case opMessage:
		text := s.text
		if other != nil {
			text = strings.ReplaceAll(text, "{other}", strconv.FormatInt(other.number, 10))
		}
		var m *ticket.Message
		m, err = svc.AddMessage(ctx, a, t.number, ticket.MessageInput{Kind: s.kind, Author: s.author, Body: text, Status: s.status})
		if err == nil {
			s.msgID = m.ID
		}
	case opPatch:
		var p ticket.Patch
		if s.status != "" {
			p.Status = &s.status
		}
		if s.assign >= 0 {
			p.AssigneeID = ticket.OptionalID{Set: true, Value: r.users[s.assign].ID}
		}
		if s.dept >= 0 {
			p.DepartmentID = ticket.OptionalID{Set: true, Value: r.depts[s.dept]}
			r.handOffs.Add(1)
		}
		p.Tags = s.tags
		_, err = svc.Update(ctx, a, t.number, p)
	case opTransfer:
		in := ticket.TransferInput{TeamID: r.teams[s.team], Reason: s.reason}
		if s.assign >= 0 {
			in.AssigneeID = r.users[s.assign].ID
		}
		_, err = svc.Transfer(ctx, a, t.number, in)
		if s.by.kind == 'u' {
			r.transfers.Add(1)
		}
	case opMerge:
		_, err = svc.Merge(ctx, a, other.number, t.number)
		r.merges.Add(1)
	case opLink:
		err = svc.Link(ctx, a, t.number, other.number, true)
		r.links.Add(1)
	case opSplit:
		if s.src.msgID == 0 {
			return nil
		}
		var n *ticket.Ticket
		n, err = svc.Split(ctx, a, t.number, ticket.SplitInput{MessageID: s.src.msgID, Subject: s.subject})
		if err == nil {
			r.p.tickets[s.other].number = n.Number
			r.splits.Add(1)
		}
	}
	if err != nil {
		return fmt.Errorf("demo: ticket #%d at %s (%s by %s): %w", t.number, s.at.In(cst).Format("2006-01-02 15:04"), opNames[s.op], a.Name, err)
	}
	return nil
}

// crosses reports whether a step involves a second ticket (besides a split's new one).
func (s *step) crosses() bool {
	return s.op == opMerge || s.op == opLink || strings.Contains(s.text, "{other}")
}

var opNames = map[opKind]string{opMessage: "message", opPatch: "update", opTransfer: "transfer", opMerge: "merge", opLink: "link", opSplit: "split"}

func (r *runner) summary(ctx context.Context) (*Summary, error) {
	s := &Summary{
		Company: sample.CompanyName, CompanyEN: sample.CompanyNameEN, Password: Password, Days: r.o.Days,
		Customers: len(r.p.custs), Tiers: map[string]int{}, Statuses: map[string]int{},
		Transfers: int(r.transfers.Load()), HandOffs: int(r.handOffs.Load()), Merges: int(r.merges.Load()),
		Splits: int(r.splits.Load()), Links: int(r.links.Load()),
	}
	for _, t := range sample.Teams()[:numTeams] {
		s.Teams = append(s.Teams, t.Name)
	}
	for _, d := range sample.Departments()[:numDepts] {
		s.Departments = append(s.Departments, d.Name)
	}
	for i, sp := range r.p.staff {
		s.Staff = append(s.Staff, Login{Role: sp.role, Title: sp.title, TitleEN: sp.titleEN, Name: r.users[i].Name, Email: r.users[i].Email,
			Teams: teamNames(sp.teams, sample.Teams()), Depts: teamNames(sp.depts, sample.Departments())})
	}
	for _, c := range r.p.custs {
		s.Tiers[c.tier]++
		if c.person.Lang == "en" {
			s.English++
		}
	}
	if r.minID < 0 {
		return s, nil
	}
	rows, err := r.a.DB.Read().QueryContext(ctx, `SELECT status, count(*) FROM tickets WHERE id >= $1 GROUP BY status`, r.minID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		s.Statuses[st] = n
		s.Tickets += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	err = r.a.DB.Read().QueryRowContext(ctx, `SELECT count(DISTINCT subject_id) FROM events WHERE subject_kind = 'ticket' AND action = 'reopened' AND subject_id >= $1`, r.minID).Scan(&s.Reopened)
	return s, err
}
