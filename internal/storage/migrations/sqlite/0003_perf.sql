-- Lists at millions of tickets (see internal/ticket/list.go). A list for an agent runs one
-- query per branch of the visibility rule (each of their teams, the unrouted queue, assigned
-- to them, owned by them) and merges the pages; each branch with each filter must find an
-- index that starts with its equalities and ends in the sort order, or a filter that is rare
-- within a team (type=complaint in pre-sales) walks the whole team.
CREATE INDEX tickets_team_updated ON tickets (team_id, updated_at, id);
CREATE INDEX tickets_team_created ON tickets (team_id, created_at, id);
CREATE INDEX tickets_team_type ON tickets (team_id, type, updated_at, id);
CREATE INDEX tickets_team_priority ON tickets (team_id, priority, updated_at, id);

-- An agent's own tickets (assigned, owned) and a department's are a few thousand: walking
-- them in order is cheap when the filter columns sit in the index and no row is read. A
-- colleague's tickets within my team (a supervisor's everyday view) get an exact index.
DROP INDEX tickets_assignee;
CREATE INDEX tickets_assignee ON tickets (assignee_id, updated_at, id, status, type, priority, channel, team_id, owner_id);
CREATE INDEX tickets_assignee_team ON tickets (assignee_id, team_id, updated_at, id);
DROP INDEX tickets_owner;
CREATE INDEX tickets_owner ON tickets (owner_id, updated_at, id, status, type, priority, channel, team_id, assignee_id);
CREATE INDEX tickets_owner_team ON tickets (owner_id, team_id, updated_at, id);
DROP INDEX tickets_department;
CREATE INDEX tickets_department ON tickets (department_id, updated_at, id, status, type, priority, channel);

-- Priority order over everything (admins) and within a status.
DROP INDEX tickets_priority;
CREATE INDEX tickets_priority ON tickets (priority, updated_at, id);

-- A tag list walks the tag's rows in the ticket's update order, per team for an agent: the
-- ticket's team and update time are copied onto its tag rows and kept equal by triggers.
ALTER TABLE ticket_tags ADD COLUMN team_id BIGINT;
ALTER TABLE ticket_tags ADD COLUMN updated_at BIGINT;
UPDATE ticket_tags SET team_id = (SELECT t.team_id FROM tickets t WHERE t.id = ticket_tags.ticket_id),
                       updated_at = (SELECT t.updated_at FROM tickets t WHERE t.id = ticket_tags.ticket_id);
DROP INDEX ticket_tags_tag;
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id, updated_at, ticket_id);
CREATE INDEX ticket_tags_tag_team ON ticket_tags (tag_id, team_id, updated_at, ticket_id);

-- A row inserted without the copies (tag.Replace) takes them from its ticket; the bulk
-- generator writes them itself and skips the trigger's work.
CREATE TRIGGER ticket_tags_copy AFTER INSERT ON ticket_tags WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE ticket_tags SET team_id = (SELECT t.team_id FROM tickets t WHERE t.id = NEW.ticket_id),
                           updated_at = (SELECT t.updated_at FROM tickets t WHERE t.id = NEW.ticket_id)
     WHERE ticket_id = NEW.ticket_id AND tag_id = NEW.tag_id;
END;

CREATE TRIGGER tickets_tags_follow AFTER UPDATE OF team_id, updated_at ON tickets
WHEN NEW.team_id IS NOT OLD.team_id OR NEW.updated_at IS NOT OLD.updated_at
BEGIN
    UPDATE ticket_tags SET team_id = NEW.team_id, updated_at = NEW.updated_at WHERE ticket_id = NEW.id;
END;
