-- SPEC §9 roles: journey_app (track, set_contact, enroll), journey_sender (claim, ack, fail,
-- report_delivery only), journey_admin (define, publish, ...). Refusals are GRANTs: SQLSTATE 42501.
-- The roles below are created inside the transaction and rolled back with it.
BEGIN;
SELECT plan(38);

CREATE ROLE rl_app_role NOLOGIN IN ROLE journey_app;
CREATE ROLE rl_sender_role NOLOGIN IN ROLE journey_sender;
CREATE ROLE rl_admin_role NOLOGIN IN ROLE journey_admin;

\o /dev/null
SELECT journey.add_channel('rl_chan');
-- A live journey, defined and published by the superuser.
SELECT journey.define($j${
	"name": "rl_live",
	"trigger": {"event": "rl_go"},
	"start": "w",
	"nodes": {
		"w":    {"wait": "1 day", "next": "done"},
		"done": {"exit": "completed"}
	}
}$j$, true);
-- A journey that sends at once on a private channel, for the sender.
SELECT journey.define($j${
	"name": "rl_send",
	"trigger": {"event": "rl_send_go"},
	"start": "s",
	"nodes": {
		"s":    {"send": {"channel": "rl_chan", "template": "rl_tpl"}, "next": "done"},
		"done": {"exit": "completed"}
	}
}$j$, true);
SELECT journey.set_contact('rl_s1', 'rl_chan', 'a1');
SELECT journey.set_contact('rl_s2', 'rl_chan', 'a2');
SELECT journey.track('rl_s1', 'rl_send_go', '{}', now() - interval '1 hour');
SELECT journey.track('rl_s2', 'rl_send_go', '{}', now() - interval '2 hours');
\o

-- The application.
SET ROLE rl_app_role;
SELECT is(current_user::text, 'rl_app_role', 'acting as the application role');
SELECT lives_ok($$SELECT journey.track('rl_u1', 'rl_go', '{}', now() + interval '10 years')$$,
	'journey_app may track');
SELECT lives_ok($$INSERT INTO journey.events (user_id, name, occurred_at) VALUES ('rl_u2', 'rl_go', now() + interval '10 years')$$,
	'journey_app may insert into journey.events');
SELECT lives_ok($$INSERT INTO journey.events (user_id, name, occurred_at) VALUES ('rl_s3', 'rl_send_go', now() - interval '3 hours')$$,
	'journey_app may insert an event whose journey sends at once');
SELECT lives_ok($$SELECT journey.set_contact('rl_u1', 'email', 'u1@example.com')$$, 'journey_app may set_contact');
SELECT lives_ok($$SELECT journey.unsubscribe('rl_u1', 'sms')$$, 'journey_app may unsubscribe');
SELECT isnt(journey.enroll('rl_live', 'rl_u3', '{}', now() + interval '10 years'), NULL,
	'journey_app may enroll (an instance id comes back)');
SELECT throws_ok($$SELECT journey.define('{"name": "rl_nope", "trigger": {"event": "x"}, "start": "d", "nodes": {"d": {"exit": "completed"}}}')$$,
	'42501', NULL, 'journey_app cannot define: 42501');
SELECT throws_ok($$SELECT * FROM journey.claim('rl_chan')$$, '42501', NULL, 'journey_app cannot claim: 42501');
SELECT throws_ok($$SELECT * FROM journey.instance$$, '42501', NULL, 'journey_app cannot read journey.instance: 42501');
SELECT throws_ok($$SELECT * FROM journey.outbox$$, '42501', NULL, 'journey_app cannot read journey.outbox: 42501');
SELECT throws_ok($$SELECT journey.publish('rl_live')$$, '42501', NULL, 'journey_app cannot publish: 42501');
RESET ROLE;

-- what the application's calls did, seen by the superuser.
SELECT is((SELECT array_agg(user_id || ':' || status || ':' || node ORDER BY user_id) FROM journey.instances
	WHERE journey = 'rl_live'), ARRAY['rl_u1:active:w', 'rl_u2:active:w', 'rl_u3:active:w'],
	'track, an insert into journey.events and enroll by journey_app each enrolled the user into the live journey');
SELECT is((SELECT status || ':' || coalesce(payload ->> 'to', '-') FROM journey.outbox WHERE journey = 'rl_send' AND user_id = 'rl_s3'),
	'suppressed:-', 'the insert by journey_app ran the journey as the extension''s owner: the send (no contact) was written');
