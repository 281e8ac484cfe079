-- The project's own SQL: the rules' bad examples, and statements that leave nothing behind.
-- The live test runs each statement through PgBouncer with log_statement = 'all', feeds the
-- server's log to `pinlint logs`, and expects each incident a `-- logs:` mark names on the
-- statement after the mark. Harmless statements must not be incidents.
SELECT 1;
UPDATE marker SET v = 'public' WHERE id = 1;
-- logs: PIN101
SET search_path TO tenant_a, public;
-- logs: PIN102
SELECT set_config('app.tenant_id', 'acme', false);
-- logs: PIN104
SET ROLE admin_role;
-- logs: PIN104
RESET ROLE;
-- logs: PIN105
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;
-- logs: PIN106
PREPARE get_marker (int) AS SELECT v FROM marker WHERE id = $1;
-- logs: PIN106
EXECUTE get_marker(1);
-- logs: PIN106
DEALLOCATE get_marker;
-- logs: PIN108
CREATE TEMP TABLE scratch (id int);
-- logs: PIN109
SELECT pg_advisory_lock(4242);
-- logs: PIN109
SELECT pg_advisory_unlock(4242);
-- logs: PIN110
LISTEN jobs;
-- logs: PIN110
UNLISTEN jobs;
