-- Configuration generations: a random number per configuration table, changed by a trigger
-- on every insert, update and delete of that table. A node keeps what it read of the table
-- (custom field definitions, SLA policies, automation rules) in memory and reads only the
-- generation, one row, before using it: a change made by any node shows at once, and a
-- change rolled back never leaves a number another change could reuse.
-- The PostgreSQL file of the same number creates the same table and triggers.
CREATE TABLE config_generations (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO config_generations (name, value) VALUES
    ('custom_fields', abs(random())), ('sla_policies', abs(random())), ('automation_rules', abs(random()));

CREATE TRIGGER custom_fields_generation_insert AFTER INSERT ON custom_fields
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'custom_fields'; END;
CREATE TRIGGER custom_fields_generation_update AFTER UPDATE ON custom_fields
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'custom_fields'; END;
CREATE TRIGGER custom_fields_generation_delete AFTER DELETE ON custom_fields
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'custom_fields'; END;

CREATE TRIGGER sla_policies_generation_insert AFTER INSERT ON sla_policies
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'sla_policies'; END;
CREATE TRIGGER sla_policies_generation_update AFTER UPDATE ON sla_policies
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'sla_policies'; END;
CREATE TRIGGER sla_policies_generation_delete AFTER DELETE ON sla_policies
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'sla_policies'; END;

CREATE TRIGGER automation_rules_generation_insert AFTER INSERT ON automation_rules
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'automation_rules'; END;
CREATE TRIGGER automation_rules_generation_update AFTER UPDATE ON automation_rules
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'automation_rules'; END;
CREATE TRIGGER automation_rules_generation_delete AFTER DELETE ON automation_rules
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'automation_rules'; END;
