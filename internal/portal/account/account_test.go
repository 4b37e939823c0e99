package account

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/customer"
	"github.com/kefuhq/kefu/internal/mail"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// notices queues nothing but remembers the notices, so a test can read the link.
type notices struct {
	mu  sync.Mutex
	got []mail.Notice
	off bool
}

func (n *notices) CanSendNotices(context.Context) (bool, error) { return !n.off, nil }
func (n *notices) QueueNotice(tx *storage.Tx, nt mail.Notice) error {
	tx.AfterCommit(func() {
		n.mu.Lock()
		n.got = append(n.got, nt)
		n.mu.Unlock()
	})
	return nil
}

func setup(t *testing.T, db *storage.DB) (*Service, *notices, *atomic.Int64, int64) {
	t.Helper()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	n := &notices{}
	s := NewService(db, n, now)
	name := "张伟"
	c, err := customer.NewService(db, now).Create(context.Background(), auth.System(), customer.Input{Name: &name, Emails: []string{"zhang@example.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, n, &offset, c.ID
}

// Two nodes given the same link at the same moment: one signs in, the other is refused.
func TestLinkWorksOnceUnderRace(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, n, _, id := setup(t, db)
		var url string
		if err := s.RequestLink(ctx, "zhang@example.cn", "https://help.test/portal/link?t=", func(u string) (string, string) { url = u; return "s", u }); err != nil {
			t.Fatal(err)
		}
		if len(n.got) != 1 || n.got[0].To != "zhang@example.cn" || n.got[0].Body != url {
			t.Fatalf("notices: %+v", n.got)
		}
		token := url[len("https://help.test/portal/link?t="):]
		var wins, refusals atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.UseLink(ctx, token)
				switch {
				case err == nil && got == id:
					wins.Add(1)
				case errors.Is(err, apperr.ErrUnauthorized):
					refusals.Add(1)
				default:
					t.Errorf("use link: %d, %v", got, err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || refusals.Load() != 7 {
			t.Fatalf("%d sign-ins, %d refusals", wins.Load(), refusals.Load())
		}
		// Unknown and malformed addresses are no error and mail nothing; no mail at all is.
		for _, addr := range []string{"nobody@example.cn", "not an address", ""} {
			if err := s.RequestLink(ctx, addr, "x", func(string) (string, string) { return "s", "b" }); err != nil {
				t.Fatalf("%q: %v", addr, err)
			}
		}
		if len(n.got) != 1 {
			t.Fatalf("%d notices", len(n.got))
		}
		n.off = true
		if err := s.RequestLink(ctx, "nobody@example.cn", "x", nil); !errors.Is(err, ErrMailNotConfigured) {
			t.Fatalf("no mail, unknown address: %v", err)
		}
		if err := s.RequestLink(ctx, "zhang@example.cn", "x", nil); !errors.Is(err, ErrMailNotConfigured) {
			t.Fatalf("no mail, known address: %v", err)
		}
	})
}

// The counters count every hit once, even from many requests at the same moment, and
// start over with a new window.
func TestAllowCountsConcurrentHits(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, _, offset, _ := setup(t, db)
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := s.Allow(ctx, "k", 5, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if allowed.Load() != 5 {
			t.Fatalf("%d allowed of 12, limit 5", allowed.Load())
		}
		ok, retry, _ := s.Allow(ctx, "k", 5, time.Minute)
		if ok || retry <= 0 || retry > time.Minute {
			t.Fatalf("over the limit: %v, retry %v", ok, retry)
		}
		offset.Add(int64(time.Minute + time.Second))
		if ok, _, _ := s.Allow(ctx, "k", 5, time.Minute); !ok {
			t.Fatal("a new window is still limited")
		}
	})
}

// Passwords: bounds as field errors, argon2id, and a check that knows only the right one.
func TestPassword(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, _, _, id := setup(t, db)
		c, err := s.Customer(ctx, id)
		if err != nil || c.Name != "张伟" || c.Email != "zhang@example.cn" || c.HasPassword {
			t.Fatalf("customer: %+v %v", c, err)
		}
		for _, bad := range []string{"", "short", "        ", string(make([]byte, 201))} {
			e, ok := apperr.As(s.SetPassword(ctx, c, bad))
			if !ok || e.Fields["password"].Code == "" {
				t.Errorf("%q accepted", bad)
			}
		}
		if err := s.SetPassword(ctx, c, "correct horse"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.CheckPassword(ctx, " ZHANG@example.cn", "correct horse"); err != nil || got != id {
			t.Fatalf("right password: %d %v", got, err)
		}
		for _, pw := range []string{"correct horse ", "wrong"} {
			if _, err := s.CheckPassword(ctx, "zhang@example.cn", pw); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("%q: %v", pw, err)
			}
		}
		if _, err := s.CheckPassword(ctx, "nobody@example.cn", "correct horse"); !errors.Is(err, apperr.ErrUnauthorized) {
			t.Fatal(err)
		}
	})
}
