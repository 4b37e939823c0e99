package gen

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kefuhq/kefu/internal/storage"
)

// pgEngine loads with COPY on one connection, asynchronous commit, and — when the role may —
// session_replication_role = replica so foreign keys are not checked row by row (the rows
// are consistent by construction).
type pgEngine struct {
	db      *storage.DB
	replica bool
}

func (e *pgEngine) named() bool { return false }

func (e *pgEngine) prepare(ctx context.Context, conn *sql.Conn) error {
	for _, s := range []string{`SET synchronous_commit = off`, `SET maintenance_work_mem = '1GB'`} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gen: %s: %w", s, err)
		}
	}
	// Superusers only; others load with the checks on.
	_, err := conn.ExecContext(ctx, `SET session_replication_role = replica`)
	e.replica = err == nil
	return nil
}

// createIndexes builds the indexes on two connections at once (a server process builds one
// index on one core), the largest tables' first, each on the connection with less work so
// far; a GIN index counts as ten B-trees.
func (e *pgEngine) createIndexes(ctx context.Context, conn *sql.Conn, idx []index, progress io.Writer) error {
	jobs := make([]pgJob, 0, len(idx))
	for _, i := range idx {
		// pg_get_indexdef: CREATE INDEX name ON schema.table USING method (columns)
		var size int64
		if _, rest, ok := strings.Cut(i.SQL, " ON "); ok {
			table, _, _ := strings.Cut(strings.TrimPrefix(rest, "ONLY "), " ")
			if err := conn.QueryRowContext(ctx, `SELECT COALESCE(pg_relation_size(to_regclass($1)), 0)`, table).Scan(&size); err != nil {
				return err
			}
		}
		if strings.Contains(strings.ToLower(i.SQL), "using gin") {
			size *= 10
		}
		jobs = append(jobs, pgJob{i.Name, i.SQL, size})
	}
	return e.parallel(ctx, conn, jobs, func(j pgJob, d time.Duration) {
		if progress != nil {
			fmt.Fprintf(progress, "gen: index %s rebuilt in %.1fs\n", j.name, d.Seconds())
		}
	})
}

type pgJob struct {
	name, sql string
	weight    int64
}

// parallel runs the statements on conn and a second connection, heaviest first, each on the
// connection with less weight so far.
func (e *pgEngine) parallel(ctx context.Context, conn *sql.Conn, jobs []pgJob, done func(pgJob, time.Duration)) error {
	if len(jobs) == 0 {
		return nil
	}
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].weight > jobs[b].weight })
	var lists [2][]pgJob
	var load [2]int64
	for _, j := range jobs {
		k := 0
		if load[1] < load[0] {
			k = 1
		}
		lists[k] = append(lists[k], j)
		load[k] += j.weight + 1
	}
	second, err := e.db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer second.Close()
	if _, err := second.ExecContext(ctx, `SET maintenance_work_mem = '1GB'`); err != nil {
		return err
	}
	defer second.ExecContext(context.WithoutCancel(ctx), `RESET maintenance_work_mem`)
	var mu sync.Mutex
	run := func(c *sql.Conn, list []pgJob) error {
		for _, j := range list {
			t := time.Now()
			if _, err := c.ExecContext(ctx, j.sql); err != nil {
				return fmt.Errorf("gen: %s: %w", j.name, err)
			}
			mu.Lock()
			done(j, time.Since(t))
			mu.Unlock()
		}
		return nil
	}
	errs := make(chan error, 1)
	go func() { errs <- run(second, lists[1]) }()
	err = run(conn, lists[0])
	if err2 := <-errs; err == nil {
		err = err2
	}
	return err
}

func (e *pgEngine) restore(ctx context.Context, conn *sql.Conn) error {
	for _, s := range []string{`RESET synchronous_commit`, `RESET maintenance_work_mem`, `RESET session_replication_role`,
		`DROP TABLE IF EXISTS pg_temp.gen_identities`} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gen: %s: %w", s, err)
		}
	}
	return nil
}

