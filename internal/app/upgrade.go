package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu/internal/storage"
)

// refuseOldSchema stops a node configured with --auto-migrate=false from starting on a
// schema older than it needs, naming what `kefu migrate` would apply. Operators who upgrade
// by hand (a backup first, then the migration) want the server never to do it for them.
func refuseOldSchema(ctx context.Context, db *storage.DB) error {
	pending, err := db.Pending(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	cur, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(pending))
	for i, m := range pending {
		names[i] = fmt.Sprintf("%04d_%s", m.Version, m.Name)
	}
	return fmt.Errorf("数据库结构版本 %d 早于本程序所需的 %d，且已关闭自动迁移；请先备份，再运行 kefu migrate / "+
		"the database schema is at version %d and this kefu needs %d, and --auto-migrate=false: back it up, then run `kefu migrate` (it will apply %s)",
		cur, db.KnownVersion(), cur, db.KnownVersion(), strings.Join(names, ", "))
}
