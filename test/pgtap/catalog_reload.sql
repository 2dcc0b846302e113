-- The rule cache is a snapshot an engine holds (issue 12: use after free on a catalog reload). Here one
-- event enters three journeys; the first one's call publishes another journey (an invalidation) and its
-- update node fires the profile trigger, whose engine loads a new catalog while the outer engine is still
-- walking the old one's entry rules. Every entry still happens, once. (Without the snapshot the outer loop
-- read freed memory; this test shows the behaviour, it cannot prove the absence of a use after free: run
-- it under valgrind for that.)
BEGIN;
SELECT plan(5);

CREATE FUNCTION public.cr_republish(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	PERFORM journey.define('{"name": "cr_other", "trigger": {"event": "cr_never"}, "start": "d",
		"nodes": {"d": {"exit": "completed"}}}', true);
	RETURN '{"republished": true}';
END
$$;
\o /dev/null
SELECT journey.allow_function('public.cr_republish(text, jsonb)');
SELECT journey.define('{"name": "cr_attr", "trigger": {"attribute_change": "cr_score"}, "entry": {"reentry": "always"},
	"start": "d", "nodes": {"d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "cr_a", "trigger": {"event": "cr_go"}, "start": "c", "nodes": {
	"c": {"call": "cr_republish", "into": "r", "next": "u"},
	"u": {"update": {"cr_score": {"add": 1}}, "next": "d"},
	"d": {"exit": "completed"}}}', true);
SELECT journey.define(jsonb_build_object('name', n, 'trigger', '{"event": "cr_go"}'::jsonb, 'start', 'u',
	'nodes', '{"u": {"update": {"cr_last": {"set": "x"}}, "next": "d"}, "d": {"exit": "completed"}}'::jsonb), true)
  FROM unnest(ARRAY['cr_b', 'cr_c', 'cr_d', 'cr_e']) n;
\o
SELECT lives_ok($$SELECT journey.track('cr_u', 'cr_go')$$, 'the event is tracked');
SELECT is((SELECT array_agg(journey || ':' || status ORDER BY journey) FROM journey.instances
            WHERE user_id = 'cr_u' AND journey IN ('cr_a', 'cr_b', 'cr_c', 'cr_d', 'cr_e')),
	ARRAY['cr_a:completed', 'cr_b:completed', 'cr_c:completed', 'cr_d:completed', 'cr_e:completed'],
	'every journey of the event was entered once, after the reload too');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE user_id = 'cr_u' AND journey = 'cr_attr'), 1,
	'the update entered the attribute_change journey once');
SELECT is((SELECT (attributes ->> 'cr_score')::int FROM journey.profiles WHERE user_id = 'cr_u'), 1, 'the update was applied');
SELECT is((SELECT count(*)::int FROM journey.versions WHERE journey = 'cr_other'), 1, 'the call published the other journey');

SELECT * FROM finish();
ROLLBACK;
