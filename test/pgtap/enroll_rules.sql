-- Entry rules (SPEC §5 "Entry rules", §2 max_event_age) through journey.enroll and journey.track;
-- exit_when, journey.exit, archive, publish in_flight and the journey.changes audit (SPEC §4).
-- Everything is dated ten years ahead (pg_temp.t) unless it tests max_event_age, and rolled back.
BEGIN;
SELECT plan(77);
SET LOCAL client_min_messages = warning;  -- enroll's NOTICEs about refusals

CREATE FUNCTION pg_temp.t(d interval DEFAULT '0') RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT now() + interval '10 years' + d $$;

-- n: how many instances of journey j user u has (with status s when given).
CREATE FUNCTION pg_temp.n(j text, u text, s text DEFAULT NULL) RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT count(*)::int FROM journey.instances i WHERE i.journey = j AND i.user_id = u AND (s IS NULL OR i.status = s)
$$;

-- A journey of one wait (1 hour), or one that ends at once, with the given name, trigger and entry rules.
CREATE FUNCTION pg_temp.def(name text, trig jsonb, entry jsonb, waits bool, extra jsonb DEFAULT '{}') RETURNS int
LANGUAGE sql AS $$
	SELECT journey.define(jsonb_build_object(
		'name', name, 'trigger', trig, 'entry', entry,
		'start', CASE WHEN waits THEN 'w' ELSE 'done' END,
		'nodes', CASE WHEN waits
		              THEN '{"w": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}'::jsonb
		              ELSE '{"done": {"exit": "completed"}}'::jsonb END) || extra, true)
$$;

\o /dev/null
SELECT pg_temp.def('er_after', '{"event": "er_after_go"}', '{}', true);
SELECT pg_temp.def('er_never', '{"event": "er_never_go"}', '{"reentry": "never"}', false);
SELECT pg_temp.def('er_always', '{"event": "er_always_go"}', '{"reentry": "always"}', true);
SELECT pg_temp.def('er_cool', '{"event": "er_cool_go"}', '{"reentry": "after_exit", "cooldown": "1 day"}', false);
SELECT pg_temp.def('er_max', '{"event": "er_max_go"}', '{"reentry": "always", "max_entries": 2}', false);
SELECT pg_temp.def('er_when', '{"event": "er_when_go"}',
	'{"when": {"attribute": "plan", "op": "=", "value": "pro"}}', true);
SELECT pg_temp.def('er_age', '{"event": "er_age_go"}', '{}', true);
SELECT pg_temp.def('er_age1h', '{"event": "er_age1h_go"}', '{"max_event_age": "1 hour"}', true);
SELECT pg_temp.def('er_manual', '{"manual": true}', '{}', true);
\o

