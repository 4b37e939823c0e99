-- A generation for what a token authenticates as: the token, its user, the user's teams and
-- those teams' kinds. Every API request read them (three statements, about a sixteenth of a new
-- ticket's CPU); a node now keeps what it read per token and reads only this one row before
-- using it, as it does for the configuration tables (0010). A revoked token, a deactivated
-- user or a changed membership shows on every node at the next request.
-- The SQLite file of the same number creates the same row and triggers.
INSERT INTO config_generations (name, value) VALUES ('auth', (random() * 9e18)::bigint);

CREATE TRIGGER api_tokens_auth AFTER INSERT OR UPDATE OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('auth');
CREATE TRIGGER users_auth AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('auth');
CREATE TRIGGER team_members_auth AFTER INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('auth');
CREATE TRIGGER teams_auth AFTER UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump('auth');
