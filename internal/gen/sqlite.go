package gen

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// sqliteEngine loads through the single write connection (DB.WriteConn, outside the group
// commit): durability off for the load, foreign keys and CHECK constraints not evaluated (the
// rows are consistent by construction), prepared multi-row INSERTs bound at the driver level,
// about 5,000 tickets per transaction. The WAL stays on: a run killed half-way leaves a sound
// database with its last committed transaction, and the next run rebuilds what it dropped.
type sqliteEngine struct {
	saved       []string // PRAGMA statements that restore the connection
	savedSearch []string // statements that restore the search indexes' settings
	cacheSize   string   // the connection's cache_size
}

// loadPragmas are set for the load and restored afterwards.
var loadPragmas = []struct{ name, value string }{
	{"synchronous", "OFF"},
	// The rows are consistent by construction (the tests check them); checking each
	// reference costs a lookup per column.
	{"foreign_keys", "OFF"},
	// CHECK (x IN ('a', 'b', …)) builds a temporary b-tree of the list for every row inserted,
	// which made it the largest single cost of the load; the values are valid by construction.
	{"ignore_check_constraints", "ON"},
	// Multi-row INSERTs that may fail half-way keep a statement journal: in memory, not in a
	// temporary file.
	{"temp_store", "MEMORY"},
	{"cache_size", ""}, // saved here, set by createIndexes
}

func (e *sqliteEngine) named() bool { return true }

func (e *sqliteEngine) prepare(ctx context.Context, conn *sql.Conn) error {
	e.saved = nil
	for _, p := range loadPragmas {
		var old string
		if err := conn.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&old); err != nil {
			return fmt.Errorf("gen: read pragma %s: %w", p.name, err)
		}
		e.saved = append(e.saved, `PRAGMA `+p.name+` = `+old)
		if p.name == "cache_size" {
			e.cacheSize = old
		}
		if p.value == "" {
			continue
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA `+p.name+` = `+p.value); err != nil {
			return fmt.Errorf("gen: pragma %s: %w", p.name, err)
		}
	}
	return nil
}

// createIndexes builds the indexes one after the other. CREATE INDEX sorts in runs of the
// page cache's size; runs of 8 MB in temporary files measured faster than the app's 32 MB
// cache or larger caches kept in memory (the driver's allocator maps and unmaps large blocks
// one by one). prepare saved both settings; restore puts them back.
func (e *sqliteEngine) createIndexes(ctx context.Context, conn *sql.Conn, idx []index, progress io.Writer) error {
	for _, s := range []string{`PRAGMA cache_size = -8000`, `PRAGMA temp_store = FILE`} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gen: %s: %w", s, err)
		}
	}
	for _, i := range idx {
		t := time.Now()
		if _, err := conn.ExecContext(ctx, i.SQL); err != nil {
			return fmt.Errorf("gen: rebuild index %s: %w", i.Name, err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "gen: index %s rebuilt in %.1fs\n", i.Name, time.Since(t).Seconds())
		}
	}
	// Back to the load's settings (a run that first repairs an interrupted one loads next).
	for _, s := range []string{`PRAGMA cache_size = ` + e.cacheSize, `PRAGMA temp_store = MEMORY`} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gen: %s: %w", s, err)
		}
	}
	return nil
}

func (e *sqliteEngine) restore(ctx context.Context, conn *sql.Conn) error {
	var errs []error
	for _, s := range e.saved {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	e.saved = nil
	// A load that failed before the search index was merged still leaves FTS5's settings as
	// they were.
	for _, s := range e.savedSearch {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	e.savedSearch = nil
	// Fold the WAL into the database file so it stands alone at its real size.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("gen: restore connection settings: %v", errs)
	}
	return nil
}

func (e *sqliteEngine) reserveNumbers(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value + $1 WHERE name = 'ticket_number' RETURNING value`, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("gen: reserve ticket numbers: %w", err)
	}
	return last - int64(n) + 1, nil
}

