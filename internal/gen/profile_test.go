package gen

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kefuhq/kefu/internal/storage"
)

// TestProfileLoad loads KEFU_GEN_PROFILE tickets into a fresh SQLite file (or the database
// KEFU_GEN_PROFILE_DB names), for
// `go test -run TestProfileLoad -cpuprofile`. Skipped unless the variable is set.
func TestProfileLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("KEFU_GEN_PROFILE"))
	if n == 0 {
		t.Skip("KEFU_GEN_PROFILE is not set")
	}
	ctx := context.Background()
	dsn := os.Getenv("KEFU_GEN_PROFILE_DB")
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "kefu.db")
	}
	db, err := storage.Open(ctx, dsn, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, db, Options{Tickets: n, MessagesPerTicket: 5, Progress: os.Stderr}); err != nil {
		t.Fatal(err)
	}
}
