package ticket

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/blob"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

func newService(db *storage.DB) *Service {
	return NewService(Options{DB: db, Customers: customer.NewService(db, nil), Blobs: blob.Database{DB: db}})
}

// Many first messages from one new sender at once (mail to two mailboxes, a double-clicked
// form) make one customer, however the engine interleaves the commands.
func TestConcurrentFirstContactsMakeOneCustomer(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				email := "NewCustomer@Example.com"
				if i%2 == 1 {
					email = "newcustomer@example.com"
				}
				_, errs[i] = svc.Create(ctx, auth.System(), CreateInput{Subject: fmt.Sprintf("物流查询 %d", i),
					Customer: CustomerRef{Email: email, Name: "王芳"}, Message: &MessageInput{Body: "我的订单什么时候发货？"}})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
		}
		var customers, identities, tickets int
		q := db.Read()
		q.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&customers)
		q.QueryRowContext(ctx, `SELECT count(*) FROM customer_identities`).Scan(&identities)
		q.QueryRowContext(ctx, `SELECT count(DISTINCT customer_id) FROM tickets`).Scan(&tickets)
		if customers != 1 || identities != 1 || tickets != 1 {
			t.Fatalf("%d customers, %d identities, tickets of %d customers; want 1 each", customers, identities, tickets)
		}
	})
}

// Ticket numbers are unique and without gaps under concurrent creation.
func TestTicketNumbersAreSequential(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(db)
		const n = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int64]bool{}
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, err := svc.Create(ctx, auth.System(), CreateInput{Subject: "发票", Customer: CustomerRef{Phone: fmt.Sprintf("1380000%04d", i)},
					Message: &MessageInput{Body: "请开电子发票"}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[tk.Number] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
		for num := int64(10001); num <= 10000+n; num++ {
			if !seen[num] {
				t.Errorf("number %d missing; got %v", num, seen)
			}
		}
	})
}
