package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/job"
	"github.com/kefuhq/kefu/internal/notify"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/ticket"
)

// Service keeps the rules and runs them.
type Service struct {
	db      *storage.DB
	tickets *ticket.Service
	notify  *notify.Service
	now     func() time.Time
}

// NewService makes the automation service; it acts on tickets through tickets.
func NewService(db *storage.DB, tickets *ticket.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, tickets: tickets, notify: notify.NewService(db, nil, now), now: now}
}

// UseNotifier makes the notify action send through n (which hints open pages in realtime);
// without it notifications are stored all the same. Call it while wiring.
func (s *Service) UseNotifier(n *notify.Service) { s.notify = n }

// Automation acts as the system under a name that carries the chain of rules behind the
// change: "automation:3,7" is rule 7 acting on a change rule 3 made. A rule never fires on
// a change whose chain holds it, and a chain stops growing at maxChain.
const (
	chainPrefix = "automation:"
	maxChain    = 5
)

func chainOf(a auth.Actor) []int64 {
	if a.Kind != auth.ActorSystem || !strings.HasPrefix(a.Name, chainPrefix) {
		return nil
	}
	var out []int64
	for _, p := range strings.Split(strings.TrimPrefix(a.Name, chainPrefix), ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func actorFor(chain []int64) auth.Actor {
	parts := make([]string, len(chain))
	for i, id := range chain {
		parts[i] = strconv.FormatInt(id, 10)
	}
	a := auth.System()
	a.Name = chainPrefix + strings.Join(parts, ",")
	return a
}

// eventsOf names what a ticket change means to rules.
func eventsOf(c ticket.Change) []string {
	var out []string
	if c.Kind == ticket.ChangeCreated {
		out = append(out, OnCreated)
	}
	if m := c.Message; m != nil && m.Kind == ticket.KindReply {
		switch m.AuthorKind {
		case "customer":
			out = append(out, OnCustomerReplied)
		case "agent":
			out = append(out, OnAgentReplied)
		}
	}
	if c.Before != nil && c.After != nil {
		if c.Before.Status != c.After.Status {
			out = append(out, OnStatusChanged)
		}
		if c.Before.Priority != c.After.Priority {
			out = append(out, OnPriorityChanged)
		}
	}
	return out
}

// OnTicketChange is the ticket hook: the rules listening to what happened run in the
// change's transaction.
func (s *Service) OnTicketChange(tx *storage.Tx, c ticket.Change) error {
	evs := eventsOf(c)
	if len(evs) == 0 || c.After == nil {
		return nil
	}
	return s.fire(tx, c.After.ID, evs, chainOf(c.Actor), c.At)
}

// fire runs the active rules of the events on a ticket, in order.
func (s *Service) fire(tx *storage.Tx, ticketID int64, evs []string, chain []int64, at time.Time) error {
	if len(chain) >= maxChain {
		return nil
	}
	ctx := tx.Context()
	rs, err := rules(ctx, tx, func(r *Rule) bool { return r.Active && slices.Contains(evs, r.Event) })
	if err != nil {
		return err
	}
	for _, r := range rs {
		if slices.Contains(chain, r.ID) {
			continue // loop protection: never on a change of its own making
		}
		sub, err := subject(ctx, tx, ticketID) // re-read: an earlier rule may have changed it
		if err != nil {
			return err
		}
		if sub.Ticket.MergedInto != nil || !r.Conditions.Match(sub) {
			continue
		}
		if _, err := s.run(tx, r, sub.Ticket, chain, r.Event, 0, at); err != nil {
			return err
		}
	}
	return nil
}

func subject(ctx context.Context, q storage.Querier, ticketID int64) (Subject, error) {
	t, err := ticket.Load(ctx, q, ticketID)
	if err != nil {
		return Subject{}, err
	}
	s := Subject{Ticket: t}
	err = q.QueryRowContext(ctx, `SELECT tier FROM customers WHERE id = $1`, t.Customer.ID).Scan(&s.Tier)
	return s, err
}

// Run is one entry of a ticket's execution log.
type Run struct {
	ID       int64     `json:"id"`
	RuleID   int64     `json:"rule_id"`
	RuleName string    `json:"rule_name"`
	Event    string    `json:"event"`
	Actions  []string  `json:"actions"` // the action types done
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

type runLog struct {
	Actions []string `json:"actions"`
	Error   string   `json:"error,omitempty"`
}

// run applies a rule's actions to a ticket inside a savepoint: a rule that cannot act (an
// assignee who left the team, a status the ticket cannot take) is rolled back and logged
// with its error, and never fails the change that triggered it. anchor, for timed rules,
// makes a second run for the same idle stretch a no-op; run reports whether it ran.
func (s *Service) run(tx *storage.Tx, r *Rule, t *ticket.Ticket, chain []int64, ev string, anchor int64, at time.Time) (bool, error) {
	ctx := tx.Context()
	actor := actorFor(append(slices.Clone(chain), r.ID))
	if _, err := tx.ExecContext(ctx, `SAVEPOINT automation_rule`); err != nil {
		return false, err
	}
	done, actErr := s.act(tx, actor, r, t)
	log := runLog{Actions: done}
	if actErr != nil {
		if _, ok := apperr.As(actErr); !ok {
			return false, actErr // a database failure fails the command
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT automation_rule`); err != nil {
			return false, err
		}
		log = runLog{Actions: []string{}, Error: actErr.Error()}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT automation_rule`); err != nil {
		return false, err
	}
	b, _ := json.Marshal(log)
	res, err := tx.ExecContext(ctx, `INSERT INTO automation_runs (rule_id, ticket_id, on_event, actions, anchor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule_id, ticket_id, anchor) WHERE anchor <> 0 DO NOTHING`,
		r.ID, t.ID, ev, string(b), anchor, at.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("log automation rule %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	detail := map[string]any{"rule_id": r.ID, "event": ev, "actions": log.Actions}
	if log.Error != "" {
		detail["error"] = log.Error
	}
	return true, event.Append(tx, actor, event.Ticket, t.ID, at, event.Change{Action: "automation", Field: "rule", New: event.Str(r.Name), Detail: detail})
}

// act does the rule's actions in order and returns the types done.
func (s *Service) act(tx *storage.Tx, actor auth.Actor, r *Rule, t *ticket.Ticket) ([]string, error) {
	done := []string{}
	for _, a := range r.Actions {
		var err error
		switch a.Type {
		case SetStatus:
			v := a.Value
			err = s.tickets.PatchTx(tx, actor, t.ID, ticket.Patch{Status: &v})
		case SetPriority:
			v := a.Value
			err = s.tickets.PatchTx(tx, actor, t.ID, ticket.Patch{Priority: &v})
		case Assign:
			err = s.tickets.PatchTx(tx, actor, t.ID, ticket.Patch{AssigneeID: ticket.OptionalID{Set: true, Value: a.UserID}})
		case AddTags:
			cur, lerr := ticket.LoadTx(tx, t.ID)
			if lerr != nil {
				return done, lerr
			}
			tags := slices.Clone(cur.Tags)
			for _, tg := range a.Tags {
				if !slices.Contains(tags, tg) {
					tags = append(tags, tg)
				}
			}
			err = s.tickets.PatchTx(tx, actor, t.ID, ticket.Patch{Tags: tags})
		case Note:
			_, err = s.tickets.MessageTx(tx, actor, t.ID, ticket.MessageInput{Kind: ticket.KindNote, Body: a.Body})
		case Reply:
			cur, lerr := ticket.LoadTx(tx, t.ID)
			if lerr != nil {
				return done, lerr
			}
			body := strings.NewReplacer("{number}", strconv.FormatInt(cur.Number, 10), "{subject}", cur.Subject,
				"{customer}", cur.Customer.Name).Replace(a.Body)
			_, err = s.tickets.MessageTx(tx, actor, t.ID, ticket.MessageInput{Kind: ticket.KindReply, Body: body})
		case Notify:
			err = s.sendNotify(tx, r, a, t.ID)
		case Webhook:
			// The call happens after the commit, as a job: never while the transaction is open,
			// and retried with backoff if the receiver fails.
			_, err = job.EnqueueTx(tx, job.Spec{Kind: WebhookKind, Payload: webhookPayload{URL: a.URL, RuleID: r.ID, Rule: r.Name,
				TicketID: t.ID, Number: t.Number, Event: r.Event}}, s.now())
		}
		if err != nil {
			return done, err
		}
		done = append(done, a.Type)
	}
	return done, nil
}

// Runs is a ticket's execution log, newest first.
func (s *Service) Runs(ctx context.Context, a auth.Actor, number int64, limit int) ([]Run, error) {
	t, err := s.tickets.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT r.id, r.rule_id, ru.name, r.on_event, r.actions, r.created_at
		FROM automation_runs r JOIN automation_rules ru ON ru.id = r.rule_id WHERE r.ticket_id = $1 ORDER BY r.id DESC LIMIT $2`, t.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("automation runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var r Run
		var acts string
		var at int64
		if err := rows.Scan(&r.ID, &r.RuleID, &r.RuleName, &r.Event, &acts, &at); err != nil {
			return nil, err
		}
		var l runLog
		if err := json.Unmarshal([]byte(acts), &l); err != nil {
			return nil, err
		}
		r.Actions, r.Error, r.At = l.Actions, l.Error, time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
