-- Segments (issue 13, SPEC §7): define (checked at once), refresh (a set-based diff: who entered and who
-- left, fired as segment_enter / segment_exit journeys as of as_of), static segments, enroll_segment, the
-- segment condition and wait_for on a segment, wait_until on the event and the context, split percents with
-- decimals, drop_segment refused while used, and who may define segments.
BEGIN;
SELECT plan(52);

CREATE TABLE public.sg_users (id bigint PRIMARY KEY, last_seen timestamptz NOT NULL, plan text NOT NULL);
INSERT INTO public.sg_users
SELECT g, '2026-06-01 12:00+00'::timestamptz - g * interval '1 day', CASE WHEN g % 2 = 0 THEN 'free' ELSE 'paid' END
  FROM generate_series(1, 40) g;
-- Users whose last activity is 30 days or more before 2026-06-01: 30..40.
CREATE VIEW public.sg_asof AS SELECT '2026-06-01 12:00+00'::timestamptz AS t;

-- 1. define_segment checks the query at once, naming the segment.
SELECT throws_ok($$SELECT journey.define_segment('sg_bad', 'SELEC id FROM public.sg_users')$$, '42601',
	NULL, 'a query that does not parse: 42601');
SELECT throws_like($$SELECT journey.define_segment('sg_bad', 'SELEC id FROM public.sg_users')$$,
	'segment "sg_bad": syntax error%', 'the error names the segment');
SELECT throws_ok($$SELECT journey.define_segment('sg_bad', 'SELECT id, plan FROM public.sg_users')$$, '22023',
	'segment "sg_bad": the query must return exactly one column of user ids, not 2', 'two columns: 22023');
SELECT throws_ok($$SELECT journey.define_segment('sg_bad', 'SELECT id FROM public.sg_nowhere')$$, '42P01',
	NULL, 'a table that does not exist: the query''s own error');
SELECT throws_ok($$SELECT journey.define_segment('sg_bad', 'SELECT 1; DROP TABLE public.sg_users')$$, '22023',
	'segment "sg_bad": the query must be one SELECT returning one column of user ids', 'two statements are refused');
SELECT throws_ok($$SELECT journey.define_segment('sg_bad', 'DELETE FROM public.sg_users RETURNING id')$$, '22023',
	'segment "sg_bad": the query must be one SELECT returning one column of user ids', 'a command is refused');
SELECT throws_ok($$SELECT journey.define_segment('Bad Name', 'SELECT 1')$$, '22023', NULL, 'a bad name: 22023');
SELECT is((SELECT count(*)::int FROM journey.segments WHERE name = 'sg_bad'), 0, 'nothing was stored');

SET LOCAL search_path = public, pg_catalog;
SELECT lives_ok($$SELECT journey.define_segment('sg_cold',
	'SELECT id FROM sg_users, sg_asof WHERE last_seen <= sg_asof.t - interval ''30 days'' -- trailing comment')$$,
	'a query with unqualified names and a trailing comment is defined');
RESET search_path;
SELECT lives_ok($$SELECT journey.define_segment('sg_list', NULL)$$, 'a static segment');

-- 2. A journey may only name segments that exist.
SELECT throws_ok($$SELECT journey.define('{"name": "sg_x", "trigger": {"segment_enter": "sg_nope"}, "start": "d",
	"nodes": {"d": {"exit": "completed"}}}')$$, '42704',
	'journey "sg_x": trigger.segment_enter: unknown segment "sg_nope" (journey.define_segment defines one)', 'an unknown segment: 42704');

\o /dev/null
SELECT journey.define('{"name": "sg_winback", "trigger": {"segment_enter": "sg_cold"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "in_app", "template": "come_back", "data": {"seg": "{{event.segment}}"}}, "next": "w"},
	          "w": {"wait": "1 day", "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "sg_goodbye", "trigger": {"segment_exit": "sg_cold"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "in_app", "template": "welcome_back"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
\o

-- 3. The first refresh finds every member new; each enters as of as_of (even a month ago: a refresh is no backfill).
SELECT results_eq($$SELECT * FROM journey.refresh_segment('sg_cold', '2026-06-01 12:00+00')$$,
	$$VALUES (11::bigint, 0::bigint)$$, 'the first refresh: 11 entered, none left');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'sg_winback'), 11, 'every member entered the segment_enter journey');
