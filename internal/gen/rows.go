package gen

import "database/sql/driver"

// table is a table the bulk load writes, with the columns it fills (the others keep their
// defaults) and how many rows one SQLite INSERT statement carries.
type table struct {
	name       string
	cols       []string
	sqliteCols []string // the columns' names on SQLite, when they differ (maybe fewer)
	per        int      // rows per multi-row INSERT on SQLite (cols*per stays below 32766)
	suffix     string   // appended to the SQLite INSERT (conflict handling)
}

var (
	tCustomers = &table{name: "customers",
		cols: []string{"id", "name", "organization", "tier", "stage", "created_at", "updated_at"}, per: 100}
	tIdentities = &table{name: "customer_identities",
		cols: []string{"id", "customer_id", "kind", "value", "created_at"}, per: 100,
		suffix: " ON CONFLICT (kind, value) DO NOTHING"}
	tCustomerTags = &table{name: "customer_tags", cols: []string{"customer_id", "tag_id"}, per: 100}
	tTickets      = &table{name: "tickets",
		cols: []string{"id", "number", "subject", "type", "subtype", "status", "priority", "channel",
			"customer_id", "team_id", "department_id", "assignee_id", "owner_id", "preview", "message_count",
			"version", "created_at", "updated_at", "first_response_at", "last_customer_message_at",
			"last_agent_message_at", "resolved_at", "closed_at", "sla_due_at", "sla_warn_at"}, per: 50}
	// Each ticket's service-level clock under the generator's policy (sla.go).
	tTicketSLA = &table{name: "ticket_sla",
		cols: []string{"ticket_id", "policy_id", "consumed_ms", "running_since", "paused_reason",
			"fr_due", "fr_warn", "fr_state", "res_due", "res_warn", "res_state", "next_deadline", "updated_at"}, per: 100}
	tTicketTags = &table{name: "ticket_tags", cols: []string{"ticket_id", "tag_id", "team_id", "updated_at"}, per: 100}
	tMessages   = &table{name: "messages",
		cols: []string{"id", "ticket_id", "kind", "author_kind", "author_user_id", "author_customer_id",
			"channel", "body_text", "created_at"}, per: 100}
	// The search indexes (internal/search): an FTS5 table keyed by rowid on SQLite, a
	// tsvector table on PostgreSQL. FTS5 flushes its pending terms at every statement, so
	// its statements are large.
	tMessageIndex = &table{name: "message_index", cols: []string{"message_id", "ticket_id", "tokens"},
		sqliteCols: []string{"rowid", "tokens"}, per: 4000}
	tCustomerIndex = &table{name: "customer_index", cols: []string{"customer_id", "tokens"},
		sqliteCols: []string{"rowid", "tokens"}, per: 4000}
	tEvents = &table{name: "events",
		cols: []string{"id", "subject_kind", "subject_id", "action", "field", "new_value", "detail",
			"actor_kind", "created_at"}, per: 100}
)

// loadTables are the tables the bulk load fills, in the order each batch writes them
// (parents before children).
var loadTables = []*table{tCustomers, tIdentities, tCustomerTags, tCustomerIndex, tTickets, tTicketSLA, tTicketTags,
	tMessages, tMessageIndex, tEvents}

// rows collects rows of one table. For SQLite the values are kept as driver.NamedValue with
// ordinals that restart every t.per rows, so a slice of them is exactly the arguments of one
// prepared multi-row INSERT; the generator goroutine does that work, not the writer. For
// PostgreSQL they are a flat []any, one row every len(t.cols) values, for COPY.
type rows struct {
	t     *table
	n     int
	named bool
	nv    []driver.NamedValue
	av    []any
}

// columns are the table's columns on SQLite (named) or PostgreSQL.
func (t *table) columns(named bool) []string {
	if named && t.sqliteCols != nil {
		return t.sqliteCols
	}
	return t.cols
}

func newRows(t *table, named bool, capRows int) rows {
	r := rows{t: t, named: named}
	if named {
		r.nv = make([]driver.NamedValue, 0, capRows*len(t.columns(named)))
	} else {
		r.av = make([]any, 0, capRows*len(t.cols))
	}
	return r
}

// add appends one row; vals must be int64, string or nil, in the order of t.columns.
func (r *rows) add(vals ...any) {
	if len(vals) != len(r.t.columns(r.named)) {
		panic("gen: wrong number of values for " + r.t.name)
	}
	if r.named {
		base := (r.n % r.t.per) * len(vals)
		for i, v := range vals {
			r.nv = append(r.nv, driver.NamedValue{Ordinal: base + i + 1, Value: v})
		}
	} else {
		r.av = append(r.av, vals...)
	}
	r.n++
}

// doc is a text for a search index, tokenised after generation by a pool of workers.
type doc struct {
	id     int64
	ticket int64 // a message's ticket (PostgreSQL's message_index holds it)
	text   string
}

// batch is what the generator hands the writer: a slice of the load, all tables.
type batch struct {
	tables                    []rows // indexed like loadTables
	messageDocs, customerDocs []doc
	customers                 int
	tickets                   int
	messages                  int
	events                    int
}

func newBatch(named bool, tickets, messages, customers int) *batch {
	b := &batch{tables: make([]rows, len(loadTables))}
	for i, t := range loadTables {
		n := 16
		switch t {
		case tCustomers, tCustomerTags:
			n = customers
		case tIdentities:
			n = 2 * customers
		case tTickets, tTicketTags, tTicketSLA:
			n = tickets
		case tMessages, tMessageIndex:
			n = messages
		case tCustomerIndex:
			n = customers
		case tEvents:
			n = tickets + customers
		}
		b.tables[i] = newRows(t, named, n)
	}
	return b
}

func (b *batch) rows(t *table) *rows {
	for i := range loadTables {
		if loadTables[i] == t {
			return &b.tables[i]
		}
	}
	panic("gen: unknown table " + t.name)
}

// nullable turns 0 into NULL.
func nullable(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