func (e *pgEngine) reserveNumbers(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT nextval('ticket_number_seq')`).Scan(&first); err != nil {
		return 0, fmt.Errorf("gen: reserve ticket numbers: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT setval('ticket_number_seq', $1)`, first+int64(n)-1); err != nil {
		return 0, fmt.Errorf("gen: reserve ticket numbers: %w", err)
	}
	return first, nil
}

const currentSchema = `(SELECT oid FROM pg_namespace WHERE nspname = current_schema())`

func (e *pgEngine) indexes(ctx context.Context, q storage.Querier) ([]index, error) {
	// Indexes that back no constraint (primary keys and UNIQUE stay).
	rows, err := q.QueryContext(ctx, `SELECT i.relname, pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relnamespace = `+currentSchema+` AND t.relname IN (`+quoteList(bigTables)+`)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
		ORDER BY i.relname`)
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

// flatSource feeds COPY from a flat slice of values, ncol per row.
type flatSource struct {
	v       []any
	ncol, i int
	n       int
}

func (s *flatSource) Next() bool { s.i++; return s.i <= s.n }
func (s *flatSource) Values() ([]any, error) {
	o := (s.i - 1) * s.ncol
	return s.v[o : o+s.ncol], nil
}
func (s *flatSource) Err() error { return nil }

func (e *pgEngine) load(ctx context.Context, conn *sql.Conn, batches <-chan *batch, done func(*batch)) error {
	// Customers that exist already may hold an address we generate: their identities go
	// through a staging table and ON CONFLICT DO NOTHING.
	// Statements here run without ctx: pgx closes a connection whose context ends during a
	// statement, and this one must survive a cancelled load to rebuild the indexes. The
	// loops check ctx between batches.
	var staged bool
	if err := conn.QueryRowContext(bg, `SELECT EXISTS (SELECT 1 FROM customer_identities)`).Scan(&staged); err != nil {
		return err
	}
	if staged {
		if _, err := conn.ExecContext(bg, `CREATE TEMP TABLE IF NOT EXISTS gen_identities (LIKE customer_identities)`); err != nil {
			return fmt.Errorf("gen: staging table: %w", err)
		}
	}
	if !e.replica {
		// Foreign keys are checked: one stream, parents before children.
		return copyStream(ctx, conn, batches, done, func(*table) bool { return true }, staged)
	}

	// One server process does the COPY work of a connection and is the bottleneck; with the
	// checks off, the messages (more than half the data) and the identities go through a
	// second connection, so two server processes work.
	second, err := e.db.SQL().Conn(bg)
	if err != nil {
		return err
	}
	defer second.Close()
	for _, s := range []string{`SET synchronous_commit = off`, `SET session_replication_role = replica`} {
		if _, err := second.ExecContext(bg, s); err != nil {
			return fmt.Errorf("gen: second connection: %s: %w", s, err)
		}
	}
	defer func() {
		second.ExecContext(context.WithoutCancel(ctx), `RESET synchronous_commit`)
		second.ExecContext(context.WithoutCancel(ctx), `RESET session_replication_role`)
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handoff := make(chan *batch, 4)
	errs := make(chan error, 1)
	go func() {
		err := copyStream(ctx, second, handoff, done, func(t *table) bool { return onSecond(t, staged) }, false)
		if err != nil {
			cancel()
		}
		errs <- err
	}()
	err = copyStream(ctx, conn, batches, func(b *batch) {
		select {
		case handoff <- b:
		case <-ctx.Done():
		}
	}, func(t *table) bool { return !onSecond(t, staged) }, staged)
	if err != nil {
		cancel()
	}
	close(handoff)
	if err2 := <-errs; err == nil {
		err = err2
	}
	return err
}

// onSecond tells which tables go through the second connection: the messages, and the
// customers' identities unless they need the first connection's staging table.
func onSecond(t *table, staged bool) bool {
	return t == tMessages || (t == tIdentities && !staged)
}

// copyStream writes the tables that want accepts of each batch with COPY on conn, in
// transactions of a few thousand tickets.
func copyStream(ctx context.Context, conn *sql.Conn, batches <-chan *batch, done func(*batch), want func(*table) bool, staged bool) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("gen: the PostgreSQL driver connection is a %T, not pgx", dc)
		}
		c := sc.Conn()
		exec := func(q string) func() error {
			return func() error { _, err := c.Exec(bg, q); return err }
		}
		write := func(b *batch) error {
			for i := range b.tables {
				r := &b.tables[i]
				if r.n == 0 || !want(r.t) {
					continue
				}
				name := r.t.name
				if staged && r.t == tIdentities {
					name = "gen_identities"
				}
				src := &flatSource{v: r.av, ncol: len(r.t.cols), n: r.n}
				if _, err := c.CopyFrom(bg, pgx.Identifier{name}, r.t.cols, src); err != nil {
					return fmt.Errorf("gen: copy into %s: %w", name, err)
				}
				if name == "gen_identities" {
					if _, err := c.Exec(bg, `INSERT INTO customer_identities SELECT * FROM gen_identities ON CONFLICT (kind, value) DO NOTHING;
						TRUNCATE gen_identities`); err != nil {
						return fmt.Errorf("gen: insert identities: %w", err)
					}
				}
			}
			return nil
		}
		return writeLoop(ctx, batches, done, exec("BEGIN"), exec("COMMIT"), exec("ROLLBACK"), write)
	})
}

