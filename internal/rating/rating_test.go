package rating

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/event"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/ticket"
)

func TestRateOwnResolvedTicket(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		tickets := ticket.NewService(ticket.Options{DB: db, Customers: customer.NewService(db, nil), Blobs: blob.Database{DB: db}})
		svc := NewService(db, tickets, nil)
		mk := func(email string) *ticket.Ticket {
			tk, err := tickets.Create(ctx, auth.System(), ticket.CreateInput{Subject: "退款进度", Customer: ticket.CustomerRef{Email: email, Name: "王芳"},
				Message: &ticket.MessageInput{Body: "我的退款什么时候到账？"}})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		tk := mk("wang@example.cn")
		other := mk("li@example.cn")
		owner := auth.Actor{Kind: auth.ActorCustomer, ID: tk.Customer.ID, Name: "王芳"}
		stranger := auth.Actor{Kind: auth.ActorCustomer, ID: other.Customer.ID}
		agent := auth.Actor{Kind: auth.ActorUser, ID: 999, Role: auth.RoleAgent}

		// Not yet resolved: a clear field error.
		_, err := svc.Rate(ctx, owner, tk.Number, Input{Score: 5})
		if e, ok := apperr.As(err); !ok || e.Fields["score"].Code != "rating_too_early" {
			t.Fatalf("rate open ticket: %v", err)
		}
		resolved := ticket.StatusResolved
		if _, err := tickets.Update(ctx, auth.System(), tk.Number, ticket.Patch{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		// Bad input.
		for _, score := range []int{0, 6, -1} {
			_, err := svc.Rate(ctx, owner, tk.Number, Input{Score: score})
			if e, ok := apperr.As(err); !ok || e.Fields["score"].Code != "out_of_range" {
				t.Fatalf("score %d: %v", score, err)
			}
		}
		// Nobody but the ticket's customer may rate, and to them it does not exist.
		for _, a := range []auth.Actor{stranger, agent, auth.System()} {
			if _, err := svc.Rate(ctx, a, tk.Number, Input{Score: 1}); !errors.Is(err, apperr.ErrNotFound) {
				t.Fatalf("%v rates another's ticket: %v", a.Kind, err)
			}
		}
		if _, err := svc.Get(ctx, stranger, tk.Number); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("stranger reads rating: %v", err)
		}
		if r, err := svc.Get(ctx, owner, tk.Number); err != nil || r != nil {
			t.Fatalf("unrated: %v %v", r, err)
		}
		r, err := svc.Rate(ctx, owner, tk.Number, Input{Score: 4, Comment: " 很耐心 "})
		if err != nil || r.Score != 4 || r.Comment != "很耐心" || r.TicketNumber != tk.Number {
			t.Fatalf("rate: %+v %v", r, err)
		}
		// Changed by the same customer: still one rating, and an event with before and after.
		r, err = svc.Rate(ctx, owner, tk.Number, Input{Score: 2, Comment: "到账太慢"})
		if err != nil || r.Score != 2 {
			t.Fatalf("change: %+v %v", r, err)
		}
		got, err := svc.Get(ctx, auth.System(), tk.Number)
		if err != nil || got.Score != 2 || got.Comment != "到账太慢" || got.CustomerID != owner.ID {
			t.Fatalf("staff read: %+v %v", got, err)
		}
		var n int
		db.Read().QueryRowContext(ctx, `SELECT count(*) FROM ratings`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d ratings", n)
		}
		evs, err := event.List(ctx, db.Read(), event.Ticket, tk.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var rated []event.Event
		for _, e := range evs {
			if e.Action == "rated" {
				rated = append(rated, e)
			}
		}
		if len(rated) != 2 || rated[0].Old != nil || *rated[0].New != "4" || *rated[1].Old != "4" || *rated[1].New != "2" {
			t.Fatalf("rating events: %+v", rated)
		}
		// An agent of another team does not see the ticket's rating either.
		team := auth.Actor{Kind: auth.ActorUser, ID: 5, Role: auth.RoleDepartment}
		if _, err := svc.Get(ctx, team, tk.Number); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("department reads rating: %v", err)
		}
	})
}
