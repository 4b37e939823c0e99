package bench

// The bare side of every case: the SQL the service runs for it, copied from
// internal/ticket (list.go, read.go, access.go, message.go, service.go) and executed directly
// through database/sql. If the service's queries change, change them here too; the smoke test
// holds the two together by comparing the rows they return.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu/internal/auth"
	"github.com/kefuhq/kefu/internal/search"
	"github.com/kefuhq/kefu/internal/storage"
)

// filter is the part of ticket.Filter the cases use, already in the form the query binds.
type filter struct {
	statuses     []string
	typ          string
	priority     int // rank 1…4, 0 = any
	channel      string
	team         int64
	assignee     int64
	owner        int64
	customer     int64
	tag          string
	createdAfter int64  // Unix ms, 0 = any
	sla          string // due_soon, overdue (migration 0009)
	sort         string
	limit        int
}

// visibility is ticket.visibility (access.go).
func visibility(a auth.Actor, arg func(any) string) string {
	switch {
	case a.IsAdmin():
		return ""
	case a.Kind == auth.ActorCustomer:
		return "t.customer_id = " + arg(a.ID)
	case a.Kind != auth.ActorUser:
		return "1 = 0"
	case a.Role == auth.RoleSupervisor || a.Role == auth.RoleAgent:
		me := arg(a.ID)
		cond := "+t.team_id IS NULL OR +t.assignee_id = " + me + " OR +t.owner_id = " + me
		if len(a.Teams) > 0 {
			cond = "+t.team_id IN (" + idList(a.Teams) + ") OR " + cond
		}
		return "(" + cond + ")"
	case a.Role == auth.RoleDepartment:
		if len(a.Departments) == 0 {
			return "1 = 0"
		}
		return "t.department_id IN (" + idList(a.Departments) + ")"
	}
	return "1 = 0"
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// bareBranch is ticket.branch (branches.go): one part of what an actor may see.
type bareBranch struct {
	col  string
	id   int64
	null bool
}

// branchesOf is ticket.branches.
func branchesOf(a auth.Actor) []bareBranch {
	switch {
	case a.IsAdmin():
		return []bareBranch{{}}
	case a.Kind == auth.ActorCustomer:
		return []bareBranch{{col: "customer_id", id: a.ID}}
	case a.Role == auth.RoleSupervisor || a.Role == auth.RoleAgent:
		var out []bareBranch
		for _, t := range a.Teams {
			out = append(out, bareBranch{col: "team_id", id: t})
		}
		return append(out, bareBranch{col: "team_id", null: true}, bareBranch{col: "assignee_id", id: a.ID}, bareBranch{col: "owner_id", id: a.ID})
	case a.Role == auth.RoleDepartment:
		var out []bareBranch
		for _, d := range a.Departments {
			out = append(out, bareBranch{col: "department_id", id: d})
		}
		return out
	}
	return nil
}

// bareQuery is one statement with its arguments.
type bareQuery struct {
	sql  string
	args []any
}

// listSQL builds the keyset queries of ticket.Service.List for a first page, one per
// visibility branch the filter does not rule out, clause for clause, and returns them with
// the number of key columns they select. tagID is the filter's tag, resolved as List does.
func listSQL(a auth.Actor, f filter, tagID int64) ([]bareQuery, int) {
	sort := f.sort
	if sort == "" {
		sort = "updated"
	}
	limit := f.limit
	if limit == 0 {
		limit = 25
	}
	var out []bareQuery
	nkeys := 0
	for _, b := range branchesOf(a) {
		pinned := map[string]int64{"team_id": f.team, "assignee_id": f.assignee, "owner_id": f.owner, "customer_id": f.customer}[b.col]
		if b.col != "" && pinned != 0 && (b.null || pinned != b.id) {
			continue
		}
		var where []string
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		keys := map[string][]string{
			"updated":  {"t.updated_at", "t.id"},
			"created":  {"t.created_at", "t.id"},
			"priority": {"t.priority", "t.updated_at", "t.id"},
			"due":      {"t.sla_due_at", "t.id"},
		}[sort]
		from := "tickets t"
		byTag := tagID != 0 && sort == "updated" && (b.col == "" || b.col == "team_id")
		if byTag {
			from = "ticket_tags g JOIN tickets t ON t.id = g.ticket_id"
			keys = []string{"g.updated_at", "g.ticket_id"}
			where = append(where, "g.tag_id = "+arg(tagID))
			switch {
			case b.col == "":
			case b.null:
				where = append(where, "g.team_id IS NULL")
			default:
				where = append(where, "g.team_id = "+arg(b.id))
			}
		} else if b.col != "" {
			if b.null {
				where = append(where, "t."+b.col+" IS NULL")
			} else {
				where = append(where, "t."+b.col+" = "+arg(b.id))
			}
		}
		if len(f.statuses) == 1 {
			where = append(where, "t.status = "+arg(f.statuses[0]))
		} else if len(f.statuses) > 1 {
			ph := make([]string, len(f.statuses))
			for i, st := range f.statuses {
				ph[i] = arg(st)
			}
			where = append(where, "t.status IN ("+strings.Join(ph, ", ")+")")
		}
		eq := func(col string, v any) { where = append(where, col+" = "+arg(v)) }
		if f.typ != "" {
			eq("t.type", f.typ)
		}
		if f.priority != 0 {
			eq("t.priority", f.priority)
		}
		if f.channel != "" {
			eq("t.channel", f.channel)
		}
		for _, c := range []struct {
			col string
			v   int64
		}{{"t.team_id", f.team}, {"t.assignee_id", f.assignee}, {"t.owner_id", f.owner}, {"t.customer_id", f.customer}} {
			if c.v > 0 {
				eq(c.col, c.v)
			}
		}
		if tagID != 0 && !byTag {
			where = append(where, "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag_id = "+arg(tagID)+")")
		}
		if f.createdAfter != 0 {
			where = append(where, "t.created_at >= "+arg(f.createdAfter))
		}
		switch now := time.Now().UnixMilli(); {
		case f.sla == "overdue":
			where = append(where, "t.sla_due_at <= "+arg(now))
		case f.sla == "due_soon":
			n := arg(now)
			where = append(where, "t.sla_due_at > "+n, "t.sla_warn_at <= "+n)
		case sort == "due":
			where = append(where, "t.sla_due_at IS NOT NULL")
		}
		order := make([]string, len(keys))
		for i, k := range keys {
			order[i] = k + " DESC"
		}
		q := "SELECT " + strings.Join(keys, ", ") + " FROM " + from
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		q += " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + arg(limit+1)
		out = append(out, bareQuery{q, args})
		nkeys = len(keys)
	}
	return out, nkeys
}

// bareTagID is List's first step for a tag filter.
func bareTagID(ctx context.Context, db *sql.DB, name string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	var id int64
	err := db.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = $1`, name).Scan(&id)
	return id, err
}

// selectTickets is ticket.selectTickets (read.go).
const selectTickets = `SELECT t.id, t.number, t.subject, t.type, t.subtype, t.status, t.priority, t.channel,
	t.customer_id, c.name, t.team_id, tm.name, t.department_id, d.name, t.assignee_id, a.name, t.owner_id, o.name,
	mi.number, t.custom_fields, t.preview, t.message_count, t.version, t.created_at, t.updated_at,
	t.first_response_at, t.last_customer_message_at, t.last_agent_message_at, t.resolved_at, t.closed_at
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN teams d ON d.id = t.department_id
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN users o ON o.id = t.owner_id
LEFT JOIN tickets mi ON mi.id = t.merged_into_id`

// ticketRow holds a scanned ticket row in the same Go types scanTicket uses.
type ticketRow struct {
	id, number                                 int64
	subject, typ, subtype, status, channel, cf string
	preview, customerName                      string
	prio, messageCount                         int
	customerID, version, created, updated      int64
	team, dept, assignee, owner, merged        sql.NullInt64
	teamName, deptName, assName, ownName       sql.NullString
	firstResp, lastCust, lastAgent, res, clo   sql.NullInt64
}

func scanTicketRow(row interface{ Scan(...any) error }) (ticketRow, error) {
	var t ticketRow
	err := row.Scan(&t.id, &t.number, &t.subject, &t.typ, &t.subtype, &t.status, &t.prio, &t.channel,
		&t.customerID, &t.customerName, &t.team, &t.teamName, &t.dept, &t.deptName, &t.assignee, &t.assName, &t.owner, &t.ownName,
		&t.merged, &t.cf, &t.preview, &t.messageCount, &t.version, &t.created, &t.updated,
		&t.firstResp, &t.lastCust, &t.lastAgent, &t.res, &t.clo)
	return t, err
}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	return b.String()
}

// bareTags is tag.Names for tickets.
func bareTags(ctx context.Context, db *sql.DB, ids []int64) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.QueryContext(ctx, `SELECT x.ticket_id, t.name FROM ticket_tags x JOIN tags t ON t.id = x.tag_id WHERE x.ticket_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
	}
	return rows.Err()
}

