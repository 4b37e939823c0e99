package search

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kefuhq/kefu/internal/storage"
)

// RebuildStats says what a rebuild did.
type RebuildStats struct {
	Messages, Customers int
	Elapsed             time.Duration
}

// doc is one row to index.
type doc struct {
	id     int64
	text   string
	tokens string // index form, made by the workers
}

// Rebuild empties both indexes and indexes every message and customer again, in batches,
// with tokenising spread over the cores. It is for bulk loads and repairs (kefu reindex);
// commands keep the indexes current on their own. progress, if not nil, is called now and
// then with the rows done so far.
func Rebuild(ctx context.Context, db *storage.DB, progress func(index string, done int)) (RebuildStats, error) {
	start := time.Now()
	var st RebuildStats
	var err error
	// The first message of a ticket carries its subject, as when it was written.
	st.Messages, err = rebuild(ctx, db, Messages, `SELECT m.id,
			CASE WHEN m.id = (SELECT min(f.id) FROM messages f WHERE f.ticket_id = m.ticket_id) THEN t.subject || char(10) ELSE '' END || m.body_text
		FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id > $1 ORDER BY m.id LIMIT $2`, progress)
	if err != nil {
		return st, err
	}
	agg := "group_concat(i.value, ' ')"
	if db.Dialect() == storage.Postgres {
		agg = "string_agg(i.value, ' ')"
	}
	identities := func(cond string) string {
		return `COALESCE((SELECT ` + agg + ` FROM customer_identities i WHERE i.customer_id = c.id AND ` + cond + `), '')`
	}
	st.Customers, err = rebuild(ctx, db, Customers, `SELECT c.id, c.name || char(10) || c.organization || char(10) || `+
		identities("i.kind <> 'phone'")+` || char(10) || `+identities("i.kind = 'phone'")+`
		FROM customers c WHERE c.id > $1 ORDER BY c.id LIMIT $2`, progress)
	st.Elapsed = time.Since(start)
	return st, err
}

const rebuildBatch = 5000

func rebuild(ctx context.Context, db *storage.DB, index, query string, progress func(string, int)) (int, error) {
	q := query
	if db.Dialect() == storage.Postgres {
		q = strings.ReplaceAll(q, "char(10)", "chr(10)")
	}
	if err := clear(ctx, db, index); err != nil {
		return 0, err
	}
	workers := max(1, runtime.NumCPU())
	done, last := 0, int64(0)
	for {
		batch, err := readBatch(ctx, db.Read(), q, last)
		if err != nil {
			return done, fmt.Errorf("read %s batch: %w", index, err)
		}
		if len(batch) == 0 {
			return done, nil
		}
		tokenize(batch, index, db.Dialect(), workers)
		if err := writeBatch(ctx, db, index, batch); err != nil {
			return done, err
		}
		done += len(batch)
		last = batch[len(batch)-1].id
		if progress != nil {
			progress(index, done)
		}
	}
}

func clear(ctx context.Context, db *storage.DB, index string) error {
	return db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		if tx.Dialect() == storage.Postgres {
			_, err = tx.ExecContext(ctx, `TRUNCATE `+index)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO `+index+` (`+index+`) VALUES ('delete-all')`)
		}
		return err
	})
}

func readBatch(ctx context.Context, q storage.Querier, query string, after int64) ([]doc, error) {
	rows, err := q.QueryContext(ctx, query, after, rebuildBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []doc
	for rows.Next() {
		var d doc
		var text sql.NullString
		if err := rows.Scan(&d.id, &text); err != nil {
			return nil, err
		}
		d.text = text.String
		out = append(out, d)
	}
	return out, rows.Err()
}

// tokenize fills each doc's tokens using every core. Customer phone numbers (the last line)
// become their endings, as reindexing a single customer does.
func tokenize(batch []doc, index string, d storage.Dialect, workers int) {
	var wg sync.WaitGroup
	chunk := (len(batch) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(batch))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(part []doc) {
			defer wg.Done()
			for i := range part {
				text := part[i].text
				if index == Customers {
					text = customerText(text)
				}
				if d == storage.Postgres {
					if index == Messages {
						part[i].tokens = MessageVector(part[i].id, text)
					} else {
						part[i].tokens = TSVector(text)
					}
				} else {
					part[i].tokens = IndexText(text)
				}
			}
		}(batch[lo:hi])
	}
	wg.Wait()
}

// customerText turns "name\norg\nemails\nphones" into the indexed text, phones as endings.
func customerText(s string) string {
	lines := strings.SplitN(s, "\n", 4)
	if len(lines) < 4 {
		return s
	}
	var ends []string
	for _, p := range strings.Fields(lines[3]) {
		ends = append(ends, PhoneEndings(p)...)
	}
	return lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + strings.Join(ends, " ")
}

func writeBatch(ctx context.Context, db *storage.DB, index string, batch []doc) error {
	return db.Write(ctx, func(tx *storage.Tx) error {
		const perStatement = 500
		for lo := 0; lo < len(batch); lo += perStatement {
			part := batch[lo:min(lo+perStatement, len(batch))]
			var b strings.Builder
			args := make([]any, 0, 2*len(part))
			for i, d := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				if tx.Dialect() == storage.Postgres {
					fmt.Fprintf(&b, "($%d::bigint, $%d::tsvector)", 2*i+1, 2*i+2)
				} else {
					fmt.Fprintf(&b, "($%d, $%d)", 2*i+1, 2*i+2)
				}
				args = append(args, d.id, d.tokens)
			}
			var stmt string
			switch {
			case tx.Dialect() == storage.Postgres && index == Messages: // with the message's ticket, as add
				stmt = `INSERT INTO message_index (message_id, ticket_id, tokens) SELECT v.id, m.ticket_id, v.tokens
					FROM (VALUES ` + b.String() + `) v (id, tokens) JOIN messages m ON m.id = v.id`
			case tx.Dialect() == storage.Postgres:
				stmt = `INSERT INTO ` + index + ` (` + keyColumn(index) + `, tokens) VALUES ` + b.String()
			default:
				stmt = `INSERT INTO ` + index + ` (rowid, tokens) VALUES ` + b.String()
			}
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return fmt.Errorf("write %s batch: %w", index, err)
			}
		}
		return nil
	})
}
