-- Lists at millions of tickets (see internal/ticket/list.go). A list for an agent runs one
-- query per branch of the visibility rule (each of their teams, the unrouted queue, assigned
-- to them, owned by them) and merges the pages; each branch with each filter must find an
-- index that starts with its equalities and ends in the sort order.
CREATE INDEX tickets_team_updated ON tickets (team_id, updated_at, id);
CREATE INDEX tickets_team_created ON tickets (team_id, created_at, id);
CREATE INDEX tickets_team_type ON tickets (team_id, type, updated_at, id);
CREATE INDEX tickets_team_priority ON tickets (team_id, priority, updated_at, id);

-- An agent's own tickets (assigned, owned) and a department's are a few thousand: walking
-- them in order is cheap when the filter columns ride in the index. A colleague's tickets
-- within my team (a supervisor's everyday view) get an exact index.
DROP INDEX tickets_assignee;
CREATE INDEX tickets_assignee ON tickets (assignee_id, updated_at, id) INCLUDE (status, type, priority, channel, team_id, owner_id);
CREATE INDEX tickets_assignee_team ON tickets (assignee_id, team_id, updated_at, id);
DROP INDEX tickets_owner;
CREATE INDEX tickets_owner ON tickets (owner_id, updated_at, id) INCLUDE (status, type, priority, channel, team_id, assignee_id);
CREATE INDEX tickets_owner_team ON tickets (owner_id, team_id, updated_at, id);
DROP INDEX tickets_department;
CREATE INDEX tickets_department ON tickets (department_id, updated_at, id) INCLUDE (status, type, priority, channel);

DROP INDEX tickets_priority;
CREATE INDEX tickets_priority ON tickets (priority, updated_at, id);

-- A tag list walks the tag's rows in the ticket's update order, per team for an agent: the
-- ticket's team and update time are copied onto its tag rows and kept equal by triggers.
ALTER TABLE ticket_tags ADD COLUMN team_id BIGINT, ADD COLUMN updated_at BIGINT;
UPDATE ticket_tags g SET team_id = t.team_id, updated_at = t.updated_at FROM tickets t WHERE t.id = g.ticket_id;
DROP INDEX ticket_tags_tag;
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id, updated_at, ticket_id);
CREATE INDEX ticket_tags_tag_team ON ticket_tags (tag_id, team_id, updated_at, ticket_id);

CREATE FUNCTION ticket_tags_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        SELECT t.team_id, t.updated_at INTO NEW.team_id, NEW.updated_at FROM tickets t WHERE t.id = NEW.ticket_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_tags_copy BEFORE INSERT ON ticket_tags FOR EACH ROW EXECUTE FUNCTION ticket_tags_copy();

CREATE FUNCTION tickets_tags_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket_tags SET team_id = NEW.team_id, updated_at = NEW.updated_at WHERE ticket_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_tags_follow AFTER UPDATE OF team_id, updated_at ON tickets FOR EACH ROW
WHEN (NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.updated_at IS DISTINCT FROM OLD.updated_at)
EXECUTE FUNCTION tickets_tags_follow();