// bareList runs what List runs for a first page: the tag lookup, the keyset query of every
// branch, the merge, the load of the page's tickets by id and their tags. It returns the page's ids.
func bareList(ctx context.Context, db *sql.DB, a auth.Actor, f filter, limit int) ([]int64, error) {
	tagID, err := bareTagID(ctx, db, f.tag)
	if err != nil {
		return nil, err
	}
	queries, nkeys := listSQL(a, f, tagID)
	var keys [][]int64
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			vals := make([]int64, nkeys)
			ptrs := make([]any, nkeys)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			keys = append(keys, vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(keys, func(x, y []int64) int { return -slices.Compare(x, y) })
	keys = slices.CompactFunc(keys, func(x, y []int64) bool { return x[nkeys-1] == y[nkeys-1] })
	var ids []int64
	for _, k := range keys {
		ids = append(ids, k[nkeys-1])
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	if len(ids) == 0 {
		return ids, nil
	}
	largs := make([]any, len(ids))
	for i, id := range ids {
		largs[i] = id
	}
	rows, err := db.QueryContext(ctx, selectTickets+` WHERE t.id IN (`+placeholders(len(ids))+`)`, largs...)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(ids))
	for rows.Next() {
		t, err := scanTicketRow(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		seen[t.id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := bareTags(ctx, db, ids); err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if seen[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// bareTicket runs what loadByNumber runs: the ticket by number and its tags.
func bareTicket(ctx context.Context, db *sql.DB, number int64) (ticketRow, error) {
	t, err := scanTicketRow(db.QueryRowContext(ctx, selectTickets+` WHERE t.number = $1`, number))
	if err != nil {
		return t, err
	}
	return t, bareTags(ctx, db, []int64{t.id})
}

// bareGet runs what Get runs: loadByNumber and the links query. It returns the ticket id.
func bareGet(ctx context.Context, db *sql.DB, number int64) (int64, error) {
	t, err := bareTicket(ctx, db, number)
	if err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, `SELECT l.kind, 'out', o.number FROM ticket_links l JOIN tickets o ON o.id = l.to_id WHERE l.from_id = $1
		UNION ALL SELECT l.kind, 'in', o.number FROM ticket_links l JOIN tickets o ON o.id = l.from_id WHERE l.to_id = $1
		ORDER BY 3`, t.id)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, dir string
		var n int64
		if err := rows.Scan(&kind, &dir, &n); err != nil {
			return 0, err
		}
	}
	return t.id, rows.Err()
}

// selectMessages is ticket.selectMessages (message.go).
const selectMessages = `SELECT m.id, m.kind, m.author_kind, COALESCE(m.author_user_id, m.author_customer_id), COALESCE(u.name, c.name, ''),
	m.channel, m.body_text, m.body_html, m.created_at
FROM messages m
LEFT JOIN users u ON u.id = m.author_user_id
LEFT JOIN customers c ON c.id = m.author_customer_id`

// bareMessages runs what Messages runs for the newest page of a staff member: loadByNumber,
// the messages, and their attachments. It returns the message ids, oldest first.
func bareMessages(ctx context.Context, db *sql.DB, number int64, limit int) ([]int64, error) {
	t, err := bareTicket(ctx, db, number)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, selectMessages+` WHERE m.ticket_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3`, t.id, int64(1<<62-1), limit)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id, created int64
		var kind, authorKind, authorName, channel, body, bodyHTML string
		var authorID sql.NullInt64
		if err := rows.Scan(&id, &kind, &authorKind, &authorID, &authorName, &channel, &body, &bodyHTML, &created); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Reverse(ids)
	if len(ids) == 0 {
		return ids, nil
	}
	rows, err = db.QueryContext(ctx, `SELECT id, message_id, filename, content_type, size, sha256 FROM attachments
		WHERE message_id BETWEEN $1 AND $2 ORDER BY id`, ids[0], ids[len(ids)-1])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, mid int64
		var size int
		var name, ct, sum string
		if err := rows.Scan(&id, &mid, &name, &ct, &size, &sum); err != nil {
			return nil, err
		}
	}
	return ids, rows.Err()
}

// newTicket is one create: a new customer by email with a first message from them, filed by
// a staff member with one team, through the channel given.
type newTicket struct {
	email, name, subject, body, channel string
}

// bareCreate writes what Service.Create writes for a new customer in one command
// (createTx: FindOrCreateTx → CreateTx, checkTeam, custom fields, nextNumber, the ticket as it
// stands after its first message, the message, the events), with the same reads inside the
// transaction. It does not run the
// reads the service does after the commit (the ticket is read back for the answer).
func bareCreate(tx *sql.Tx, d storage.Dialect, actor auth.Actor, team int64, in newTicket, now time.Time) (int64, error) {
	ctx := context.Background()
	ms := now.UnixMilli()
	if d == storage.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "email:"+in.email); err != nil {
			return 0, err
		}
	}
	var existing int64
	err := tx.QueryRowContext(ctx, `SELECT customer_id FROM customer_identities WHERE kind = $1 AND value = $2`, "email", in.email).Scan(&existing)
	if err != sql.ErrNoRows {
		return 0, fmt.Errorf("identity lookup: want no rows, got %v", err)
	}
	if err := bareCustomFields(tx); err != nil {
		return 0, err
	}
	var customerID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO customers (name, organization, tier, stage, notes, custom_fields, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id`, in.name, "", "ordinary", "current", "", "{}", ms).Scan(&customerID); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO customer_identities (customer_id, kind, value, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING`, customerID, "email", in.email, ms); err != nil {
		return 0, err
	}
	// The new customer's index entry, from what was just written.
	if err := bareIndex(tx, d, search.Customers, customerID, in.name+"\n\n"+in.email+"\n"); err != nil {
		return 0, err
	}
	// Each command appends its events in one statement (event.Append).
	type change struct {
		action, field string
		nw            any
		detail        map[string]any
	}
	ev := func(kind string, subject int64, changes ...change) error {
		q := `INSERT INTO events (subject_kind, subject_id, action, field, old_value, new_value, detail, actor_kind, actor_id, created_at) VALUES `
		var args []any
		for i, c := range changes {
			if i > 0 {
				q += ", "
			}
			n := len(args)
			q += fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			detail := "{}"
			if c.detail != nil {
				b, _ := json.Marshal(c.detail)
				detail = string(b)
			}
			args = append(args, kind, subject, c.action, c.field, nil, c.nw, detail, string(actor.Kind), actor.ID, ms)
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	if err := ev("customer", customerID, change{action: "created", field: "name", nw: in.name},
		change{action: "identity_added", field: "email", nw: in.email}); err != nil {
		return 0, err
	}
	var kind string
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM teams WHERE id = $1`, team).Scan(&kind); err != nil {
		return 0, err
	}
	if err := bareCustomFields(tx); err != nil {
		return 0, err
	}
	var number int64
	if d == storage.Postgres {
		err = tx.QueryRowContext(ctx, `SELECT nextval('ticket_number_seq')`).Scan(&number)
	} else {
		err = tx.QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value`).Scan(&number)
	}
	if err != nil {
		return 0, err
	}
	// The ticket goes in as it stands after its first message.
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO tickets (number, subject, type, subtype, status, priority, channel, customer_id,
			team_id, assignee_id, owner_id, custom_fields, version, created_at, updated_at, message_count, preview, last_customer_message_at)
		VALUES ($1, $2, $3, $4, 'new', $5, $6, $7, $8, $9, $10, $11, 1, $12, $12, 1, $13, $12) RETURNING id`,
		number, in.subject, "consultation", "", 2, in.channel, customerID, team, nil, nil, "{}", ms, in.body).Scan(&id); err != nil {
		return 0, err
	}
	var msgID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, kind, author_kind, author_user_id, author_customer_id, channel, body_text, body_html, dedup_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		id, "reply", "customer", nil, customerID, in.channel, in.body, "", nil, ms).Scan(&msgID); err != nil {
		return 0, err
	}
	if err := bareIndex(tx, d, search.Messages, msgID, in.subject+"\n"+in.body); err != nil {
		return 0, err
	}
	if err := ev("ticket", id,
		change{action: "created", field: "status", nw: "new", detail: map[string]any{"number": number, "channel": in.channel}},
		change{action: "message_added", detail: map[string]any{"message_id": msgID, "kind": "reply", "author_kind": "customer"}}); err != nil {
		return 0, err
	}
	return number, nil
}

// bareIndex is search.Add: index a document just inserted. The tokens are made by the
// same Go function the service uses.
func bareIndex(tx *sql.Tx, d storage.Dialect, index string, id int64, text string) error {
	key := "message_id"
	if index == search.Customers {
		key = "customer_id"
	}
	var err error
	switch {
	case d == storage.Postgres && index == search.Messages:
		_, err = tx.Exec(`INSERT INTO message_index (message_id, ticket_id, tokens)
			SELECT id, ticket_id, $2::tsvector FROM messages WHERE id = $1`, id, search.MessageVector(id, text))
	case d == storage.Postgres:
		_, err = tx.Exec(`INSERT INTO `+index+` (`+key+`, tokens) VALUES ($1, $2::tsvector)`, id, search.TSVector(text))
	default:
		_, err = tx.Exec(`INSERT INTO `+index+` (rowid, tokens) VALUES ($1, $2)`, id, search.IndexText(text))
	}
	return err
}

// bareCustomFields is customfield.List, which customfield.Apply runs on every create: a
// look at the definitions' generation (storage.Cached).
func bareCustomFields(tx *sql.Tx) error {
	// The service checks its copy of the definitions against the table's generation.
	var gen int64
	return tx.QueryRow(`SELECT value FROM config_generations WHERE name = $1`, "custom_fields").Scan(&gen)
}

// openBareWriter opens one write connection of its own with the durability the service uses:
// on SQLite the pragmas of storage/sqlite.go's writer (WAL, synchronous as configured,
// BEGIN IMMEDIATE); on PostgreSQL a single pooled connection with the server's settings.
func openBareWriter(d storage.Dialect, dsn, sync string) (*sql.DB, error) {
	var db *sql.DB
	var err error
	if d == storage.Postgres {
		db, err = sql.Open("pgx", dsn)
	} else {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"+
			"&_pragma=cache_size(-32000)&_pragma=synchronous("+sync+")&_txlock=immediate")
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, db.Ping()
}

// bareMe runs what GET /api/v1/me runs: the token lookup and the user with memberships of
// Users.Authenticate, then Users.Get again for the answer. It is the floor every
// authenticated request stands on.
func bareMe(ctx context.Context, db *sql.DB, tokenHash string) error {
	var uid int64
	var active bool
	if err := db.QueryRowContext(ctx, `SELECT t.user_id, u.active FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, tokenHash).Scan(&uid, &active); err != nil {
		return err
	}
	for range 2 {
		var id, created, updated int64
		var email, name, role, locale, tz string
		var act bool
		if err := db.QueryRowContext(ctx, `SELECT id, email, name, role, locale, time_zone, active, created_at, updated_at FROM users WHERE id = $1`, uid).
			Scan(&id, &email, &name, &role, &locale, &tz, &act, &created, &updated); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, `SELECT m.user_id, m.team_id, t.kind FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY m.team_id`, uid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, t int64
			var kind string
			if err := rows.Scan(&u, &t, &kind); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
