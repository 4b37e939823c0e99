package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

func openPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	n := opts.MaxReaders
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("storage: connect to postgres: %w", err)
	}
	return &DB{
		dialect: Postgres,
		read:    pool,
		reader:  pool,
		write:   pool,
		writer:  pgWriter{pool},
		closers: []func() error{pool.Close},
	}, nil
}

// pgWriter runs every command in its own transaction: PostgreSQL commits concurrently and
// groups WAL flushes itself.
type pgWriter struct{ db *sql.DB }

func (w pgWriter) write(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, ctx: ctx, dialect: Postgres}
	if err := runCommand(tx, fn); err != nil {
		sqlTx.Rollback()
		return err
	}
	for _, stage := range []Stage{StageRows, StageSearch} {
		if err := tx.finish(stage); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	tx.committed()
	for _, f := range tx.after {
		f()
	}
	return nil
}

func (pgWriter) close() {}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && sqliteUnique(err)
}
