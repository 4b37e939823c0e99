// Package replica streams a SQLite installation's database, as it is written, to a replica
// folder or an S3-compatible bucket, and restores it to its latest state or to any moment
// within the retention window. It embeds Litestream (pure Go, on the same modernc SQLite
// driver as Kefu), which reads the WAL Kefu writes and ships each change within a second.
// Attachment files are not part of it: they are immutable and named by their hash, and are
// copied with any file sync (see docs/operations.md).
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // registers s3:// replica URLs
)

// Options say what to replicate where.
type Options struct {
	Database string // the live SQLite file
	// URL is where the replica goes: file:///var/backups/kefu/replica (or a plain absolute
	// path) or s3://bucket/path (credentials from the usual AWS_* variables; other endpoints
	// with ?endpoint=https://… for S3-compatible stores).
	URL string
	// SyncInterval is how often changes are shipped (default 1s): what a lost disk costs.
	SyncInterval time.Duration
	// Retention is how far back a point-in-time restore can go (default 24h).
	Retention time.Duration
	Logger    *slog.Logger
}

// Replicator is a running replication; Close flushes it.
type Replicator struct {
	store *litestream.Store
	db    *litestream.DB
}

// Client makes the replica client a URL names.
func Client(url string) (litestream.ReplicaClient, error) {
	if strings.HasPrefix(url, "/") {
		return file.NewReplicaClient(url), nil
	}
	if !litestream.IsURL(url) {
		return nil, fmt.Errorf("replica: %q is neither an absolute folder path nor a URL like file:///path or s3://bucket/path", url)
	}
	c, err := litestream.NewReplicaClientFromURL(url)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	return c, nil
}

// Start begins replicating o.Database. The database must exist and be in WAL mode (Kefu's
// store makes it so).
func Start(ctx context.Context, o Options) (*Replicator, error) {
	if _, err := os.Stat(o.Database); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	client, err := Client(o.URL)
	if err != nil {
		return nil, err
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	db := litestream.NewDB(o.Database)
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = o.SyncInterval
	if fc, ok := client.(*file.ReplicaClient); ok {
		fc.Replica = r
	}
	db.Replica = r
	levels := litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 30 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
		{Level: 3, Interval: time.Hour},
	}
	store := litestream.NewStore([]*litestream.DB{db}, levels)
	store.SnapshotRetention = o.Retention
	if o.Logger != nil {
		store.Logger = o.Logger.With("component", "replica")
		db.SetLogger(store.Logger)
	}
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica: start: %w", err)
	}
	return &Replicator{store: store, db: db}, nil
}

// Sync ships everything committed so far and waits until the replica has it.
func (r *Replicator) Sync(ctx context.Context) error {
	return r.db.SyncAndWait(ctx)
}

// Pending is how many committed transactions the replica does not have yet: 0 when it has
// caught up. A number that stays above 0 means changes are not leaving the machine.
func (r *Replicator) Pending() (uint64, error) {
	pos, err := r.db.Pos()
	if err != nil {
		return 0, err
	}
	rpos := r.db.Replica.Pos()
	if pos.TXID <= rpos.TXID {
		return 0, nil
	}
	return uint64(pos.TXID - rpos.TXID), nil
}

// LastSync is when changes were last shipped (zero before the first).
func (r *Replicator) LastSync() time.Time { return r.db.LastSuccessfulSyncAt() }

// Close ships what is left and stops; a graceful shutdown calls it after the last request.
func (r *Replicator) Close(ctx context.Context) error {
	return r.store.Close(ctx)
}

// ErrNoReplica means the replica holds nothing to restore (at or before the time asked).
var ErrNoReplica = errors.New("replica: nothing to restore at that time; is the URL right, and was replication on then?")

// Restore writes the replicated database, as of at (the latest state if at is zero), to
// output, which must not exist.
func Restore(ctx context.Context, url, output string, at time.Time) error {
	if _, err := os.Stat(output); err == nil {
		return fmt.Errorf("replica: %s exists; restore into a new folder", output)
	}
	client, err := Client(url)
	if err != nil {
		return err
	}
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = output
	opt.Timestamp = at
	if err := r.Restore(ctx, opt); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) {
			return ErrNoReplica
		}
		return fmt.Errorf("replica: restore: %w", err)
	}
	return nil
}