SELECT is((SELECT min(entered_at) FROM journey.instances WHERE journey = 'sg_winback'), '2026-06-01 12:00+00'::timestamptz,
	'as of as_of');
SELECT is((SELECT payload -> 'data' ->> 'seg' FROM journey.outbox WHERE journey = 'sg_winback' LIMIT 1), 'sg_cold',
	'the event carries the segment');
SELECT is((SELECT members FROM journey.segments WHERE name = 'sg_cold'), 11::bigint, 'journey.segments counts the members');

-- 4. Users leave, others enter: one diff.
UPDATE public.sg_users SET last_seen = '2026-06-01 12:00+00' WHERE id IN (35, 36);
UPDATE public.sg_users SET last_seen = '2026-04-01 12:00+00' WHERE id = 3;
SELECT results_eq($$SELECT * FROM journey.refresh_segment('sg_cold', '2026-06-02 12:00+00')$$,
	$$VALUES (1::bigint, 2::bigint)$$, 'a second refresh: 1 entered, 2 left');
SELECT is((SELECT array_agg(user_id ORDER BY user_id) FROM journey.instances WHERE journey = 'sg_goodbye'), ARRAY['35', '36'],
	'who left entered the segment_exit journey');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'sg_winback' AND user_id = '3'), 1, 'who entered, the enter journey');
SELECT is((SELECT exited || '/' || entered FROM journey.segments WHERE name = 'sg_cold'), '2/1',
	'journey.segments shows the last refresh''s entries and exits');
SELECT is((SELECT count(*)::int FROM journey.refresh_segment('sg_cold', '2026-06-02 13:00+00') WHERE entered = 0 AND exited = 0), 1,
	'a refresh that changes nothing fires nothing');

-- 5. Re-entry after exit: 36 comes back into the segment after its first instance ended.
SELECT is((SELECT journey.run_due('2026-06-05 00:00+00') > 0), true, 'the waits end');
UPDATE public.sg_users SET last_seen = '2026-04-01 12:00+00' WHERE id = 36;
SELECT results_eq($$SELECT * FROM journey.refresh_segment('sg_cold', '2026-06-06 12:00+00')$$,
	$$VALUES (1::bigint, 0::bigint)$$, '36 enters again');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'sg_winback' AND user_id = '36'), 2,
	'and enters the journey a second time (reentry after_exit)');

-- 6. A journey published after a refresh sees only later entries; enroll_segment enters current members.
\o /dev/null
SELECT journey.define('{"name": "sg_late", "trigger": {"segment_enter": "sg_cold"}, "start": "d",
	"nodes": {"d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "sg_manual", "trigger": {"manual": true}, "entry": {"when": {"attribute": "vip", "op": "exists"}},
	"start": "d", "nodes": {"d": {"exit": "completed"}}}', true);
\o
SELECT is((SELECT count(*)::int FROM journey.refresh_segment('sg_cold', '2026-06-07 12:00+00')), 1, 'a refresh');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'sg_late'), 0, 'a later journey does not see the members already in');
INSERT INTO journey.profiles (user_id, attributes) SELECT id::text, '{"vip": true}' FROM public.sg_users WHERE id IN (3, 30, 31);
SELECT is(journey.enroll_segment('sg_manual', 'sg_cold', '2026-06-07 12:00+00'), 3::bigint,
	'enroll_segment: every member is tried, entry rules apply (3 of 11 are vip)');
SELECT throws_ok($$SELECT journey.enroll_segment('sg_manual', 'sg_nope')$$, '42704', NULL, 'enroll_segment of an unknown segment');

-- 7. The segment condition and wait_for on a segment (the waits above end first).
\o /dev/null
SELECT journey.run_due('2026-06-30 00:00+00');
\o
\o /dev/null
SELECT journey.define('{"name": "sg_wait", "trigger": {"event": "sg_go"}, "start": "w",
	"nodes": {"w": {"wait_for": {"segment": "sg_list"}, "timeout": "2 days", "on_event": "in", "on_timeout": "out"},
	          "in": {"if": {"segment": "sg_list"}, "then": "yes", "else": "no"},
	          "yes": {"exit": "member"}, "no": {"exit": "not_member"}, "out": {"exit": "timed_out"}}}', true);
