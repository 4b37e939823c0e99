// Package storage opens Kefu's database — embedded SQLite or PostgreSQL — and gives the
// domain packages one way to read and one way to write, with the same behaviour on both.
//
// Reads go through DB.Read (a pool). Every command writes through DB.Write, which runs the
// command's function in one transaction. On SQLite all writes share one connection and are
// group-committed: concurrent commands are batched into one transaction, each inside its own
// savepoint, so a failing command rolls back alone while the batch pays for one fsync.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The two engines Kefu runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what both a read pool and a transaction offer; store functions that only read
// take a Querier so they serve reads and the read-before-write inside a command alike.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open Kefu database.
type DB struct {
	dialect Dialect
	read    *sql.DB
	reader  Querier // read, through SQLite's statement cache
	write   *sql.DB
	writer  writer
	closers []func() error
	obs     observerSlot // see observe.go
}

type writer interface {
	write(ctx context.Context, fn func(*Tx) error) error
	close()
}

// Options tune how a database is opened.
type Options struct {
	// MaxReaders caps the read pool (default 8 on SQLite, 16 on PostgreSQL).
	MaxReaders int
	// Synchronous is SQLite's synchronous pragma for the write connection: "full" (default,
	// durable against power loss) or "normal" (durable against a process crash only).
	Synchronous string
	// MaxBatch caps how many commands one SQLite group commit carries (default 64).
	MaxBatch int
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL, or a SQLite file
// path (optionally prefixed with sqlite: or file:).
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("storage: empty database address")
	}
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:"), opts)
}

// IsPostgresURL reports whether dsn names a PostgreSQL server.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Dialect tells which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Read is the pool for queries outside a command.
func (db *DB) Read() Querier { return db.obs.reader(db.reader) }

// SQL exposes the read pool for tools that need database/sql itself (benchmarks, backups).
func (db *DB) SQL() *sql.DB { return db.read }

// Write runs fn as one command in one transaction. If fn returns an error, nothing it wrote
// is kept. Functions registered with Tx.AfterCommit run once the data is durable. fn must not
// call Write itself.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.obs.write(func() error { return db.writer.write(ctx, fn) })
}

// Close stops the writer and closes every connection.
func (db *DB) Close() error {
	db.writer.close()
	var errs []error
	for i := len(db.closers) - 1; i >= 0; i-- {
		errs = append(errs, db.closers[i]())
	}
	return errors.Join(errs...)
}

// Tx is one command's view of a write transaction.
type Tx struct {
	*sql.Tx
	ctx     context.Context
	dialect Dialect
	after   []func()
	visible []func()
	before  [2][]func() error // by Stage
	locals  map[any]any
	stmts   *stmtCache // SQLite's writer: statements kept prepared (nil on PostgreSQL)
}

// Context is the context of the command the transaction serves.
func (tx *Tx) Context() context.Context { return tx.ctx }

// On SQLite the commands of a batch share one transaction, and SQLite rolls back the whole
// transaction when a write is interrupted, which is what the driver does to a statement
// whose context ends: one caller hanging up would undo every other command of its batch.
// So statements run without their caller's cancellation (a command that wants to stop
// checks its context between statements); on PostgreSQL a command has its own transaction.
func (tx *Tx) stmtContext(ctx context.Context) context.Context {
	if tx.dialect == SQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// prepared is the writer's prepared statement for query, bound to this transaction, or nil.
// Only single-row statements use it: SQLite reuses one compiled program per statement, so a
// multi-row query left open while the same SQL ran again would be reset under its reader.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	if p := tx.stmts.get(query); p != nil {
		return tx.Tx.StmtContext(ctx, p)
	}
	return nil
}

// ExecContext runs a statement in the transaction (see stmtContext).
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.stmtContext(ctx)
	if s := tx.prepared(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction (see stmtContext).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(tx.stmtContext(ctx), query, args...)
}

// QueryRowContext runs a one-row query in the transaction (see stmtContext).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.stmtContext(ctx)
	if s := tx.prepared(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// PrepareContext prepares a statement for the transaction (see stmtContext).
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.Tx.PrepareContext(tx.stmtContext(ctx), query)
}

// Dialect tells which engine the transaction runs on.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Stage orders the work a command leaves for the end of its transaction (BeforeCommit).
type Stage int

const (
	// StageRows writes ordinary rows (the command's events, in one statement).
	StageRows Stage = iota
	// StageSearch writes the full-text indexes, after every row: on SQLite, FTS5 writes what
	// it holds in memory to disk at every savepoint, including the one a multi-row statement
	// opens, so index writes go last.
	StageSearch
)

// BeforeCommit registers f to run at the end of the transaction: after the command and, on
// SQLite, after every other command of its batch, all of stage StageRows before any of
// StageSearch. If f fails, the whole transaction fails. On SQLite every command of a batch
// runs in a savepoint and FTS5 flushes its pending index at each one: a batch of four new
// tickets wrote eight small index segments (and merged them later) instead of one.
func (tx *Tx) BeforeCommit(stage Stage, f func() error) {
	tx.before[stage] = append(tx.before[stage], f)
}

// Local returns what the command keeps under key, made by mk on first use: a package's
// per-command state (the events a command appends, written at its end).
func (tx *Tx) Local(key any, mk func() any) any {
	if v, ok := tx.locals[key]; ok {
		return v
	}
	if tx.locals == nil {
		tx.locals = map[any]any{}
	}
	v := mk()
	tx.locals[key] = v
	return v
}

// finish runs the command's end-of-transaction work of one stage.
func (tx *Tx) finish(stage Stage) error {
	for _, f := range tx.before[stage] {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// AfterCommit registers f to run after the command's data is committed (never if it is not),
// for side effects such as notifying live pages.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// OnVisible registers f to run, in a goroutine of its own, as soon as the command's writes
// are committed and other connections can read them: on SQLite that is before the WAL is
// synced, while the writer already runs the next batch. It lets a command prepare its answer
// (read back what it wrote) while the disk catches up instead of after. What f reads may not
// be durable yet: f must hand it to no one but its command, which shows it only once Write
// has returned nil. f never runs if the command's writes are rolled back.
func (tx *Tx) OnVisible(f func()) { tx.visible = append(tx.visible, f) }

// committed starts the command's OnVisible work.
func (tx *Tx) committed() {
	for _, f := range tx.visible {
		go f()
	}
}

// runCommand runs fn, turning a panic into an error so one bad command cannot take the
// shared writer down with it.
func runCommand(tx *Tx, fn func(*Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("storage: command panicked: %v", r)
		}
	}()
	return fn(tx)
}
