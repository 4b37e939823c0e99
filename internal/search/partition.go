package search

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu/internal/storage"
)

// Partition is how many consecutive message ids one partition of PostgreSQL's message index
// holds (migration 0010). A GIN index answers with every match of its terms at once, so a
// search for a common word reads the newest partition first, then the next ones in spans
// that double, and stops as soon as it has the matches it wants: its work is that of the
// newest partitions, however large the archive.
const Partition = 262144

// Spans walks message ids newest first in PostgreSQL's partitions: it calls read with
// [from, below) spans — one partition, then two, four… — until read says it has enough or
// the ids run out. top is the first id above every message. On SQLite, whose full-text index
// reads newest first by itself, read gets one span over everything.
func Spans(d storage.Dialect, top int64, read func(from, below int64) (enough bool, err error)) error {
	if d != storage.Postgres {
		_, err := read(0, top)
		return err
	}
	below, span := top, int64(Partition)
	for below > 0 {
		from := max(0, (below-1)/Partition*Partition-(span-Partition))
		enough, err := read(from, below)
		if err != nil || enough {
			return err
		}
		below, span = from, 2*span
	}
	return nil
}

// EnsurePartitions creates PostgreSQL's message-index partitions up to two beyond the newest
// message and moves any rows that arrived early out of the default partition. Every node runs
// it at start and then every minute; it is idempotent and serialised in the database.
func EnsurePartitions(ctx context.Context, db *storage.DB) error {
	if db.Dialect() != storage.Postgres {
		return nil
	}
	return db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT kefu_message_index_ensure((SELECT COALESCE(max(id), 0) FROM messages))`)
		if err != nil {
			return fmt.Errorf("search: message index partitions: %w", err)
		}
		return nil
	})
}
