-- Security review as tests (issue 11, README "Security model"): who may call and write what, the
-- search_path of every SECURITY DEFINER function, settings a session cannot change, and bounded messages.
-- (test/fault/security.sh acts as each role with a hostile search_path.)
BEGIN;
SELECT plan(23);

-- Functions.
SELECT is((SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), '') FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace AND p.prosecdef
              AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
	'', 'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');
SELECT is((SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), '') FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace
              AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))),
	'', 'no function of schema journey is executable by PUBLIC');
SELECT is((SELECT coalesce(string_agg(r || ': ' || p.oid::regprocedure::text, ', ' ORDER BY r, p.oid::regprocedure::text), '')
             FROM pg_proc p, unnest(ARRAY['journey_admin', 'journey_app', 'journey_sender']) r
            WHERE p.pronamespace = 'journey'::regnamespace AND p.proname ~ '^_'
              AND has_function_privilege(r, p.oid, 'EXECUTE')),
	'', 'no role but the owner executes the internal functions (journey._*)');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace AND has_function_privilege('journey_app', p.oid, 'EXECUTE')),
	ARRAY['enroll', 'set_contact', 'track', 'unsubscribe'], 'journey_app executes track, set_contact, unsubscribe, enroll, nothing else');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace AND has_function_privilege('journey_sender', p.oid, 'EXECUTE')),
	ARRAY['ack', 'claim', 'fail', 'fail', 'max_attempts', 'report_delivery'],
	'journey_sender executes claim, ack, fail (both forms: with dead and without), report_delivery, nothing else');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace AND p.proname !~ '^_'
              AND NOT has_function_privilege('journey_admin', p.oid, 'EXECUTE')),
	0, 'journey_admin executes every public function');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'journey'::regnamespace AND p.proname !~ '^_' AND NOT p.prosecdef
              AND p.prosrc = 'journey_with_caller'),
	ARRAY['allow_function', 'disallow_function', 'track_events', 'track_profiles', 'untrack_events', 'untrack_profiles'],
	'the functions that act for their caller (allowed_by, table ownership) are SECURITY INVOKER and pass the caller on');

-- Tables.
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p')
              AND (has_table_privilege('journey_admin', c.oid, 'INSERT') OR has_table_privilege('journey_admin', c.oid, 'UPDATE')
                   OR has_table_privilege('journey_admin', c.oid, 'DELETE') OR has_table_privilege('journey_admin', c.oid, 'TRUNCATE'))),
	ARRAY['contacts', 'profiles', 'templates'], 'journey_admin writes only the user data it manages (contacts, profiles, templates)');
SELECT is((SELECT count(*)::int FROM pg_class c
            WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p', 'v')
              AND NOT has_table_privilege('journey_admin', c.oid, 'SELECT')),
	0, 'journey_admin reads every table and view');
SELECT is((SELECT count(*)::int FROM pg_class c, unnest(ARRAY['journey_app', 'journey_sender']) r
            WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
              AND (has_table_privilege(r, c.oid, 'SELECT') OR has_table_privilege(r, c.oid, 'INSERT')
                   OR has_table_privilege(r, c.oid, 'UPDATE') OR has_table_privilege(r, c.oid, 'DELETE'))),
	0, 'journey_app and journey_sender hold no table privilege (journey_app: column privileges only)');
SELECT ok(has_column_privilege('journey_app', 'journey.events', 'user_id', 'INSERT')
          AND has_column_privilege('journey_app', 'journey.events', 'name', 'INSERT')
          AND has_column_privilege('journey_app', 'journey.events', 'props', 'INSERT')
          AND has_column_privilege('journey_app', 'journey.events', 'occurred_at', 'INSERT'),
	'journey_app inserts events: user_id, name, props, occurred_at');
SELECT ok(NOT has_column_privilege('journey_app', 'journey.events', 'id', 'INSERT'), 'journey_app may not choose event ids');

-- Settings that shape shared behaviour come from the server's configuration.
SELECT is((SELECT array_agg(name || '=' || context ORDER BY name) FROM pg_settings
            WHERE name IN ('journey.default_timezone', 'journey.max_attempts')),
	ARRAY['journey.default_timezone=sighup', 'journey.max_attempts=sighup'],
	'journey.default_timezone and journey.max_attempts are set by the server configuration (sighup)');
SELECT is(current_setting('journey.retain_memory_in_triggers'), 'off',
	'application backends keep the C library''s memory thresholds unless journey.retain_memory_in_triggers says otherwise');
SELECT throws_ok($$SET journey.max_attempts = 1000$$, '55P02', NULL, 'a session cannot set journey.max_attempts');
SELECT throws_ok($$SET journey.default_timezone = 'Asia/Tokyo'$$, '55P02', NULL,
	'a session cannot set journey.default_timezone');

-- Quoted values are bounded: the whole error (message, detail, hint) of a call with a 10 MB value.
CREATE FUNCTION pg_temp.error_size(statement text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	m text; d text; h text;
BEGIN
	EXECUTE statement;
	RETURN 0;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
	RETURN length(m) + coalesce(length(d), 0) + coalesce(length(h), 0);
END
$$;
SELECT ok(pg_temp.error_size($$SELECT journey.define(jsonb_build_object('name', repeat('X', 10000000),
	'trigger', '{"event": "e"}'::jsonb, 'start', 'd', 'nodes', '{"d": {"exit": "completed"}}'::jsonb))$$) BETWEEN 1 AND 2000,
	'define with an invalid 10 MB name: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.define(jsonb_build_object('name', 'sec_big', 'trigger', '{"event": "e"}'::jsonb,
	'start', 'd', 'nodes', jsonb_build_object('d', '{"exit": "completed"}'::jsonb, repeat('n', 5000000), '{"exit": "x"}'::jsonb,
	'e', jsonb_build_object('wait', repeat('1', 5000000), 'next', 'd'))))$$) BETWEEN 1 AND 2000,
	'define with a 5 MB node id and a 5 MB duration: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.pause(repeat('j', 10000000))$$) BETWEEN 1 AND 2000,
	'pause of an unknown 10 MB journey name: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.enroll(repeat('j', 10000000), 'u')$$) BETWEEN 1 AND 2000,
	'enroll into an unknown 10 MB journey name: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.set_contact('u', repeat('c', 10000000), 'a')$$) BETWEEN 1 AND 2000,
	'set_contact on an unknown 10 MB channel: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.add_channel(repeat('C', 10000000))$$) BETWEEN 1 AND 2000,
	'add_channel of an invalid 10 MB name: an error of under 2,000 characters');
SELECT ok(pg_temp.error_size($$SELECT journey.report_delivery(1, repeat('s', 10000000))$$) BETWEEN 1 AND 2000,
	'report_delivery of an unknown 10 MB status: an error of under 2,000 characters');

SELECT * FROM finish();
ROLLBACK;
