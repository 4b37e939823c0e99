package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one forward step of the schema, a file named NNNN_name.sql per dialect.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ErrSchemaTooNew means the database was migrated by a newer Kefu than this binary.
var ErrSchemaTooNew = errors.New("storage: the database schema is newer than this kefu knows; upgrade kefu")

// Migrations lists the dialect's migrations in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("storage: migration %s: name must be NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("storage: migrations of %s must be numbered 1, 2, 3…; found %d at place %d", d, m.Version, i+1)
		}
	}
	return out, nil
}

// KnownVersion is the newest schema version this binary can run on.
func (db *DB) KnownVersion() int {
	ms, _ := Migrations(db.dialect)
	return len(ms)
}

const versionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// SchemaVersion reads the version the database is at (0 for an empty database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.read, db.dialect)
}

func schemaVersion(ctx context.Context, q Querier, d Dialect) (int, error) {
	var exists bool
	var err error
	if d == Postgres {
		err = q.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	} else {
		err = q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists)
	}
	if err != nil || !exists {
		return 0, err
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// Pending lists the migrations that Migrate would apply. It returns ErrSchemaTooNew if the
// database is ahead of this binary.
func (db *DB) Pending(ctx context.Context) ([]Migration, error) {
	all, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	cur, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if cur > len(all) {
		return nil, fmt.Errorf("%w (database at version %d, kefu knows %d)", ErrSchemaTooNew, cur, len(all))
	}
	return all[cur:], nil
}

// Migrate applies every pending migration, each in its own transaction together with its
// row in schema_migrations. On PostgreSQL an advisory lock keeps nodes that start at once
// from migrating twice.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	all, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	err = db.WriteConn(ctx, func(conn *sql.Conn) error {
		if db.dialect == Postgres {
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(4201001)`); err != nil {
				return fmt.Errorf("storage: lock for migration: %w", err)
			}
			defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(4201001)`)
		}
		if _, err := conn.ExecContext(ctx, versionTable); err != nil {
			return fmt.Errorf("storage: create version table: %w", err)
		}
		cur, err := schemaVersion(ctx, conn, db.dialect)
		if err != nil {
			return err
		}
		if cur > len(all) {
			return fmt.Errorf("%w (database at version %d, kefu knows %d)", ErrSchemaTooNew, cur, len(all))
		}
		for _, m := range all[cur:] {
			if err := applyMigration(ctx, conn, m); err != nil {
				return err
			}
			applied = append(applied, m)
		}
		return nil
	})
	return applied, err
}

func applyMigration(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("storage: migration %04d_%s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("storage: record migration %d: %w", m.Version, err)
	}
	return tx.Commit()
}
