package cli

import (
	"context"

	"github.com/kefuhq/kefu/internal/config"
	"github.com/kefuhq/kefu/internal/storage"
)

// openStore opens the configured database without migrating it.
func openStore(ctx context.Context, cfg *config.Config) (*storage.DB, error) {
	return storage.Open(ctx, cfg.DB, storage.Options{Synchronous: cfg.SQLiteSync})
}
