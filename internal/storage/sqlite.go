package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("storage: create database folder: %w", err)
		}
	}
	sync := opts.Synchronous
	if sync == "" {
		sync = "full"
	}
	if sync != "full" && sync != "normal" {
		return nil, fmt.Errorf("storage: synchronous must be full or normal, not %q", sync)
	}
	common := url.Values{}
	common.Add("_pragma", "busy_timeout(10000)")
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "journal_mode(WAL)")
	common.Add("_pragma", "cache_size(-32000)")
	// Each command of a group commit runs in a savepoint, and SQLite copies every page a
	// savepoint first touches into a sub-journal: a temporary file, so one write system call
	// per page (a tenth of the writer's time on a million tickets). In memory it is a copy.
	common.Add("_pragma", "temp_store(MEMORY)")

	w := url.Values{}
	for k, v := range common {
		w[k] = append([]string(nil), v...)
	}
	// "full" is kept by the batcher: the connection commits at NORMAL (WAL frames written, not
	// waited for) and the batcher syncs the WAL before it acknowledges (see batcher).
	var durable func() error
	connSync := sync
	if sync == "full" && path != ":memory:" {
		connSync, durable = "normal", syncFile(path+"-wal")
	}
	w.Add("_pragma", "synchronous("+connSync+")")
	if durable != nil {
		w.Add("_pragma", "wal_autocheckpoint(0)") // the checkpointer's work (see checkpointer)
	}
	w.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", "file:"+path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	// One writer connection: writers queue in our batcher instead of failing with SQLITE_BUSY.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("storage: open sqlite %s: %w", path, err)
	}

	r := common
	r.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+r.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("storage: open sqlite readers: %w", err)
	}
	readers := opts.MaxReaders
	if readers <= 0 {
		readers = max(8, 2*runtime.NumCPU())
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)

	maxBatch := opts.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 64
	}
	b := newBatcher(write, maxBatch, durable)
	closers := []func() error{write.Close, read.Close}
	if durable != nil {
		cw, err := sql.Open("sqlite", "file:"+path+"?"+common.Encode())
		if err != nil {
			write.Close()
			read.Close()
			return nil, fmt.Errorf("storage: open sqlite checkpointer: %w", err)
		}
		cw.SetMaxOpenConns(1)
		cw.SetConnMaxIdleTime(0)
		cw.SetConnMaxLifetime(0)
		b.checkpoints = newCheckpointer(cw)
		closers = append(closers, b.checkpoints.close)
	}
	rc := newReadCache(read, cachedStatements)
	return &DB{
		dialect: SQLite,
		read:    read,
		reader:  rc,
		write:   write,
		writer:  b,
		closers: append(closers, rc.close),
	}, nil
}

// WriteConn runs f on the single SQLite write connection outside the batcher, for
// maintenance that must not share a transaction (migrations, VACUUM INTO, bulk loads).
// On PostgreSQL it runs f on a connection from the pool.
func (db *DB) WriteConn(ctx context.Context, f func(*sql.Conn) error) error {
	if b, ok := db.writer.(*batcher); ok {
		return b.exclusive(ctx, f)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return f(conn)
}
