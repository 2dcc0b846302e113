-- Errors are classified before they are caught (SPEC §9, issue 12): a query cancel or statement_timeout
-- reaches the caller as 57014 and marks nothing failed; a deadlock or serialization failure never marks an
-- instance failed (run_due leaves it due; on the trigger path the application sees it); an error of the
-- step's own marks only that instance failed, keeping its context, split label and node.
BEGIN;
SELECT plan(19);

CREATE FUNCTION public.se_slow(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_catalog.pg_sleep(3);
	RETURN '{}';
END
$$;
CREATE FUNCTION public.se_deadlock(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'deadlock detected (simulated)' USING ERRCODE = '40P01';
END
$$;
CREATE FUNCTION public.se_ok(user_id text, context jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"k": "v"}'::jsonb $$;
CREATE FUNCTION public.se_broken(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the provider said no' USING ERRCODE = 'P0001';
END
$$;
\o /dev/null
SELECT journey.allow_function('public.se_slow(text, jsonb)'), journey.allow_function('public.se_deadlock(text, jsonb)'),
       journey.allow_function('public.se_ok(text, jsonb)'), journey.allow_function('public.se_broken(text, jsonb)');
-- Each waits an hour, then calls its function.
SELECT journey.define(jsonb_build_object('name', 'se_' || f, 'trigger', jsonb_build_object('event', 'se_' || f || '_go'),
	'start', 'split', 'nodes', jsonb_build_object(
		'split', '{"split": [{"label": "A", "percent": 100, "next": "first"}]}'::jsonb,
		'first', '{"call": "se_ok", "into": "got", "next": "w"}'::jsonb,
		'w', '{"wait": "1 hour", "next": "c"}'::jsonb,
		'c', jsonb_build_object('call', 'se_' || f, 'into', 'r', 'next', 'done'),
		'done', '{"exit": "completed"}'::jsonb)), true)
  FROM unnest(ARRAY['slow', 'deadlock', 'broken']) f;
SELECT journey.track('se_u1', 'se_slow_go', '{}', '2040-01-01 00:00+00');
SELECT journey.track('se_u2', 'se_deadlock_go', '{}', '2040-01-01 00:00+00');
SELECT journey.track('se_u3', 'se_broken_go', '{}', '2040-01-01 00:00+00');
\o

-- A statement_timeout while a step runs: 57014 to the caller, nothing marked failed, still due. (pgTAP's
-- throws_ok cannot catch a cancel: WHEN OTHERS leaves query_canceled out.)
CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'no error';
EXCEPTION WHEN query_canceled THEN
	RETURN SQLSTATE;
WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;
SET LOCAL statement_timeout = '300ms';
SELECT pg_temp.sqlstate_of($$SELECT journey.run_due('2040-01-01 02:00+00')$$) AS timeout_state \gset
RESET statement_timeout;
SELECT is(:'timeout_state'::text, '57014', 'a statement_timeout during run_due reaches the caller as 57014');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey LIKE 'se\_%' AND status = 'failed'), 0,
	'the timeout marked no instance failed');
SELECT is((SELECT status || ':' || node FROM journey.instances WHERE journey = 'se_slow'), 'active:w',
	'the interrupted instance is still waiting, due');

-- The others (the slow one paused meanwhile): a deadlock leaves its instance due; an error of its own fails one.
\o /dev/null
SELECT journey.pause('se_slow');
\o
SELECT is(journey.run_due('2040-01-01 02:00+00'), 1::bigint,
	'run_due counts the failed step, not the one that hit a deadlock');
SELECT is((SELECT status || ':' || node FROM journey.instances WHERE journey = 'se_deadlock'), 'active:w',
	'a deadlock (40P01) marks nothing failed: the instance stays due');
SELECT is(journey.run_due('2040-01-01 02:00+00'), 0::bigint,
	'taken again by the next run, it hits the deadlock again and is left due again (no endless loop)');
SELECT is((SELECT status FROM journey.instances WHERE journey = 'se_broken'), 'failed',
	'an error the call raised marks its instance failed');
SELECT is((SELECT error FROM journey.instances WHERE journey = 'se_broken'), 'the provider said no',
	'with the error kept');
SELECT is((SELECT node FROM journey.instances WHERE journey = 'se_broken'), 'w',
	'the failed instance keeps the node it had when the failing step began');
SELECT is((SELECT context -> 'got' FROM journey.instances WHERE journey = 'se_broken'), '{"k": "v"}'::jsonb,
	'and its context');
SELECT is((SELECT variant FROM journey.instances WHERE journey = 'se_broken'), 'A', 'and its split label');
SELECT isnt((SELECT ended_at FROM journey.instances WHERE journey = 'se_broken'), NULL, 'it has ended');

-- On the trigger path: a deadlock is the application's to retry (its INSERT sees 40P01); an error of the
-- step's own fails the instance and the INSERT commits.
\o /dev/null
SELECT journey.define('{"name": "se_now", "trigger": {"event": "se_now_go"}, "start": "c",
	"nodes": {"c": {"call": "se_deadlock", "into": "r", "next": "done"}, "done": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "se_now_broken", "trigger": {"event": "se_now_broken_go"}, "start": "c",
	"nodes": {"c": {"call": "se_broken", "into": "r", "next": "done"}, "done": {"exit": "completed"}}}', true);
\o
SELECT throws_ok($$INSERT INTO journey.events (user_id, name) VALUES ('se_u4', 'se_now_go')$$, '40P01', NULL,
	'a deadlock in a trigger-path step reaches the application (40P01), which retries its transaction');
SELECT lives_ok($$INSERT INTO journey.events (user_id, name) VALUES ('se_u5', 'se_now_broken_go')$$,
	'an error of the step''s own does not fail the application''s INSERT');

-- A journey that calls no function: one user's send fails (a CHECK constraint refuses it). The statement's
-- steps are rolled back and run again one by one: the others go on, the application's INSERT of all three
-- rows commits (SPEC §9).
\o /dev/null
SELECT journey.define('{"name": "se_mail", "trigger": {"event": "se_mail_go"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "in_app", "template": "t"}, "next": "done"}, "done": {"exit": "completed"}}}', true);
\o
ALTER TABLE journey.outbox ADD CONSTRAINT se_reject_user CHECK (user_id <> 'se_bad') NOT VALID;
SELECT lives_ok($$INSERT INTO journey.events (user_id, name) VALUES ('se_ok1', 'se_mail_go'), ('se_bad', 'se_mail_go'),
	('se_ok2', 'se_mail_go')$$, 'a step failing in a journey without calls does not fail the application''s INSERT');
SELECT is((SELECT count(*)::int FROM journey.events WHERE name = 'se_mail_go'), 3, 'all three events were stored');
SELECT is((SELECT array_agg(user_id || ':' || status ORDER BY user_id) FROM journey.instances WHERE journey = 'se_mail'),
	ARRAY['se_bad:failed', 'se_ok1:completed', 'se_ok2:completed'], 'only the failing user''s instance failed');
SELECT matches((SELECT error FROM journey.instances WHERE journey = 'se_mail' AND user_id = 'se_bad'), 'se_reject_user',
	'with its error');
SELECT is((SELECT array_agg(user_id ORDER BY user_id) FROM journey.outbox WHERE journey = 'se_mail'),
	ARRAY['se_ok1', 'se_ok2'], 'the others'' messages were written, the failing one''s not');

SELECT * FROM finish();
ROLLBACK;
