// Package gen fills a Kefu database with realistic help-desk data for benchmarks: an
// organisation of teams, agents and departments, customers with unique email addresses and
// phone numbers, and tickets with their conversations (Simplified Chinese and English, from
// internal/sample), statuses that fit their age, and every denormalised field the app keeps.
//
// It loads fast: one goroutine generates rows while another writes them — on SQLite through
// prepared multi-row INSERTs in large transactions on the single write connection with
// durability off for the load, on PostgreSQL through COPY — with the secondary indexes of the
// big tables dropped for the load and rebuilt at the end. Run on a database that already has
// tickets, it appends: ids, ticket numbers and the number counter continue.
package gen

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/internal/sample"
	"github.com/kefuhq/kefu/internal/storage"
)

// Options say what to generate.
type Options struct {
	Tickets           int    // tickets to add
	MessagesPerTicket int    // messages per ticket on average (each ticket has 1 … 2m-1)
	Customers         int    // customers to add; 0: Tickets/5
	Seed              uint64 // the same seed on the same database state gives the same data
	// Now is the end of the year the tickets are spread over; zero: the current time.
	Now time.Time
	// KeepIndexes writes into the indexes as it goes instead of dropping the secondary
	// indexes of the loaded tables and rebuilding them at the end.
	KeepIndexes bool
	// NoSearch leaves the search indexes alone (kefu reindex fills them later); by default
	// every generated message and customer is indexed as the app indexes it.
	NoSearch bool
	// Progress receives a line every ProgressEvery (default 5s) and a summary; nil: silence.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Summary is what a run did.
type Summary struct {
	Tickets, Messages, Customers, Events  int
	UsersCreated                          int
	FirstNumber, LastNumber               int64
	Load, Indexes, Search, Analyze, Total time.Duration
	Size                                  int64 // bytes on disk (SQLite file and WAL; PostgreSQL tables of the schema)
}

// bigTables are the tables whose secondary indexes are dropped for the load.
var bigTables = []string{"customers", "customer_identities", "customer_tags", "customer_index",
	"tickets", "ticket_sla", "ticket_tags", "messages", "message_index", "events"}

// appendIndexes are the secondary indexes of the loaded tables that the load writes in key
// order (ids and times ascend; few distinct leading values): they are cheap to keep up to date
// as rows arrive and stay in place. Every other index of the loaded tables — those led by a
// customer, an agent, a team or a status, written all over — is dropped for the load and
// rebuilt from sorted input at the end, which costs less than inserting into it at random.
var appendIndexes = []string{
	"messages_ticket", "events_subject", "tickets_created", "tickets_updated",
	"customers_updated", "customers_tier", "customer_identities_customer", "customer_tags_tag",
}

// settingsKey records dropped indexes in the settings table until they are rebuilt, so an
// interrupted run's successor rebuilds them first.
const settingsKey = "gen.dropped_indexes"

// engine is what differs between SQLite and PostgreSQL.
type engine interface {
	prepare(ctx context.Context, conn *sql.Conn) error // session settings for the load
	restore(ctx context.Context, conn *sql.Conn) error // undo prepare
	createIndexes(ctx context.Context, conn *sql.Conn, idx []index, progress io.Writer) error
	reserveNumbers(ctx context.Context, tx *sql.Tx, n int) (first int64, err error)
	indexes(ctx context.Context, q storage.Querier) ([]index, error) // secondary indexes of bigTables
	named() bool                                                     // rows as driver.NamedValue (SQLite)
	load(ctx context.Context, conn *sql.Conn, batches <-chan *batch, done func(*batch)) error
	finish(ctx context.Context, conn *sql.Conn) error // sequences
	hasTable(ctx context.Context, q storage.Querier, name string) (bool, error)
	prepareSearch(ctx context.Context, conn *sql.Conn) error // search index settings for the load
	finishSearch(ctx context.Context, conn *sql.Conn) error  // merge the search index, restore its settings
	analyze(ctx context.Context, conn *sql.Conn) error
	size(ctx context.Context, conn *sql.Conn) (int64, error)
}

type index struct{ Name, SQL string }

// Run generates the data into db, which must be migrated.
func Run(ctx context.Context, db *storage.DB, opt Options) (*Summary, error) {
	if opt.Tickets < 0 || opt.Customers < 0 || opt.MessagesPerTicket < 0 {
		return nil, errors.New("gen: counts must not be negative")
	}
	if opt.MessagesPerTicket == 0 {
		opt.MessagesPerTicket = 1
	}
	if opt.Customers == 0 {
		opt.Customers = max(opt.Tickets/5, 1)
	}
	if opt.Customers >= 100_000_000 {
		return nil, errors.New("gen: at most 99,999,999 customers per run")
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 5 * time.Second
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var e engine
	if db.Dialect() == storage.Postgres {
		e = &pgEngine{db: db}
	} else {
		e = &sqliteEngine{}
	}
	// The generator allocates briskly and keeps little: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	sum := &Summary{}
	began := time.Now()
	err := db.WriteConn(ctx, func(conn *sql.Conn) error {
		if err := e.prepare(ctx, conn); err != nil {
			return err
		}
		err := run(ctx, conn, e, opt, now.UnixMilli(), sum)
		if rerr := e.restore(context.WithoutCancel(ctx), conn); err == nil {
			err = rerr
		}
		if err != nil {
			return err
		}
		sum.Total = time.Since(began)
		sum.Size, err = e.size(ctx, conn)
		return err
	})
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		fmt.Fprintf(opt.Progress, "gen: %d tickets (#%d–#%d), %d messages, %d customers, %d events in %.1fs (load %.1fs, indexes %.1fs, search index %.1fs, analyze %.1fs); %.0f rows/s; database %s\n",
			sum.Tickets, sum.FirstNumber, sum.LastNumber, sum.Messages, sum.Customers, sum.Events,
			sum.Total.Seconds(), sum.Load.Seconds(), sum.Indexes.Seconds(), sum.Search.Seconds(), sum.Analyze.Seconds(),
			float64(sum.Tickets+sum.Messages+sum.Customers+sum.Events)/sum.Total.Seconds(), humanSize(sum.Size))
	}
	return sum, nil
}

func run(ctx context.Context, conn *sql.Conn, e engine, opt Options, now int64, sum *Summary) error {
	// Indexes an interrupted run left dropped come back first.
	if err := rebuildDropped(ctx, conn, e, opt.Progress); err != nil {
		return err
	}

	// The organisation, the ticket numbers and the first free ids.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := ensureOrg(ctx, tx, sample.New(mix(opt.Seed, 0)), opt.Tickets, now)
	if err != nil {
		return err
	}
	sum.UsersCreated = o.created
	var first int64
	if opt.Tickets > 0 {
		if first, err = e.reserveNumbers(ctx, tx, opt.Tickets); err != nil {
			return err
		}
	}
	searching, err := e.hasTable(ctx, tx, "message_index")
	if err != nil {
		return err
	}
	var start ids
	for _, x := range []struct {
		table string
		dst   *int64
	}{{"customers", &start.customer}, {"customer_identities", &start.identity}, {"tickets", &start.ticket},
		{"messages", &start.message}, {"events", &start.event}} {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) + 1 FROM `+x.table).Scan(x.dst); err != nil {
			return fmt.Errorf("gen: max id of %s: %w", x.table, err)
		}
	}
	var dropped []index
	if !opt.KeepIndexes {
		if dropped, err = e.indexes(ctx, tx); err != nil {
			return err
		}
		dropped = slices.DeleteFunc(dropped, func(i index) bool { return slices.Contains(appendIndexes, i.Name) })
		if err := dropIndexes(ctx, tx, dropped); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	searching = searching && !opt.NoSearch
	if searching {
		if err := e.prepareSearch(ctx, conn); err != nil {
			return err
		}
	}
	if opt.Tickets > 0 {
		sum.FirstNumber, sum.LastNumber = first, first+int64(opt.Tickets)-1
	}

	// Generate in one goroutine, tokenise for the search indexes in a pool, write in this
	// one, in order.
	p := newPlan(opt, now, first, start, o, e.named())
	p.search = searching
	loadStart := time.Now()
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := pipeline(gctx, p, start)

	var done progress
	stop := done.report(opt, p)
	err = e.load(gctx, conn, batches, done.add)
	cancel()
	for range batches {
	}
	stop()
	if err == nil {
		err = ctx.Err()
	}
	sum.Tickets, sum.Messages = int(done.tickets.Load()), int(done.messages.Load())
	sum.Customers, sum.Events = int(done.customers.Load()), int(done.events.Load())
	sum.Load = time.Since(loadStart)

	// The indexes come back even when the load failed: the rows written so far are committed.
	t := time.Now()
	if len(dropped) > 0 {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "gen: rebuilding %d indexes…\n", len(dropped))
		}
		if ierr := rebuildDropped(context.WithoutCancel(ctx), conn, e, opt.Progress); err == nil {
			err = ierr
		}
	}
	sum.Indexes = time.Since(t)
	// So do the sequences, past the ids the committed rows took.
	if ferr := e.finish(context.WithoutCancel(ctx), conn); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if searching {
		t := time.Now()
		if opt.Progress != nil {
			fmt.Fprintln(opt.Progress, "gen: merging the search index…")
		}
		if err := e.finishSearch(ctx, conn); err != nil {
			return err
		}
		sum.Search = time.Since(t)
	}
	t = time.Now()
	if opt.Progress != nil {
		fmt.Fprintln(opt.Progress, "gen: analyzing…")
	}
	if err := e.analyze(ctx, conn); err != nil {
		return err
	}
	sum.Analyze = time.Since(t)
	return nil
}

// pipeline generates the batches in order in one goroutine and, when the search indexes are
// filled, tokenises them in a pool of workers; the returned channel delivers them in order.
func pipeline(ctx context.Context, p *plan, start ids) <-chan *batch {
	type job struct {
		b     *batch
		ready chan struct{}
	}
	workers := 0
	if p.search {
		workers = max(1, runtime.NumCPU())
	}
	jobs := make(chan job, 2*workers)
	order := make(chan job, 2*workers+4)
	go func() {
		defer close(order)
		defer close(jobs)
		ev, idn, msg := start.event, start.identity, start.message
		send := func(b *batch) bool {
			j := job{b, make(chan struct{})}
			if workers == 0 {
				close(j.ready)
			}
			select {
			case order <- j:
			case <-ctx.Done():
				return false
			}
			if workers == 0 {
				return true
			}
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for k := 0; k*chunk < p.c; k++ {
			if !send(p.customerBatch(k, &ev, &idn)) {
				return
			}
		}
		st := &ticketState{}
		for k := 0; k*chunk < p.n; k++ {
			if !send(p.ticketBatch(k, st, &ev, &msg)) {
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for j := range jobs {
				j.b.index(p.named)
				close(j.ready)
			}
		}()
	}
	out := make(chan *batch, 2)
	go func() {
		defer close(out)
		for j := range order {
			select {
			case <-j.ready:
			case <-ctx.Done():
				return
			}
			select {
			case out <- j.b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// dropIndexes drops the indexes and records them, in the same transaction.
func dropIndexes(ctx context.Context, tx *sql.Tx, idx []index) error {
	if len(idx) == 0 {
		return nil
	}
	rec, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingsKey, string(rec)); err != nil {
		return fmt.Errorf("gen: record dropped indexes: %w", err)
	}
	for _, i := range idx {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+i.Name); err != nil {
			return fmt.Errorf("gen: drop index %s: %w", i.Name, err)
		}
	}
	return nil
}

// rebuildDropped re-creates the indexes recorded as dropped that do not exist.
func rebuildDropped(ctx context.Context, conn *sql.Conn, e engine, progress io.Writer) error {
	var rec string
	err := conn.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingsKey).Scan(&rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gen: read dropped indexes: %w", err)
	}
	var idx []index
	if err := json.Unmarshal([]byte(rec), &idx); err != nil {
		return fmt.Errorf("gen: dropped indexes record: %w", err)
	}
	have, err := e.indexes(ctx, conn)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, i := range have {
		exists[i.Name] = true
	}
	missing := slices.DeleteFunc(idx, func(i index) bool { return exists[i.Name] })
	if err := e.createIndexes(ctx, conn, missing, progress); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, settingsKey); err != nil {
		return fmt.Errorf("gen: clear dropped indexes record: %w", err)
	}
	return nil
}

// progress counts what the writer has stored.
type progress struct {
	tickets, messages, customers, events atomic.Int64
}

func (p *progress) add(b *batch) {
	p.tickets.Add(int64(b.tickets))
	p.messages.Add(int64(b.messages))
	p.customers.Add(int64(b.customers))
	p.events.Add(int64(b.events))
}

func (p *progress) rows() int64 {
	return p.tickets.Load() + p.messages.Load() + p.customers.Load() + p.events.Load()
}

// report prints a progress line every opt.ProgressEvery until the returned stop is called.
func (p *progress) report(opt Options, pl *plan) (stop func()) {
	if opt.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(opt.ProgressEvery)
		defer tick.Stop()
		began := time.Now()
		last, lastRows := began, int64(0)
		for {
			select {
			case <-quit:
				return
			case t := <-tick.C:
				rows := p.rows()
				fmt.Fprintf(opt.Progress, "gen: %6.1fs  customers %d/%d  tickets %d/%d  messages %d  — %.0f rows/s now, %.0f average\n",
					t.Sub(began).Seconds(), p.customers.Load(), pl.c, p.tickets.Load(), pl.n, p.messages.Load(),
					float64(rows-lastRows)/t.Sub(last).Seconds(), float64(rows)/t.Sub(began).Seconds())
				last, lastRows = t, rows
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func fileSize(path string) int64 {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// quoteList renders names as a SQL list of string literals (the names are ours).
func quoteList(names []string) string {
	return "'" + strings.Join(names, "', '") + "'"
}