-- Enrolls and tells what happened: 'entered' when the id returned is that of a new instance of this user
-- in this journey, entered as of at; 'refused' for null.
CREATE FUNCTION pg_temp.enrolls(j text, u text, ctx jsonb, at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	new_id bigint;
BEGIN
	new_id := journey.enroll(j, u, ctx, at);
	IF new_id IS NULL THEN
		RETURN 'refused';
	END IF;
	IF EXISTS (SELECT 1 FROM journey.instances i WHERE i.id = new_id AND i.journey = j AND i.user_id = u AND i.entered_at = at) THEN
		RETURN 'entered';
	END IF;
	RETURN 'id ' || new_id || ' is no instance of this user entered at ' || at;
END
$$;

-- reentry after_exit (the default).
SELECT is(pg_temp.enrolls('er_after', 'er_u1', '{"src": "test"}', pg_temp.t()), 'entered', 'enroll returns an id');
SELECT is(journey.enroll('er_after', 'er_u1', '{}', pg_temp.t('1 minute')), NULL,
	'after_exit: enroll while the user is active returns null');
SELECT is(pg_temp.n('er_after', 'er_u1'), 1, 'after_exit: still one instance');
SELECT is((SELECT context ->> 'src' FROM journey.instances WHERE journey = 'er_after' AND user_id = 'er_u1'), 'test',
	'enroll keeps the context in the instance');
SELECT is((SELECT entered_at FROM journey.instances WHERE journey = 'er_after' AND user_id = 'er_u1'), pg_temp.t(),
	'enroll enters as of at');
SELECT cmp_ok(journey.run_due(pg_temp.t('1 hour')), '>=', 1::bigint, 'run_due ends the wait');
SELECT is(pg_temp.n('er_after', 'er_u1', 'completed'), 1, 'the first instance completed');
SELECT is(pg_temp.enrolls('er_after', 'er_u1', '{}', pg_temp.t('2 hours')), 'entered',
	'after_exit: enroll after the instance ended is accepted');
SELECT is(pg_temp.n('er_after', 'er_u1', 'active'), 1, 'after_exit: one active instance again');

-- enroll returns the instance id; track enrols the same way.
SELECT journey.enroll('er_after', 'er_u2', '{}', pg_temp.t()) AS u2_id \gset
SELECT is(:u2_id::bigint, (SELECT id FROM journey.instances WHERE journey = 'er_after' AND user_id = 'er_u2'),
	'enroll returns the id of the instance it created');
SELECT journey.track('er_u3', 'er_after_go', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_after', 'er_u3', 'active'), 1, 'track of the trigger event enrols');
SELECT journey.track('er_u3', 'er_after_go', '{}', pg_temp.t('1 minute')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_after', 'er_u3'), 1, 'after_exit: a second trigger event while active does not enrol again');

-- reentry never.
SELECT is(pg_temp.enrolls('er_never', 'er_u1', '{}', pg_temp.t()), 'entered', 'never: the first entry is accepted');
SELECT is(pg_temp.n('er_never', 'er_u1', 'completed'), 1, 'never: the journey ended at once');
SELECT is(journey.enroll('er_never', 'er_u1', '{}', pg_temp.t('1 year')), NULL,
	'never: a later entry after the end is refused');

-- reentry always: concurrent actives.
SELECT is(pg_temp.enrolls('er_always', 'er_u1', '{}', pg_temp.t()), 'entered', 'always: first entry');
SELECT is(pg_temp.enrolls('er_always', 'er_u1', '{}', pg_temp.t()), 'entered', 'always: second entry while active');
SELECT journey.track('er_u1', 'er_always_go', '{}', pg_temp.t('1 minute')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_always', 'er_u1', 'active'), 3, 'always: three concurrent active instances');
SELECT is((SELECT count(DISTINCT id)::int FROM journey.instances WHERE journey = 'er_always' AND user_id = 'er_u1'), 3,
	'always: each with its own id');

-- cooldown of 1 day since the last entry.
SELECT is(pg_temp.enrolls('er_cool', 'er_u1', '{}', pg_temp.t()), 'entered', 'cooldown: first entry');
SELECT is(journey.enroll('er_cool', 'er_u1', '{}', pg_temp.t('23 hours')), NULL,
	'cooldown: an entry before the cooldown passed is refused (the first instance already ended)');
SELECT is(pg_temp.enrolls('er_cool', 'er_u1', '{}', pg_temp.t('1 day 1 minute')), 'entered',
	'cooldown: an entry after the cooldown is accepted');
SELECT is(journey.enroll('er_cool', 'er_u1', '{}', pg_temp.t('1 day 2 hours')), NULL,
	'cooldown: counted from the last entry, not the first');

-- max_entries 2 (lifetime).
SELECT is(pg_temp.enrolls('er_max', 'er_u1', '{}', pg_temp.t()), 'entered', 'max_entries: entry 1');
SELECT is(pg_temp.enrolls('er_max', 'er_u1', '{}', pg_temp.t('1 hour')), 'entered', 'max_entries: entry 2');
SELECT is(journey.enroll('er_max', 'er_u1', '{}', pg_temp.t('1 year')), NULL, 'max_entries: entry 3 is refused');

-- entry.when.
INSERT INTO journey.profiles (user_id, attributes) VALUES ('er_pro', '{"plan": "pro"}'), ('er_free', '{"plan": "free"}');
SELECT is(pg_temp.enrolls('er_when', 'er_pro', '{}', pg_temp.t()), 'entered', 'when: a user for whom it holds enters');
SELECT is(journey.enroll('er_when', 'er_free', '{}', pg_temp.t()), NULL, 'when: a user for whom it fails is refused');
SELECT is(journey.enroll('er_when', 'er_nobody', '{}', pg_temp.t()), NULL, 'when: a user without a profile is refused');
SELECT count(journey.track(u, 'er_when_go', '{}', pg_temp.t('1 minute'))) AS tracked
  FROM unnest(ARRAY['er_free', 'er_nobody']) AS u \gset
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'er_when' AND user_id IN ('er_free', 'er_nobody')),
	0, 'when: tracked events of users for whom it fails enrol no one');
UPDATE journey.profiles SET attributes = '{"plan": "pro"}' WHERE user_id = 'er_free';
SELECT journey.track('er_free', 'er_when_go', '{}', pg_temp.t('2 minutes')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_when', 'er_free', 'active'), 1, 'when: once it holds, the event enrols');

-- max_event_age (default 1 day; a journey with 1 hour); future events are accepted.
SELECT journey.track('er_old', 'er_age_go', '{}', now() - interval '25 hours') IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_age', 'er_old'), 0, 'an event older than the default max_event_age (1 day) enrols no one');
SELECT journey.track('er_recent', 'er_age_go', '{}', now() - interval '23 hours') IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_age', 'er_recent'), 1, 'an event younger than 1 day enrols');
SELECT is((SELECT entered_at FROM journey.instances WHERE journey = 'er_age' AND user_id = 'er_recent'),
	now() - interval '23 hours', 'an event enrols as of its own time');
SELECT journey.track('er_future', 'er_age_go', '{}', now() + interval '10 years') IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_age', 'er_future'), 1, 'an event dated in the future enrols');
SELECT journey.track('er_old', 'er_age1h_go', '{}', now() - interval '2 hours') IS NOT NULL AS tracked \gset
SELECT journey.track('er_recent', 'er_age1h_go', '{}', now() - interval '30 minutes') IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_age1h', 'er_old'), 0, 'max_event_age 1 hour: a 2-hour-old event enrols no one');
SELECT is(pg_temp.n('er_age1h', 'er_recent'), 1, 'max_event_age 1 hour: a 30-minute-old event enrols');

-- a manual trigger: only enroll; and enroll works whatever the trigger.
SELECT journey.track('er_u1', 'manual', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT journey.track('er_u1', 'er_manual', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_manual', 'er_u1'), 0, 'a manual journey takes no entries from events');
SELECT is(pg_temp.enrolls('er_manual', 'er_u1', '{}', pg_temp.t()), 'entered', 'a manual journey takes enroll');
SELECT is(pg_temp.enrolls('er_age', 'er_u9', '{}', pg_temp.t()), 'entered', 'enroll works for an event-triggered journey too');
SELECT is(pg_temp.n('er_age', 'er_u9', 'active'), 1, 'the enrolled user is active');

-- unknown, draft, paused, archived journeys.
SELECT throws_ok($$SELECT journey.enroll('er_no_such_journey', 'er_u1')$$, '42704', NULL,
	'enroll into an unknown journey: 42704');
\o /dev/null
SELECT journey.define('{"name": "er_draft", "trigger": {"event": "er_draft_go"}, "start": "done",
	"nodes": {"done": {"exit": "completed"}}}');
SELECT pg_temp.def('er_paused', '{"event": "er_paused_go"}', '{}', true);
SELECT journey.pause('er_paused');
\o
SELECT is(journey.enroll('er_draft', 'er_u1', '{}', pg_temp.t()), NULL, 'enroll into a draft journey returns null');
SELECT is(journey.enroll('er_paused', 'er_u1', '{}', pg_temp.t()), NULL, 'enroll into a paused journey returns null');
SELECT journey.track('er_u2', 'er_paused_go', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT journey.track('er_u2', 'er_draft_go', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey IN ('er_draft', 'er_paused')), 0,
	'draft and paused journeys took no entries, by enroll or by event');
SELECT journey.resume('er_paused') IS NULL AS resumed \gset
SELECT is(pg_temp.enrolls('er_paused', 'er_u1', '{}', pg_temp.t()), 'entered', 'after resume, enroll is accepted');
SELECT throws_ok($$SELECT journey.pause('er_draft')$$, '55000', NULL, 'pausing a draft journey: 55000');

-- exit_when; the exiting event never also enters.
\o /dev/null
SELECT pg_temp.def('er_exit', '[{"event": "er_ex_start"}, {"event": "er_ex_stop"}]', '{}', true,
	'{"exit_when": [{"event": "er_ex_stop"}, {"event": "er_ex_cancel", "where": {"prop": "why", "op": "=", "value": "bought"}}]}');
\o
SELECT journey.track('er_u1', 'er_ex_start', '{}', pg_temp.t()) IS NOT NULL AS tracked \gset
SELECT journey.track('er_u1', 'er_ex_cancel', '{"why": "other"}', pg_temp.t('1 minute')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_exit', 'er_u1', 'active'), 1, 'an exit_when event whose where fails does not exit');
SELECT journey.track('er_u1', 'er_ex_stop', '{}', pg_temp.t('2 minutes')) IS NOT NULL AS tracked \gset
SELECT is((SELECT status || ':' || exit_reason FROM journey.instances WHERE journey = 'er_exit' AND user_id = 'er_u1'),
	'exited:exit_event', 'exit_when: the active instance exits (status exited, reason exit_event)');
SELECT is((SELECT ended_at FROM journey.instances WHERE journey = 'er_exit' AND user_id = 'er_u1'), pg_temp.t('2 minutes'),
	'exit_when: ended as of the event''s time');
SELECT is(pg_temp.n('er_exit', 'er_u1'), 1, 'the exiting event, though also a trigger, did not enter the user again');
SELECT journey.track('er_u1', 'er_ex_stop', '{}', pg_temp.t('3 minutes')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_exit', 'er_u1', 'active'), 1, 'the same event with no active instance does enter');
SELECT journey.track('er_u1', 'er_ex_cancel', '{"why": "bought"}', pg_temp.t('4 minutes')) IS NOT NULL AS tracked \gset
SELECT is(pg_temp.n('er_exit', 'er_u1', 'exited'), 2, 'an exit_when event whose where holds exits');

-- journey.exit.
SELECT is(journey.exit('er_always', 'er_u1'), 3, 'exit returns how many active instances it ended');
SELECT is((SELECT array_agg(DISTINCT status || ':' || exit_reason) FROM journey.instances
	WHERE journey = 'er_always' AND user_id = 'er_u1'), ARRAY['exited:manual'], 'exit: status exited, reason manual');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'er_always' AND ended_at < entered_at), 0,
	'ended_at is never earlier than entered_at (the instances entered in the future)');
SELECT is(journey.exit('er_always', 'er_u1'), 0, 'a second exit finds none');
SELECT is(journey.exit('er_after', 'er_u2', 'support_request'), 1, 'exit with a reason');
SELECT is((SELECT exit_reason FROM journey.instances WHERE journey = 'er_after' AND user_id = 'er_u2'), 'support_request',
	'the reason is kept');
SELECT throws_ok($$SELECT journey.exit('er_no_such_journey', 'er_u1')$$, '42704', NULL, 'exit of an unknown journey: 42704');

-- archive.
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'er_after' AND status = 'active'), 2,
	'before archive: two active users');
SELECT is(journey.archive('er_after'), 2, 'archive returns how many active users exited');
SELECT is((SELECT array_agg(DISTINCT status || ':' || exit_reason) FROM journey.instances
	WHERE journey = 'er_after' AND ended_at IS NOT NULL AND exit_reason <> 'completed' AND exit_reason <> 'support_request'),
	ARRAY['exited:archived'], 'archive: status exited, reason archived');
SELECT is(journey.enroll('er_after', 'er_u7', '{}', pg_temp.t()), NULL, 'an archived journey takes no entries');
SELECT throws_ok($$SELECT journey.publish('er_after')$$, '55000', NULL, 'publishing an archived journey: 55000');

-- publish with in_flight exit (and keep).
\o /dev/null
SELECT pg_temp.def('er_pub', '{"event": "er_pub_go"}', '{}', true);
SELECT journey.enroll('er_pub', u, '{}', pg_temp.t()) FROM unnest(ARRAY['er_p1', 'er_p2']) AS u;
SELECT journey.define('{"name": "er_pub", "trigger": {"event": "er_pub_go"}, "start": "w2",
	"nodes": {"w2": {"wait": "2 hours", "next": "done"}, "done": {"exit": "completed"}}}');
SELECT journey.publish('er_pub', 2, 'keep');
\o
SELECT is((SELECT array_agg(status || ':' || version ORDER BY user_id) FROM journey.instances WHERE journey = 'er_pub'),
	ARRAY['active:1', 'active:1'], 'publish keep: users stay on their version');
SELECT journey.define('{"name": "er_pub", "trigger": {"event": "er_pub_go"}, "start": "done",
	"nodes": {"done": {"exit": "completed"}}}') AS v3 \gset
SELECT journey.publish('er_pub', :v3, 'exit') AS published \gset
SELECT is((SELECT array_agg(status || ':' || version ORDER BY user_id) FROM journey.instances WHERE journey = 'er_pub'),
	ARRAY['exited:1', 'exited:1'], 'publish exit: users on older versions exit');
SELECT journey.enroll('er_pub', 'er_p3', '{}', pg_temp.t()) AS p3_id \gset
SELECT is((SELECT version FROM journey.instances WHERE id = :p3_id::bigint), 3,
	'after publish, entries run the new version');

-- Bad values are refused at their path, never ignored (SPEC §10).
SELECT throws_ok($$SELECT journey.define('{"name": "er_keyed", "trigger": {"event": "x"},
	"start": "s", "nodes": {"s": {"if": {"segment": "vip"}, "then": "done", "else": "done"}, "done": {"exit": "completed"}}}')$$,
	'42704', NULL, 'a segment condition on a segment that does not exist: 42704');
SELECT throws_ok($$SELECT journey.define('{"name": "er_thr", "trigger": {"event": "x"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "sms", "template": "t", "ignore_caps": 1}, "next": "done"}, "done": {"exit": "completed"}}}')$$,
	'22023', 'journey "er_thr": nodes.s.send.ignore_caps: expected true or false', 'send.ignore_caps that is not a boolean: 22023');
SELECT throws_ok($$SELECT journey.define('{"name": "er_bad", "trigger": {"event": "x"}, "entry": {"reentry": "sometimes"},
	"start": "done", "nodes": {"done": {"exit": "completed"}}}')$$, '22023', NULL, 'an unknown reentry value: 22023');
SELECT throws_matching($$SELECT journey.define('{"name": "er_bad", "trigger": {"event": "x"}, "entry": {"reentry": "sometimes"},
	"start": "done", "nodes": {"done": {"exit": "completed"}}}')$$, 'entry\.reentry', 'the error names the JSON path entry.reentry');
SELECT throws_ok($$SELECT journey.define('{"name": "er_bad", "trigger": {"event": "x"}, "entry": {"cooldwn": "1 day"},
	"start": "done", "nodes": {"done": {"exit": "completed"}}}')$$, '22023', NULL, 'an unknown entry key: 22023');
SELECT is((SELECT count(*)::int FROM journey.journeys WHERE name IN ('er_keyed', 'er_thr', 'er_bad')), 0,
	'refused definitions leave nothing behind');

-- The audit.
SELECT is((SELECT array_agg(action ORDER BY action) FROM journey.changes WHERE journey = 'er_paused'),
	ARRAY['define', 'pause', 'publish', 'resume'], 'journey.changes records define, publish, pause and resume');
SELECT is((SELECT array_agg(action || ':' || coalesce(version::text, '-') ORDER BY action, version) FROM journey.changes
	WHERE journey = 'er_after'), ARRAY['archive:1', 'define:1', 'publish:1'], 'journey.changes records archive, with versions');
SELECT is((SELECT count(*)::int FROM journey.changes WHERE journey = 'er_pub' AND (at IS NULL OR actor IS NULL)), 0,
	'journey.changes says who and when');

SELECT * FROM finish();
ROLLBACK;
