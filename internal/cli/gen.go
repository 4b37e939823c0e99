package cli

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu/internal/gen"
	"github.com/kefuhq/kefu/internal/storage"
)

func init() {
	Register("gen", "fill the database with benchmark data: kefu gen --tickets N --messages-per-ticket M [--customers C] [--seed S]", genCmd)
}

func genCmd(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "gen")
	tickets := fs.Int("tickets", 10000, "tickets to add")
	perTicket := fs.Int("messages-per-ticket", 5, "messages per ticket on average (each has 1 … 2M-1)")
	customers := fs.Int("customers", 0, "customers to add (default: tickets/5)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed on the same database gives the same data")
	keep := fs.Bool("keep-indexes", false, "write into every index during the load instead of rebuilding some at the end")
	searchIdx := fs.Bool("search", true, "fill the search indexes as the app would (false: leave them to kefu reindex)")
	cfg, err := Parse(fs, build, args)
	if err != nil {
		return err
	}
	if *tickets < 0 || *perTicket < 1 || *customers < 0 {
		return fmt.Errorf("--tickets and --customers must not be negative, --messages-per-ticket at least 1")
	}
	db, err := storage.Open(ctx, cfg.DB, storage.Options{Synchronous: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	_, err = gen.Run(ctx, db, gen.Options{
		Tickets:           *tickets,
		MessagesPerTicket: *perTicket,
		Customers:         *customers,
		Seed:              *seed,
		KeepIndexes:       *keep,
		NoSearch:          !*searchIdx,
		Progress:          env.Stderr,
	})
	return err
}
