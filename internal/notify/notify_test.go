package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kefuhq/kefu/internal/apperr"
	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
	"github.com/kefuhq/kefu/internal/user"
)

func setup(t *testing.T, db *storage.DB) (*Service, []auth.Actor) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC) }
	users := user.NewService(db, now)
	var out []auth.Actor
	for _, email := range []string{"wang@example.com", "li@example.com", "gone@example.com"} {
		u, err := users.Create(context.Background(), auth.System(), user.CreateInput{Email: email, Name: email, Role: auth.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u.Actor())
	}
	if err := db.Write(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(tx.Context(), `UPDATE users SET active = $1 WHERE id = $2`, false, out[2].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return NewService(db, nil, now), out
}

func send(t *testing.T, s *Service, db *storage.DB, to []int64, body string) int {
	t.Helper()
	var n int
	err := db.Write(context.Background(), func(tx *storage.Tx) error {
		var err error
		n, err = s.SendTx(tx, to, Input{Body: body})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Each user reads, counts and marks only their own notifications: another's is not found,
// customers and API callers without a user have none, and a deactivated user gets none.
func TestNobodyReadsAnothersNotifications(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, us := setup(t, db)
		wang, li, gone := us[0], us[1], us[2]
		if n := send(t, s, db, []int64{wang.ID, wang.ID, li.ID, gone.ID, 9999}, "工单 #10001 已超时"); n != 2 {
			t.Fatalf("sent to %d users, want 2 (duplicates, the deactivated and the unknown skipped)", n)
		}
		send(t, s, db, []int64{li.ID}, "只给李")
		wl, err := s.List(ctx, wang, 0, 10)
		if err != nil || len(wl) != 1 || wl[0].Body != "工单 #10001 已超时" {
			t.Fatalf("wang's list: %+v, %v", wl, err)
		}
		ll, err := s.List(ctx, li, 0, 10)
		if err != nil || len(ll) != 2 || ll[0].Body != "只给李" {
			t.Fatalf("li's list: %+v, %v", ll, err)
		}
		// Wang cannot mark Li's as read, and learns nothing about it.
		if err := s.MarkRead(ctx, wang, ll[0].ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("marking another's notification: %v, want not found", err)
		}
		if n, _, _ := s.Unread(ctx, li); n != 2 {
			t.Errorf("li unread %d after wang's attempt, want 2", n)
		}
		for _, a := range []auth.Actor{{Kind: auth.ActorCustomer, ID: li.ID}, auth.System()} {
			if _, err := s.List(ctx, a, 0, 10); !errors.Is(err, apperr.ErrForbidden) {
				t.Errorf("%v listed notifications: %v", a.Kind, err)
			}
			if err := s.MarkRead(ctx, a, 0); !errors.Is(err, apperr.ErrForbidden) {
				t.Errorf("%v marked notifications: %v", a.Kind, err)
			}
		}
		if err := s.MarkRead(ctx, li, ll[1].ID); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.Unread(ctx, li); n != 1 {
			t.Errorf("li unread %d, want 1", n)
		}
		// "Mark all" touches only the caller's.
		if err := s.MarkRead(ctx, wang, 0); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.Unread(ctx, li); n != 1 {
			t.Errorf("li unread %d after wang marked all, want 1", n)
		}
		if n, _, _ := s.Unread(ctx, wang); n != 0 {
			t.Errorf("wang unread %d, want 0", n)
		}
		if got, _ := s.List(ctx, wang, 0, 10); len(got) != 1 || got[0].ReadAt == nil {
			t.Errorf("wang's read notification: %+v", got)
		}
	})
}

// The unread count stops at UnreadCap; pages go back in time by id.
func TestUnreadCapAndPaging(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, us := setup(t, db)
		for range UnreadCap + 2 {
			send(t, s, db, []int64{us[0].ID}, "提醒")
		}
		if n, more, err := s.Unread(ctx, us[0]); err != nil || n != UnreadCap || !more {
			t.Errorf("unread %d %v %v, want %d and more", n, more, err, UnreadCap)
		}
		first, err := s.List(ctx, us[0], 0, 60)
		if err != nil || len(first) != 60 {
			t.Fatalf("first page %d, %v", len(first), err)
		}
		rest, err := s.List(ctx, us[0], first[len(first)-1].ID, 100)
		if err != nil || len(rest) != UnreadCap+2-60 || rest[0].ID >= first[len(first)-1].ID {
			t.Fatalf("second page %d, %v", len(rest), err)
		}
	})
}