func (e *sqliteEngine) indexes(ctx context.Context, q storage.Querier) ([]index, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (`+quoteList(bigTables)+`) ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("gen: list indexes: %w", err)
	}
	defer rows.Close()
	var out []index
	for rows.Next() {
		var i index
		if err := rows.Scan(&i.Name, &i.SQL); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (e *sqliteEngine) load(ctx context.Context, conn *sql.Conn, batches <-chan *batch, done func(*batch)) error {
	return conn.Raw(func(dc any) error {
		execer, ok1 := dc.(driver.ExecerContext)
		preparer, ok2 := dc.(driver.ConnPrepareContext)
		if !ok1 || !ok2 {
			return fmt.Errorf("gen: the SQLite driver connection %T cannot prepare statements", dc)
		}
		l := &sqliteLoader{exec: execer, prep: preparer, stmts: map[stmtKey]driver.Stmt{}}
		defer l.close()
		return writeLoop(ctx, batches, done, l.begin, l.commit, l.rollback, l.write)
	})
}

// writeLoop writes batches in transactions of about txRows tickets and customers.
func writeLoop(ctx context.Context, batches <-chan *batch, done func(*batch),
	begin, commit, rollback func() error, write func(*batch) error) error {
	const txRows = 5000
	inTx, rows := false, 0
	for b := range batches {
		if err := ctx.Err(); err != nil {
			break
		}
		if !inTx {
			if err := begin(); err != nil {
				return err
			}
			inTx = true
		}
		if err := write(b); err != nil {
			rollback()
			return err
		}
		done(b)
		rows += b.tickets + b.customers
		if rows >= txRows {
			if err := commit(); err != nil {
				return err
			}
			inTx, rows = false, 0
		}
	}
	if inTx {
		if err := ctx.Err(); err != nil {
			rollback()
			return err
		}
		return commit()
	}
	return ctx.Err()
}

type stmtKey struct {
	t    *table
	rows int
}

type sqliteLoader struct {
	exec  driver.ExecerContext
	prep  driver.ConnPrepareContext
	stmts map[stmtKey]driver.Stmt
}

// The driver calls run without a cancellable context: a context with a Done channel costs
// the driver a goroutine per statement. The loop checks the context between batches.
var bg = context.Background()

func (l *sqliteLoader) begin() error {
	_, err := l.exec.ExecContext(bg, `BEGIN IMMEDIATE`, nil)
	return err
}

func (l *sqliteLoader) commit() error {
	_, err := l.exec.ExecContext(bg, `COMMIT`, nil)
	return err
}

func (l *sqliteLoader) rollback() error {
	_, err := l.exec.ExecContext(bg, `ROLLBACK`, nil)
	return err
}

func (l *sqliteLoader) close() {
	for _, s := range l.stmts {
		s.Close()
	}
}

func (l *sqliteLoader) stmt(t *table, rows int) (driver.StmtExecContext, error) {
	k := stmtKey{t, rows}
	s, ok := l.stmts[k]
	if !ok {
		var b strings.Builder
		cols := t.columns(true)
		b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(cols, ", ") + ") VALUES ")
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for r := 0; r < rows; r++ {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		b.WriteString(t.suffix)
		var err error
		if s, err = l.prep.PrepareContext(bg, b.String()); err != nil {
			return nil, fmt.Errorf("gen: prepare insert into %s: %w", t.name, err)
		}
		l.stmts[k] = s
	}
	se, ok := s.(driver.StmtExecContext)
	if !ok {
		return nil, fmt.Errorf("gen: the SQLite driver statement %T cannot execute with a context", s)
	}
	return se, nil
}

func (l *sqliteLoader) write(b *batch) error {
	for i := range b.tables {
		r := &b.tables[i]
		ncol, per := len(r.t.columns(true)), r.t.per
		for off := 0; off < r.n; off += per {
			k := min(per, r.n-off)
			s, err := l.stmt(r.t, k)
			if err != nil {
				return err
			}
			if _, err := s.ExecContext(bg, r.nv[off*ncol:(off+k)*ncol]); err != nil {
				return fmt.Errorf("gen: insert into %s: %w", r.t.name, err)
			}
		}
	}
	return nil
}

func (e *sqliteEngine) finish(ctx context.Context, conn *sql.Conn) error { return nil }

func (e *sqliteEngine) hasTable(ctx context.Context, q storage.Querier, name string) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE name = $1`, name).Scan(&ok)
	return ok, err
}

// searchSettings are the FTS5 settings of the search indexes for the load, with FTS5's
// defaults to go back to: pending terms are flushed to a new segment every statement or
// hashsize bytes, and automerge would merge segments all through the load; instead they pile
// up and one 'optimize' merges them at the end.
var searchSettings = []struct {
	name        string
	load, deflt int64
}{
	{"hashsize", 64 << 20, 1 << 20},
	{"automerge", 0, 4},
}

var searchTables = []string{"message_index", "customer_index"}

func (e *sqliteEngine) prepareSearch(ctx context.Context, conn *sql.Conn) error {
	e.savedSearch = nil
	for _, t := range searchTables {
		for _, s := range searchSettings {
			old := s.deflt
			err := conn.QueryRowContext(ctx, `SELECT v FROM `+t+`_config WHERE k = $1`, s.name).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("gen: read %s %s: %w", t, s.name, err)
			}
			e.savedSearch = append(e.savedSearch, fmt.Sprintf(`INSERT INTO %s (%s, rank) VALUES ('%s', %d)`, t, t, s.name, old))
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s, rank) VALUES ('%s', %d)`, t, t, s.name, s.load)); err != nil {
				return fmt.Errorf("gen: set %s %s: %w", t, s.name, err)
			}
		}
	}
	return nil
}

func (e *sqliteEngine) finishSearch(ctx context.Context, conn *sql.Conn) error {
	for _, t := range searchTables {
		if _, err := conn.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("gen: merge %s: %w", t, err)
		}
	}
	for _, s := range e.savedSearch {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gen: restore search settings: %w", err)
		}
	}
	e.savedSearch = nil
	return nil
}

func (e *sqliteEngine) analyze(ctx context.Context, conn *sql.Conn) error {
	// A sampled ANALYZE, as PRAGMA optimize runs it: enough for the planner, seconds not minutes.
	if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("gen: analyze: %w", err)
	}
	_, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 0`)
	return err
}

func (e *sqliteEngine) size(ctx context.Context, conn *sql.Conn) (int64, error) {
	path := ""
	{
		rows, err := conn.QueryContext(ctx, `PRAGMA database_list`)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int
			var name, file string
			if err := rows.Scan(&seq, &name, &file); err != nil {
				return 0, err
			}
			if name == "main" {
				path = file
			}
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if path == "" {
		return 0, nil
	}
	return fileSize(path), nil
}
