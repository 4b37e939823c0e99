-- A generation for what a token authenticates as: the token, its user, the user's teams and
-- those teams' kinds. Every API request read them (three statements, about a sixteenth of a new
-- ticket's CPU); a node now keeps what it read per token and reads only this one row before
-- using it, as it does for the configuration tables (0010). A revoked token, a deactivated
-- user or a changed membership shows on every node at the next request.
-- The PostgreSQL file of the same number creates the same row and triggers.
INSERT INTO config_generations (name, value) VALUES ('auth', abs(random()));

CREATE TRIGGER api_tokens_auth_insert AFTER INSERT ON api_tokens
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER api_tokens_auth_update AFTER UPDATE ON api_tokens
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER api_tokens_auth_delete AFTER DELETE ON api_tokens
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;

CREATE TRIGGER users_auth_update AFTER UPDATE ON users
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER users_auth_delete AFTER DELETE ON users
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;

CREATE TRIGGER team_members_auth_insert AFTER INSERT ON team_members
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER team_members_auth_update AFTER UPDATE ON team_members
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER team_members_auth_delete AFTER DELETE ON team_members
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;

CREATE TRIGGER teams_auth_update AFTER UPDATE ON teams
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
CREATE TRIGGER teams_auth_delete AFTER DELETE ON teams
BEGIN UPDATE config_generations SET value = abs(random()) WHERE name = 'auth'; END;
