-- Service-level due times on the ticket, and in-app notifications (issue #6).
-- The PostgreSQL file of the same number creates the same columns, indexes and tables.

-- The earliest due time and the earliest warning time of a ticket's unmet SLA targets, kept
-- by internal/sla in the transaction that moves the clock, so lists sort by due time and
-- filter from the tickets table alone: overdue is sla_due_at <= now, due soon is
-- sla_warn_at <= now < sla_due_at. Both are NULL when no unmet target has a due time (no
-- policy, the clock paused, everything met). The state shown (ok, warning, breached) follows
-- from the two times and the clock, so the sweep never writes tickets.
ALTER TABLE tickets ADD COLUMN sla_due_at INTEGER;
ALTER TABLE tickets ADD COLUMN sla_warn_at INTEGER;

-- Fill them from the clocks already kept: a target is unmet while its state is not 'met'
-- and the ticket still owes it (no first response yet; the customer spoke last; not resolved).
UPDATE tickets SET sla_due_at = o.due, sla_warn_at = o.warn
FROM (
    SELECT u.id,
           NULLIF(min(CASE WHEN u.f THEN u.fd ELSE 9223372036854775807 END,
                      CASE WHEN u.n THEN u.nd ELSE 9223372036854775807 END,
                      CASE WHEN u.r THEN u.rd ELSE 9223372036854775807 END), 9223372036854775807) AS due,
           NULLIF(min(CASE WHEN u.f THEN u.fw ELSE 9223372036854775807 END,
                      CASE WHEN u.n THEN u.nw ELSE 9223372036854775807 END,
                      CASE WHEN u.r THEN u.rw ELSE 9223372036854775807 END), 9223372036854775807) AS warn
    FROM (
        SELECT t.id, s.fr_due AS fd, s.nr_due AS nd, s.res_due AS rd, s.fr_warn AS fw, s.nr_warn AS nw, s.res_warn AS rw,
               (t.first_response_at IS NULL AND s.fr_due IS NOT NULL AND s.fr_state <> 'met') AS f,
               (s.nr_due IS NOT NULL AND s.nr_state <> 'met' AND t.last_customer_message_at IS NOT NULL
                    AND (t.last_agent_message_at IS NULL OR t.last_customer_message_at > t.last_agent_message_at)) AS n,
               (s.res_due IS NOT NULL AND s.res_state <> 'met') AS r
        FROM tickets t JOIN ticket_sla s ON s.ticket_id = t.id
        WHERE t.status NOT IN ('resolved', 'closed') AND t.merged_into_id IS NULL
    ) u
) o
WHERE tickets.id = o.id;

-- One index per visibility branch (internal/ticket/branches.go), each ending in the due
-- order, and each holding only tickets that have a due time (a small share of all tickets):
-- "overdue in my team", "due soon, assigned to me", everything by due time for an admin.
CREATE INDEX tickets_sla_due ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX tickets_team_sla_due ON tickets (team_id, sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX tickets_assignee_sla_due ON tickets (assignee_id, sla_due_at, id)
    WHERE sla_due_at IS NOT NULL AND assignee_id IS NOT NULL;
CREATE INDEX tickets_owner_sla_due ON tickets (owner_id, sla_due_at, id)
    WHERE sla_due_at IS NOT NULL AND owner_id IS NOT NULL;
CREATE INDEX tickets_department_sla_due ON tickets (department_id, sla_due_at, id)
    WHERE sla_due_at IS NOT NULL AND department_id IS NOT NULL;

-- Lists read due times from tickets now; these indexes of the clocks served nothing and
-- cost every ticket creation.
DROP INDEX ticket_sla_fr_due;
DROP INDEX ticket_sla_res_due;

-- In-app notifications: one row per recipient, written in the transaction of what caused
-- it (an automation rule's notify action). read_at is NULL until the user marks it read.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    rule_id    INTEGER REFERENCES automation_rules (id) ON DELETE SET NULL,
    body       TEXT NOT NULL,
    read_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
