-- Durable jobs, business calendars, service levels, routing and automation (issue #6).
-- Times are Unix ms UTC.

-- jobs is the durable work queue: SLA sweeps, timed rules, scheduled sends. A runner claims
-- due rows by moving run_at to the end of its lease (so an abandoned claim comes due again
-- by itself) and fences every later write with the attempt number it claimed.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    last_error   TEXT NOT NULL DEFAULT '',
    locked_by    TEXT,
    locked_until INTEGER,
    done_at      INTEGER,
    failed_at    INTEGER,
    created_at   INTEGER NOT NULL
);
-- Only waiting jobs are claimable, and only they take part in de-duplication: a key is free
-- again once its job is done.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE done_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX jobs_unique_waiting ON jobs (unique_key) WHERE done_at IS NULL AND failed_at IS NULL;
CREATE INDEX jobs_done ON jobs (done_at) WHERE done_at IS NOT NULL;

-- Business calendars: weekly hours per weekday (JSON: seven lists of "09:00-12:00" ranges,
-- Sunday first), a time zone, and dated exceptions in calendar_days.
CREATE TABLE calendars (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    time_zone     TEXT NOT NULL,
    week          TEXT NOT NULL,
    workday_hours TEXT NOT NULL DEFAULT '[]',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- holiday: closed all day; workday: a make-up working day (调休上班) on a weekend.
CREATE TABLE calendar_days (
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (calendar_id, day)
);

-- SLA policies, tried in position order; the first whose conditions all match a ticket
-- applies. Targets are business minutes on the policy's calendar; 0 means no target.
CREATE TABLE sla_policies (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    position            INTEGER NOT NULL,
    active              INTEGER NOT NULL DEFAULT 1,
    conditions          TEXT NOT NULL DEFAULT '{}',
    calendar_id         INTEGER NOT NULL REFERENCES calendars (id),
    first_response_mins INTEGER NOT NULL DEFAULT 0,
    next_response_mins  INTEGER NOT NULL DEFAULT 0,
    resolution_mins     INTEGER NOT NULL DEFAULT 0,
    warn_percent        INTEGER NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 99),
    pause_on_department INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX sla_policies_position ON sla_policies (position, id);

-- A ticket's service-level clock, one row per ticket under a policy. consumed_ms is the
-- business time the clock ran before running_since (NULL while paused or stopped). Each
-- target has a due time, a warning time and a state: '' pending, warned, breached, met.
-- next_deadline is the earliest warning or due time still to fire, NULL when none: the
-- sweep reads only rows whose next_deadline has passed.
CREATE TABLE ticket_sla (
    ticket_id         INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    policy_id         INTEGER NOT NULL REFERENCES sla_policies (id),
    consumed_ms       INTEGER NOT NULL DEFAULT 0,
    running_since     INTEGER,
    paused_reason     TEXT NOT NULL DEFAULT '',
    fr_due            INTEGER,
    fr_warn           INTEGER,
    fr_state          TEXT NOT NULL DEFAULT '',
    nr_due            INTEGER,
    nr_warn           INTEGER,
    nr_state          TEXT NOT NULL DEFAULT '',
    res_due           INTEGER,
    res_warn          INTEGER,
    res_state         TEXT NOT NULL DEFAULT '',
    next_deadline     INTEGER,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX ticket_sla_next ON ticket_sla (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE INDEX ticket_sla_fr_due ON ticket_sla (fr_due) WHERE fr_due IS NOT NULL;
CREATE INDEX ticket_sla_res_due ON ticket_sla (res_due) WHERE res_due IS NOT NULL;
CREATE INDEX ticket_sla_policy ON ticket_sla (policy_id);

-- Routing: how each team hands out new tickets, and each agent's availability, skills and
-- cap on open tickets. An agent without a row is offline. tier_teams sends customers of a
-- tier to a senior team ({"vip": 7, "key": 7}); last_user_id is the round-robin pointer.
CREATE TABLE team_routing (
    team_id      INTEGER PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    method       TEXT NOT NULL DEFAULT 'manual' CHECK (method IN ('manual', 'round_robin', 'least_loaded', 'skills')),
    tier_teams   TEXT NOT NULL DEFAULT '{}',
    follow_owner INTEGER NOT NULL DEFAULT 1,
    last_user_id INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE agent_routing (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    availability TEXT NOT NULL DEFAULT 'offline' CHECK (availability IN ('online', 'away', 'offline')),
    max_open     INTEGER NOT NULL DEFAULT 0,
    skills       TEXT NOT NULL DEFAULT '[]',
    updated_at   INTEGER NOT NULL
);

-- Automation: rules that act on tickets when something happens (on_event) or when a ticket
-- has been idle for after_mins (timed rules, run by a job). automation_runs is the
-- execution log per ticket; for timed rules anchor is the ticket's updated_at when the
-- rule fired, so each idle stretch fires a rule once.
CREATE TABLE automation_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    position   INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    on_event   TEXT NOT NULL CHECK (on_event IN ('created', 'customer_replied', 'agent_replied', 'status_changed',
                   'priority_changed', 'sla_warning', 'sla_breached', 'timed')),
    after_mins INTEGER NOT NULL DEFAULT 0,
    conditions TEXT NOT NULL DEFAULT '{}',
    actions    TEXT NOT NULL DEFAULT '[]',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX automation_rules_event ON automation_rules (on_event, position, id);

CREATE TABLE automation_runs (
    id         INTEGER PRIMARY KEY,
    rule_id    INTEGER NOT NULL REFERENCES automation_rules (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    on_event   TEXT NOT NULL,
    actions    TEXT NOT NULL,
    anchor     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX automation_runs_ticket ON automation_runs (ticket_id, id);
CREATE UNIQUE INDEX automation_runs_timed ON automation_runs (rule_id, ticket_id, anchor) WHERE anchor <> 0;

-- The shipped calendars: the mainland China office calendar with the State Council's
-- 2025–2026 holidays and make-up days (the same data as calendar.Office), and 7×24.
INSERT INTO calendars (id, name, time_zone, week, workday_hours, created_at, updated_at) VALUES
    (1, '中国大陆办公时间', 'Asia/Shanghai',
     '[[],["09:00-12:00","13:30-18:00"],["09:00-12:00","13:30-18:00"],["09:00-12:00","13:30-18:00"],["09:00-12:00","13:30-18:00"],["09:00-12:00","13:30-18:00"],[]]',
     '[]', 0, 0),
    (2, '7×24', 'Asia/Shanghai',
     '[["00:00-24:00"],["00:00-24:00"],["00:00-24:00"],["00:00-24:00"],["00:00-24:00"],["00:00-24:00"],["00:00-24:00"]]',
     '[]', 0, 0);
INSERT INTO calendar_days (calendar_id, day, kind, name) VALUES
    (1, '2025-01-01', 'holiday', '元旦'),
    (1, '2025-01-26', 'workday', '春节调休上班'),
    (1, '2025-01-28', 'holiday', '春节'),
    (1, '2025-01-29', 'holiday', '春节'),
    (1, '2025-01-30', 'holiday', '春节'),
    (1, '2025-01-31', 'holiday', '春节'),
    (1, '2025-02-01', 'holiday', '春节'),
    (1, '2025-02-02', 'holiday', '春节'),
    (1, '2025-02-03', 'holiday', '春节'),
    (1, '2025-02-04', 'holiday', '春节'),
    (1, '2025-02-08', 'workday', '春节调休上班'),
    (1, '2025-04-04', 'holiday', '清明节'),
    (1, '2025-04-05', 'holiday', '清明节'),
    (1, '2025-04-06', 'holiday', '清明节'),
    (1, '2025-04-27', 'workday', '劳动节调休上班'),
    (1, '2025-05-01', 'holiday', '劳动节'),
    (1, '2025-05-02', 'holiday', '劳动节'),
    (1, '2025-05-03', 'holiday', '劳动节'),
    (1, '2025-05-04', 'holiday', '劳动节'),
    (1, '2025-05-05', 'holiday', '劳动节'),
    (1, '2025-05-31', 'holiday', '端午节'),
    (1, '2025-06-01', 'holiday', '端午节'),
    (1, '2025-06-02', 'holiday', '端午节'),
    (1, '2025-09-28', 'workday', '国庆节、中秋节调休上班'),
    (1, '2025-10-01', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-02', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-03', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-04', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-05', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-06', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-07', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-08', 'holiday', '国庆节、中秋节'),
    (1, '2025-10-11', 'workday', '国庆节、中秋节调休上班'),
    (1, '2026-01-01', 'holiday', '元旦'),
    (1, '2026-01-02', 'holiday', '元旦'),
    (1, '2026-01-03', 'holiday', '元旦'),
    (1, '2026-01-04', 'workday', '元旦调休上班'),
    (1, '2026-02-14', 'workday', '春节调休上班'),
    (1, '2026-02-15', 'holiday', '春节'),
    (1, '2026-02-16', 'holiday', '春节'),
    (1, '2026-02-17', 'holiday', '春节'),
    (1, '2026-02-18', 'holiday', '春节'),
    (1, '2026-02-19', 'holiday', '春节'),
    (1, '2026-02-20', 'holiday', '春节'),
    (1, '2026-02-21', 'holiday', '春节'),
    (1, '2026-02-22', 'holiday', '春节'),
    (1, '2026-02-23', 'holiday', '春节'),
    (1, '2026-02-28', 'workday', '春节调休上班'),
    (1, '2026-04-04', 'holiday', '清明节'),
    (1, '2026-04-05', 'holiday', '清明节'),
    (1, '2026-04-06', 'holiday', '清明节'),
    (1, '2026-05-01', 'holiday', '劳动节'),
    (1, '2026-05-02', 'holiday', '劳动节'),
    (1, '2026-05-03', 'holiday', '劳动节'),
    (1, '2026-05-04', 'holiday', '劳动节'),
    (1, '2026-05-05', 'holiday', '劳动节'),
    (1, '2026-05-09', 'workday', '劳动节调休上班'),
    (1, '2026-06-19', 'holiday', '端午节'),
    (1, '2026-06-20', 'holiday', '端午节'),
    (1, '2026-06-21', 'holiday', '端午节'),
    (1, '2026-09-20', 'workday', '国庆节调休上班'),
    (1, '2026-09-25', 'holiday', '中秋节'),
    (1, '2026-09-26', 'holiday', '中秋节'),
    (1, '2026-09-27', 'holiday', '中秋节'),
    (1, '2026-10-01', 'holiday', '国庆节'),
    (1, '2026-10-02', 'holiday', '国庆节'),
    (1, '2026-10-03', 'holiday', '国庆节'),
    (1, '2026-10-04', 'holiday', '国庆节'),
    (1, '2026-10-05', 'holiday', '国庆节'),
    (1, '2026-10-06', 'holiday', '国庆节'),
    (1, '2026-10-07', 'holiday', '国庆节'),
    (1, '2026-10-10', 'workday', '国庆节调休上班');