func (e *pgEngine) hasTable(ctx context.Context, q storage.Querier, name string) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok)
	return ok, err
}

// The tsvector tables need no settings: their GIN indexes are dropped for the load and built
// at the end like the other indexes.
func (e *pgEngine) prepareSearch(ctx context.Context, conn *sql.Conn) error { return nil }
func (e *pgEngine) finishSearch(ctx context.Context, conn *sql.Conn) error  { return nil }

func (e *pgEngine) finish(ctx context.Context, conn *sql.Conn) error {
	// Ids were given explicitly: move the identity sequences past them.
	for _, t := range []string{"customers", "customer_identities", "tickets", "messages", "events"} {
		if _, err := conn.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), max(id)) FROM `+t+` HAVING max(id) IS NOT NULL`); err != nil {
			return fmt.Errorf("gen: sequence of %s: %w", t, err)
		}
	}
	_, err := conn.ExecContext(ctx, `SELECT setval('ticket_number_seq', GREATEST(max(number), (SELECT last_value FROM ticket_number_seq))) FROM tickets HAVING max(number) IS NOT NULL`)
	return err
}

func (e *pgEngine) analyze(ctx context.Context, conn *sql.Conn) error {
	// VACUUM sets the visibility map (index-only scans) and hint bits, as autovacuum would
	// some time after a real load; ANALYZE gives the planner the distributions.
	var jobs []pgJob
	for _, t := range bigTables {
		var size int64
		if err := conn.QueryRowContext(ctx, `SELECT COALESCE(pg_total_relation_size(to_regclass($1)), 0)`, t).Scan(&size); err != nil {
			return err
		}
		if size > 0 {
			jobs = append(jobs, pgJob{t, `VACUUM (ANALYZE) ` + t, size})
		}
	}
	return e.parallel(ctx, conn, jobs, func(pgJob, time.Duration) {})
}

func (e *pgEngine) size(ctx context.Context, conn *sql.Conn) (int64, error) {
	var n sql.NullInt64
	err := conn.QueryRowContext(ctx, `SELECT sum(pg_total_relation_size(oid)) FROM pg_class
		WHERE relkind = 'r' AND relnamespace = `+currentSchema).Scan(&n)
	return n.Int64, err
}
