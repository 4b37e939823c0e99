-- Configuration generations: a random number per configuration table, changed by a trigger
-- on every insert, update and delete of that table. A node keeps what it read of the table
-- (custom field definitions, SLA policies, automation rules) in memory and reads only the
-- generation, one row, before using it: a change made by any node shows at once, and a
-- change rolled back never leaves a number another change could reuse.
-- The SQLite file of the same number creates the same table and triggers.
CREATE TABLE config_generations (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO config_generations (name, value) VALUES
    ('custom_fields', (random() * 9e18)::bigint), ('sla_policies', (random() * 9e18)::bigint),
    ('automation_rules', (random() * 9e18)::bigint);

CREATE FUNCTION config_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_generations SET value = (random() * 9e18)::bigint WHERE name = TG_ARGV[0];
    RETURN NULL;
END $$;

CREATE TRIGGER custom_fields_generation AFTER INSERT OR UPDATE OR DELETE ON custom_fields
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('custom_fields');
CREATE TRIGGER sla_policies_generation AFTER INSERT OR UPDATE OR DELETE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('sla_policies');
CREATE TRIGGER automation_rules_generation AFTER INSERT OR UPDATE OR DELETE ON automation_rules
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('automation_rules');
