-- Events committed while an entry is still open (issue 12): session A tracks an event that enters a user and
-- has not committed; session B tracks an event of that user and commits (its trigger cannot see A's
-- uncommitted instance); A commits. Stored events are the truth: before the instance takes a timeout or runs
-- a step, the events since its last step are applied in time order, as their triggers would have applied
-- them. Two sessions (dblink), no sleeps; the steps then run in this session. Events are dated 2100, out of
-- the scheduler's reach.
BEGIN;
SELECT plan(22);
CREATE EXTENSION IF NOT EXISTS dblink;

SELECT 'host=' || current_setting('unix_socket_directories') || ' port=' || current_setting('port') ||
       ' dbname=' || current_database() || ' user=' || current_user AS conninfo \gset
SELECT dblink_connect('le_a', :'conninfo') AS a, dblink_connect('le_b', :'conninfo') AS b \gset

-- Committed by session B (the journeys must be live for both sessions).
-- run(CONNECTION, PL/pgSQL statements): run there, in a DO block (in the connection's transaction, if open).
CREATE FUNCTION pg_temp.run(conn text, body text) RETURNS text LANGUAGE sql AS $$
	SELECT dblink_exec(conn, 'DO $run$ BEGIN ' || rtrim(body, E' \n\t;') || '; END $run$')
$$;
CREATE FUNCTION pg_temp.b(body text) RETURNS text LANGUAGE sql AS $$ SELECT pg_temp.run('le_b', body) $$;
CREATE FUNCTION pg_temp.cleanup() RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.b($q$
		PERFORM journey.archive(name) FROM journey.journeys WHERE name LIKE 'le\_%' AND status <> 'archived';
		DELETE FROM journey.outbox WHERE journey LIKE 'le\_%';
		DELETE FROM journey.conversions WHERE journey LIKE 'le\_%';
		DELETE FROM journey.instance WHERE user_id LIKE 'le\_%';
		DELETE FROM journey.entries WHERE journey LIKE 'le\_%';
		DELETE FROM journey.change_log WHERE journey LIKE 'le\_%';
		DELETE FROM journey.versions WHERE journey LIKE 'le\_%';
		DELETE FROM journey.journeys WHERE name LIKE 'le\_%';
		DELETE FROM journey.events WHERE user_id LIKE 'le\_%';
	$q$)
$$;
\o /dev/null
SELECT pg_temp.cleanup();
-- exit_when, then a step after a wait.
SELECT pg_temp.b($$PERFORM journey.define('{"name": "le_exit", "trigger": {"event": "le_cart"},
	"exit_when": [{"event": "le_checkout"}], "start": "w",
	"nodes": {"w": {"wait": "2 hours", "next": "push"},
	          "push": {"send": {"channel": "in_app", "template": "t"}, "next": "done"},
	          "done": {"exit": "completed"}}}', true)$$);
-- wait_for: on_event ends quietly, the timeout sends.
SELECT pg_temp.b($$PERFORM journey.define('{"name": "le_wait", "trigger": {"event": "le_cart2"}, "start": "w",
	"nodes": {"w": {"wait_for": {"event": "le_paid"}, "timeout": "2 hours", "on_event": "done", "on_timeout": "push"},
	          "push": {"send": {"channel": "in_app", "template": "t"}, "next": "done"},
	          "done": {"exit": "completed"}}}', true)$$);
-- The trigger path: a resume by another event first applies the exit it missed.
SELECT pg_temp.b($$PERFORM journey.define('{"name": "le_trig", "trigger": {"event": "le_cart3"},
	"exit_when": [{"event": "le_checkout3"}], "start": "w",
	"nodes": {"w": {"wait_for": {"event": "le_x"}, "timeout": "2 hours", "on_event": "push", "on_timeout": "done"},
	          "push": {"send": {"channel": "in_app", "template": "t"}, "next": "done"},
	          "done": {"exit": "completed"}}}', true)$$);
-- A goal reached while the entry was open converts.
SELECT pg_temp.b($$PERFORM journey.define('{"name": "le_goal", "trigger": {"event": "le_cart4"},
	"goal": {"event": "le_buy", "within": "1 day"}, "start": "w",
	"nodes": {"w": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}', true)$$);

-- 1. exit_when missed by the trigger, taken before the step after the wait.
SELECT dblink_exec('le_a', 'BEGIN');
SELECT pg_temp.run('le_a', $$PERFORM journey.track('le_u1', 'le_cart', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u1', 'le_checkout', '{}', '2100-01-01 00:30+00')$$);
SELECT dblink_exec('le_a', 'COMMIT');
\o
SELECT is((SELECT status FROM journey.instances WHERE journey = 'le_exit' AND user_id = 'le_u1'), 'active',
	'the race happened: the checkout''s trigger did not see the uncommitted entry');
SELECT is(journey.run_due('2100-01-01 03:00+00'), 1::bigint, 'run_due takes the due instance');
SELECT is((SELECT status || ':' || exit_reason FROM journey.instances WHERE journey = 'le_exit' AND user_id = 'le_u1'),
	'exited:exit_event', 'the checkout committed during the entry exits the user before the step');
SELECT is((SELECT ended_at FROM journey.instances WHERE journey = 'le_exit' AND user_id = 'le_u1'),
	'2100-01-01 00:30+00'::timestamptz, 'as of the checkout''s time');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'le_exit'), 0, 'and nothing is sent');

-- 2. A wait_for resume missed by the trigger, taken at the timeout instead of the timeout path.
\o /dev/null
SELECT dblink_exec('le_a', 'BEGIN');
SELECT pg_temp.run('le_a', $$PERFORM journey.track('le_u2', 'le_cart2', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u2', 'le_paid', '{}', '2100-01-01 00:10+00')$$);
SELECT dblink_exec('le_a', 'COMMIT');
\o
SELECT is((SELECT status || ':' || node FROM journey.instances WHERE journey = 'le_wait' AND user_id = 'le_u2'),
	'active:w', 'the race happened: still waiting for the event committed meanwhile');
SELECT is(journey.run_due('2100-01-01 03:00+00'), 1::bigint, 'run_due takes it at its timeout');
SELECT is((SELECT status FROM journey.instances WHERE journey = 'le_wait' AND user_id = 'le_u2'),
	'completed', 'the event took on_event, as if seen at once');
SELECT is((SELECT ended_at FROM journey.instances WHERE journey = 'le_wait' AND user_id = 'le_u2'),
	'2100-01-01 00:10+00'::timestamptz, 'as of the event''s time');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'le_wait'), 0, 'the timeout''s push is not sent');

-- 3. The trigger path: another event resumes the instance; the exit it missed comes first.
\o /dev/null
SELECT dblink_exec('le_a', 'BEGIN');
SELECT pg_temp.run('le_a', $$PERFORM journey.track('le_u3', 'le_cart3', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u3', 'le_checkout3', '{}', '2100-01-01 00:10+00')$$);
SELECT dblink_exec('le_a', 'COMMIT');
SELECT journey.track('le_u3', 'le_x', '{}', '2100-01-01 00:20+00');
\o
SELECT is((SELECT status || ':' || exit_reason FROM journey.instances WHERE journey = 'le_trig' AND user_id = 'le_u3'),
	'exited:exit_event', 'a resume on the trigger path first applies the exit committed during the entry');
SELECT is((SELECT ended_at FROM journey.instances WHERE journey = 'le_trig' AND user_id = 'le_u3'),
	'2100-01-01 00:10+00'::timestamptz, 'as of the exit event''s time');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'le_trig'), 0, 'so on_event''s push is not sent');

-- 4. A goal event committed during the entry converts.
\o /dev/null
SELECT dblink_exec('le_a', 'BEGIN');
SELECT pg_temp.run('le_a', $$PERFORM journey.track('le_u4', 'le_cart4', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u4', 'le_buy', '{}', '2100-01-01 00:05+00')$$);
SELECT dblink_exec('le_a', 'COMMIT');
\o
SELECT is((SELECT count(*)::int FROM journey.conversions WHERE journey = 'le_goal'), 0,
	'the race happened: no conversion yet');
SELECT is(journey.run_due('2100-01-01 02:00+00'), 1::bigint, 'run_due takes the due instance');
SELECT is((SELECT converted_at FROM journey.conversions WHERE journey = 'le_goal' AND user_id = 'le_u4'),
	'2100-01-01 00:05+00'::timestamptz, 'the goal event committed during the entry converts, at its time');

-- 5. No false late events: an exit committed (and dated) before the entry, and one in the entry's own
-- transaction before it, are not applied to the later entry; an event the trigger applied at once is not
-- applied twice.
\o /dev/null
SELECT pg_temp.b($$PERFORM journey.track('le_u5', 'le_checkout', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u5', 'le_cart', '{}', '2100-01-01 00:01+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u6', 'le_checkout', '{}', '2100-01-01 00:00+00');
	PERFORM journey.track('le_u6', 'le_cart', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u7', 'le_cart2', '{}', '2100-01-01 00:00+00')$$);
SELECT pg_temp.b($$PERFORM journey.track('le_u7', 'le_paid', '{}', '2100-01-01 00:10+00')$$);
\o
SELECT is((SELECT status || ' ' || ended_at FROM journey.instances WHERE journey = 'le_wait' AND user_id = 'le_u7'),
	'completed ' || '2100-01-01 00:10+00'::timestamptz, 'a wait_for event committed after the entry resumes it at once');
SELECT is(journey.run_due('2100-01-01 03:00+00'), 2::bigint, 'run_due steps the two cart instances');
SELECT is((SELECT string_agg(user_id || ':' || status, ',' ORDER BY user_id) FROM journey.instances
	WHERE journey = 'le_exit' AND user_id IN ('le_u5', 'le_u6')), 'le_u5:completed,le_u6:completed',
	'an exit event before the entry (in time, or earlier in its own transaction) exits nobody');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'le_exit'), 2, 'both were sent their push');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'le_wait' AND user_id = 'le_u7'), 1,
	'the resumed instance is not stepped again');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'le_wait'), 0, 'nor sent anything');

\o /dev/null
SELECT dblink_disconnect('le_a'), dblink_disconnect('le_b');
\o
SELECT * FROM finish();
ROLLBACK;

-- What sessions A and B committed (this transaction's own steps are rolled back above).
\o /dev/null
DO $d$ DECLARE j text; BEGIN
	FOR j IN SELECT name FROM journey.journeys WHERE name LIKE 'le\_%' AND status <> 'archived' LOOP
		PERFORM journey.archive(j);
	END LOOP;
END $d$;
DELETE FROM journey.outbox WHERE journey LIKE 'le\_%';
DELETE FROM journey.conversions WHERE journey LIKE 'le\_%';
DELETE FROM journey.instance WHERE user_id LIKE 'le\_%';
DELETE FROM journey.entries WHERE journey LIKE 'le\_%';
DELETE FROM journey.change_log WHERE journey LIKE 'le\_%';
DELETE FROM journey.versions WHERE journey LIKE 'le\_%';
DELETE FROM journey.journeys WHERE name LIKE 'le\_%';
DELETE FROM journey.events WHERE user_id LIKE 'le\_%';
\o