SELECT is((SELECT address FROM journey.contacts WHERE user_id = 'rl_u1' AND channel = 'email'), 'u1@example.com',
	'set_contact by journey_app was stored');

-- The sender.
SET ROLE rl_sender_role;
SELECT is(current_user::text, 'rl_sender_role', 'acting as the sender role');
SELECT results_eq($$SELECT user_id FROM journey.claim('rl_chan', 1)$$, ARRAY['rl_s2'], 'journey_sender may claim');
SELECT is(journey.ack(ARRAY(SELECT id FROM journey.claim('rl_chan', 5))), 1, 'journey_sender may ack (claim + ack)');
SELECT throws_ok($$SELECT journey.track('rl_u9', 'rl_go', '{}', now() + interval '10 years')$$, '42501', NULL,
	'journey_sender cannot track: 42501');
SELECT throws_ok($$SELECT journey.define('{"name": "rl_nope", "trigger": {"event": "x"}, "start": "d", "nodes": {"d": {"exit": "completed"}}}')$$,
	'42501', NULL, 'journey_sender cannot define: 42501');
SELECT throws_ok($$SELECT journey.enroll('rl_live', 'rl_u9')$$, '42501', NULL, 'journey_sender cannot enroll: 42501');
SELECT throws_ok($$SELECT journey.set_contact('rl_u9', 'email', 'x@example.com')$$, '42501', NULL,
	'journey_sender cannot set_contact: 42501');
SELECT throws_ok($$SELECT journey.run_due(now() + interval '20 years')$$, '42501', NULL,
	'journey_sender cannot run_due: 42501');
SELECT throws_ok($$SELECT * FROM journey.instance$$, '42501', NULL, 'journey_sender cannot read journey.instance: 42501');
RESET ROLE;
SET ROLE rl_sender_role;
SELECT throws_ok($$SELECT journey.fail(-1, 'x')$$, '22023', NULL,
	'journey_sender may call fail (its own check answers: unknown id 22023)');
RESET ROLE;

SELECT is((SELECT array_agg(user_id || ':' || status ORDER BY user_id) FROM journey.outbox WHERE journey = 'rl_send'),
	ARRAY['rl_s1:sent', 'rl_s2:claimed', 'rl_s3:suppressed'], 'the sender''s claims and ack reached the outbox');

-- The administrator.
SET ROLE rl_admin_role;
SELECT is(current_user::text, 'rl_admin_role', 'acting as the admin role');
SELECT is(journey.define($j${
	"name": "rl_admin_j",
	"trigger": {"event": "rl_admin_go"},
	"start": "d",
	"nodes": {"d": {"exit": "completed"}}
}$j$), 1, 'journey_admin may define');
SELECT is(journey.publish('rl_admin_j'), 1, 'journey_admin may publish');
SELECT lives_ok($$SELECT journey.pause('rl_admin_j')$$, 'journey_admin may pause');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'rl_live'), 3,
	'journey_admin may read journey.instances');
SELECT lives_ok($$SELECT journey.define('{"name": "rl_admin_j", "trigger": {"manual": true}, "start": "e",
	"nodes": {"e": {"exit": "done"}}}')$$, 'journey_admin defines a second version');
SELECT is((SELECT diff ->> 0 IS NOT NULL FROM journey.changes WHERE journey = 'rl_admin_j' AND action = 'define' AND version = 2), true,
	'journey_admin may read journey.changes with its definition diffs');
SELECT lives_ok($$SELECT * FROM journey.summary('rl_admin_j'), journey.node_stats('rl_admin_j'), journey.split_report('rl_admin_j'),
	journey.timeseries('rl_admin_j'), journey.user_history('rl_1')$$, 'journey_admin may read the measurement functions');
SELECT lives_ok($$SELECT journey.render('rl_admin_j')$$, 'journey_admin may render');
RESET ROLE;
SET ROLE rl_app_role;
SELECT throws_ok($$SELECT * FROM journey.summary('rl_admin_j')$$, '42501', NULL, 'the application role may not read summaries');
SELECT throws_ok($$SELECT * FROM journey.user_history('rl_1')$$, '42501', NULL, 'nor a user''s history');
RESET ROLE;

SELECT is((SELECT status || ':' || live_version FROM journey.journeys WHERE name = 'rl_admin_j'), 'paused:1',
	'the admin''s define, publish and pause took effect');

SELECT * FROM finish();
ROLLBACK;
