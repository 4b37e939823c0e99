package ticket

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
	"github.com/kefuhq/kefu/internal/testutil"
)

// On PostgreSQL a search walks the message index partition by partition, newest first: it
// must find matches that lie partitions apart, in order, whether a message landed in its own
// partition or — before that partition was made — in the default one; pages and the count
// stay right when a page ends inside a span.
func TestSearchAcrossPartitions(t *testing.T) {
	if !slices.Contains(testutil.Engines(), storage.Postgres) {
		t.Skip("PostgreSQL only (KEFU_TEST_POSTGRES is not set)")
	}
	db := testutil.NewDB(t, storage.Postgres)
	ctx := context.Background()
	svc := newService(db)
	sys := auth.System()
	var want []int64 // ticket numbers, oldest first
	create := func(i int) {
		tk, err := svc.Create(ctx, sys, CreateInput{Subject: fmt.Sprintf("第%d单", i),
			Customer: CustomerRef{Email: fmt.Sprintf("p%d@example.com", i)}, Message: &MessageInput{Body: "退款进度查询"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, tk.Number)
	}
	jump := func(to int64) { // the next message id
		err := db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('messages', 'id'), $1)`, to-1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	create(0)
	create(1)
	jump(3*search.Partition + 10) // three partitions on: lands in the default partition
	create(2)
	jump(7*search.Partition + 3)
	create(3)
	create(4)
	check := func(stage string) {
		t.Helper()
		var got []int64
		cursor := ""
		for range 10 {
			page, err := svc.Search(ctx, sys, "退款", "", Filter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if cursor == "" && (page.Total != len(want) || page.TotalMore) {
				t.Errorf("%s: total %d (more %v), want %d", stage, page.Total, page.TotalMore, len(want))
			}
			for _, h := range page.Items {
				got = append(got, h.Number)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		newestFirst := slices.Clone(want)
		slices.Reverse(newestFirst)
		if !slices.Equal(got, newestFirst) {
			t.Errorf("%s: found %v, want %v", stage, got, newestFirst)
		}
		ranked, err := svc.Search(ctx, sys, "退款", "relevance", Filter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ranked.Items) != len(want) {
			t.Errorf("%s: relevance found %d, want %d", stage, len(ranked.Items), len(want))
		}
	}
	check("before the partitions exist")
	var inDefault int
	if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM message_index_default`).Scan(&inDefault); err != nil || inDefault == 0 {
		t.Fatalf("default partition holds %d rows (err %v); the test wants some there", inDefault, err)
	}
	if err := search.EnsurePartitions(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := db.Read().QueryRowContext(ctx, `SELECT count(*) FROM message_index_default`).Scan(&inDefault); err != nil || inDefault != 0 {
		t.Fatalf("default partition still holds %d rows (err %v)", inDefault, err)
	}
	check("after")
}