\o
-- (Events dated in 2027: an event older than a day before now enters no one; a refresh's as_of may be any time.)
SELECT is(journey.add_to_segment('sg_list', ARRAY['w1', 'w1', NULL], '2027-06-01 00:00+00'), 1::bigint,
	'add_to_segment: duplicates and nulls count once');
\o /dev/null
SELECT journey.track(u, 'sg_go', '{}', '2027-06-01 10:00+00') FROM unnest(ARRAY['w1', 'w2', 'w3']) u;
\o
SELECT is((SELECT status || ' ' || exit_reason FROM journey.instances WHERE journey = 'sg_wait' AND user_id = 'w1'), 'completed member',
	'wait_for on a segment the user is already in: on at once');
SELECT is((SELECT status FROM journey.instances WHERE journey = 'sg_wait' AND user_id = 'w2'), 'active', 'a non-member waits');
SELECT is(journey.add_to_segment('sg_list', ARRAY['w2'], '2027-06-02 10:00+00'), 1::bigint, 'w2 is added');
SELECT is((SELECT exit_reason || ' ' || ended_at::text FROM journey.instances WHERE journey = 'sg_wait' AND user_id = 'w2'),
	'member ' || '2027-06-02 10:00+00'::timestamptz::text, 'the wait ends when the user is added, as of that time');
SELECT is(journey.remove_from_segment('sg_list', ARRAY['w2', 'w9'], '2027-06-02 11:00+00'), 1::bigint, 'remove_from_segment counts members removed');
SELECT is(journey.run_due('2027-06-03 11:00+00'), 1::bigint, 'the other wait times out');
SELECT is((SELECT exit_reason FROM journey.instances WHERE journey = 'sg_wait' AND user_id = 'w3'), 'timed_out', 'on_timeout');
SELECT throws_ok($$SELECT journey.add_to_segment('sg_cold', ARRAY['x'])$$, '55000', NULL, 'a segment with a query has no static members');
SELECT throws_ok($$SELECT journey.refresh_segment('sg_list')$$, '55000', NULL, 'a static segment has no query to refresh');

-- 8. A query that fails leaves everything untouched, with its error and the segment's name.
\o /dev/null
SELECT journey.define_segment('sg_div', 'SELECT (10 / (id - 5))::text FROM public.sg_users');
\o
SELECT throws_ok($$SELECT journey.refresh_segment('sg_div')$$, '22012', 'segment "sg_div": division by zero',
	'a failing query: its SQLSTATE, its message, the segment''s name');
SELECT is((SELECT members FROM journey.segments WHERE name = 'sg_div'), 0::bigint, 'no member was stored');

-- 9. wait_until on the triggering event and the context; split percents with decimals.
\o /dev/null
SELECT journey.define('{"name": "sg_remind", "trigger": {"event": "sg_appt"}, "start": "w",
	"nodes": {"w": {"wait_until": {"event": "at", "offset": "-1 day"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('r1', 'sg_appt', '{"at": "2027-07-10T09:00:00Z"}', '2027-07-01 00:00+00');
SELECT journey.track('r2', 'sg_appt', '{}', '2027-07-01 00:00+00');
SELECT journey.track('r3', 'sg_appt', '{"at": "soon"}', '2027-07-01 00:00+00');
\o
SELECT is((SELECT wake_at FROM journey.instances WHERE journey = 'sg_remind' AND user_id = 'r1'), '2027-07-09 09:00+00'::timestamptz,
	'wait_until an event property with an offset');
SELECT is((SELECT status FROM journey.instances WHERE journey = 'sg_remind' AND user_id = 'r2'), 'completed', 'a missing property is past');
SELECT is((SELECT status || ': ' || error FROM journey.instances WHERE journey = 'sg_remind' AND user_id = 'r3'),
	'failed: wait_until: the event property "at" is not a timestamp: "soon"', 'a property that is not a timestamp fails the instance');
-- A reminder one day before *this* appointment, in a keyed journey; a context key given to enroll.
\o /dev/null
SELECT journey.define('{"name": "sg_appt_k", "trigger": {"event": "sg_booked"}, "entry": {"key": "appointment_id"}, "start": "w",
	"nodes": {"w": {"wait_until": {"event": "at", "offset": "-1 day"}, "next": "r"},
	          "r": {"send": {"channel": "in_app", "template": "reminder", "data": {"id": "{{event.appointment_id}}"}}, "next": "d"},
	          "d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "sg_ctx", "trigger": {"manual": true}, "start": "w",
	"nodes": {"w": {"wait_until": {"context": "due", "offset": "-2 hours"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('k1', 'sg_booked', '{"appointment_id": "a1", "at": "2027-08-10T09:00:00Z"}', '2027-08-01 00:00+00'),
       journey.track('k1', 'sg_booked', '{"appointment_id": "a2", "at": "2027-08-20T09:00:00Z"}', '2027-08-01 00:00+00');
SELECT journey.enroll('sg_ctx', 'c1', '{"due": "2027-09-01T12:00:00Z"}', '2027-08-01 00:00+00');
\o
SELECT is((SELECT array_agg(wake_at ORDER BY wake_at) FROM journey.instances WHERE journey = 'sg_appt_k' AND user_id = 'k1'),
	ARRAY['2027-08-09 09:00+00', '2027-08-19 09:00+00']::timestamptz[], 'each appointment of a keyed journey waits for its own date');
\o /dev/null
SELECT journey.run_due('2027-08-09 09:00+00');
\o
SELECT is((SELECT array_agg(i.status || ' ' || coalesce(o.payload -> 'data' ->> 'id', '-') ORDER BY i.wake_at NULLS FIRST)
             FROM journey.instances i LEFT JOIN journey.outbox o ON o.instance_id = i.id
            WHERE i.journey = 'sg_appt_k'), ARRAY['completed a1', 'active -'], 'the first reminder falls due alone');
SELECT is((SELECT wake_at FROM journey.instances WHERE journey = 'sg_ctx' AND user_id = 'c1'), '2027-09-01 10:00+00'::timestamptz,
	'wait_until a context key with an offset');
SELECT lives_ok($$SELECT journey.validate('{"name": "sg_split", "trigger": {"event": "x"}, "start": "s",
	"nodes": {"s": {"split": [{"label": "A", "percent": 33.33, "next": "d"}, {"label": "B", "percent": 33.33, "next": "d"},
	                          {"label": "C", "percent": 33.34, "next": "d"}]}, "d": {"exit": "completed"}}}')$$, 'validate');
SELECT is((SELECT count(*)::int FROM journey.validate('{"name": "sg_split", "trigger": {"event": "x"}, "start": "s",
	"nodes": {"s": {"split": [{"label": "A", "percent": 33.33, "next": "d"}, {"label": "B", "percent": 33.33, "next": "d"},
	                          {"label": "C", "percent": 33.34, "next": "d"}]}, "d": {"exit": "completed"}}}')), 0,
	'percents with two decimals that sum to 100 are valid');

-- 10. drop_segment is refused while a journey uses the segment; who may define segments.
SELECT throws_ok($$SELECT journey.drop_segment('sg_cold')$$, '2BP01',
	'segment "sg_cold" is used by journey "sg_goodbye", "sg_late", "sg_winback"', 'drop_segment names the journeys that use it');
SELECT lives_ok($$SELECT journey.drop_segment('sg_div')$$, 'an unused segment is dropped');
\o /dev/null
SELECT journey.define_segment('sg_gone', NULL);
SELECT journey.define('{"name": "sg_draft", "trigger": {"segment_enter": "sg_gone"}, "start": "d", "nodes": {"d": {"exit": "completed"}}}');
SELECT journey.drop_segment('sg_gone');
\o
SELECT throws_ok($$SELECT journey.publish('sg_draft')$$, '42704',
	'journey "sg_draft": trigger.segment_enter: unknown segment "sg_gone" (journey.define_segment defines one)',
	'a draft whose segment was dropped is not published');
CREATE ROLE sg_app_role;
GRANT journey_app TO sg_app_role;
SET LOCAL ROLE sg_app_role;
SELECT throws_ok($$SELECT journey.define_segment('sg_evil', 'SELECT usename::text FROM pg_catalog.pg_user')$$, '42501',
	NULL, 'a role without journey_admin may not define segments');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
