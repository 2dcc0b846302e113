-- Frequency caps, quiet hours, ignore_caps, critical topics and send rates (issue 14, SPEC §6): the functions'
-- checks, caps over several journeys (entries of one statement, a scheduler batch, rows written before the cap),
-- quiet hours across midnight and DST in the user's zone, a send rate's spacing. Everything is rolled back.
BEGIN;
SELECT plan(31);

-- The functions' checks.
SELECT throws_ok($$SELECT journey.set_frequency_cap('pigeon', 1, '1 day')$$, '42704', NULL, 'a cap on an unknown channel: 42704');
SELECT throws_ok($$SELECT journey.set_frequency_cap('email', 0, '1 day')$$, '22023', NULL, 'max_messages 0: 22023');
SELECT throws_ok($$SELECT journey.set_frequency_cap('email', 1, '0 seconds')$$, '22023', NULL, 'per 0: 22023');
SELECT throws_ok($$SELECT journey.set_frequency_cap('email', NULL, '1 day')$$, '22004', NULL, 'a null: 22004');
SELECT throws_ok($$SELECT journey.set_quiet_hours('sms', '22:00', '22:00')$$, '22023', NULL, 'quiet hours of no length: 22023');
SELECT throws_ok($$SELECT journey.set_quiet_hours('sms', '22:00', '08:00', 'later')$$, '22023', NULL, 'an unknown fallback: 22023');
SELECT throws_ok($$SELECT journey.clear_quiet_hours('pigeon')$$, '42704', NULL, 'clearing on an unknown channel: 42704');
SELECT lives_ok($$SELECT journey.clear_frequency_cap('email')$$, 'clearing a cap that is not there changes nothing');

\o /dev/null
SELECT journey.set_contact(u, c, u || '@' || c) FROM unnest(ARRAY['dr_1', 'dr_2', 'dr_3', 'dr_4']) u, unnest(ARRAY['email', 'sms']) c;
SELECT journey.add_topic('dr_security', critical => true);
-- A row written before the cap was set counts: dr_1 got one e-mail an hour ago.
SELECT journey.define('{"name": "dr_pre", "trigger": {"event": "dr_pre"}, "entry": {"max_event_age": "1000 days"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "email", "template": "pre"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('dr_1', 'dr_pre', '{}', '2026-05-04 09:00Z');
-- Three journeys that e-mail at once on the same event, one that waits first; then a plain one, a transactional
-- one and a critical one on another event.
SELECT journey.define(format('{"name": "dr_%s", "trigger": {"event": "%s"}, "entry": {"max_event_age": "1000 days"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "email", "template": "%s"%s}, "next": "d"}, "d": {"exit": "completed"}}}',
	j, e, j, extra)::jsonb, true)
  FROM (VALUES ('a', 'dr_go', ''), ('b', 'dr_go', ''), ('c', 'dr_go', ''), ('d', 'dr_go2', ''),
               ('otp', 'dr_go2', ', "ignore_caps": true'), ('alert', 'dr_go2', ', "topic": "dr_security"')) AS x(j, e, extra);
SELECT journey.define('{"name": "dr_later", "trigger": {"event": "dr_go"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait": "2 hours", "next": "s"}, "s": {"send": {"channel": "email", "template": "later"}, "next": "d"},
	          "d": {"exit": "completed"}}}', true);
SELECT journey.set_frequency_cap('email', 3, '1 day');
-- One statement's entries (the trigger on journey.events collects them and writes them together).
INSERT INTO journey.events (user_id, name, occurred_at) VALUES ('dr_1', 'dr_go', '2026-05-04 10:00Z'), ('dr_2', 'dr_go', '2026-05-04 10:00Z');
\o
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE user_id = 'dr_1' AND journey IN ('dr_a', 'dr_b', 'dr_c') AND status = 'pending'), 2,
	'dr_1 (one e-mail an hour ago, cap 3): of three journeys entered by one statement, two send');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE user_id = 'dr_2' AND journey IN ('dr_a', 'dr_b', 'dr_c') AND status = 'pending'), 3,
	'dr_2: all three');
SELECT is((SELECT DISTINCT last_error FROM journey.outbox WHERE user_id = 'dr_1' AND status = 'suppressed'),
	'frequency cap of 3 per 1 day on channel email reached', 'a suppressed send says which cap');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey IN ('dr_a', 'dr_b', 'dr_c') AND status = 'completed'), 6,
	'every journey goes on');
\o /dev/null
SELECT journey.track('dr_1', 'dr_go2', '{}', '2026-05-04 10:05Z');
\o
SELECT is((SELECT array_agg(journey || ' ' || status ORDER BY journey) FROM journey.outbox WHERE user_id = 'dr_1' AND journey IN ('dr_d', 'dr_otp', 'dr_alert')),
	ARRAY['dr_alert pending', 'dr_d suppressed', 'dr_otp pending'], 'at the cap: ignore_caps and a critical topic pass it');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE user_id = 'dr_1' AND status = 'pending' AND journey NOT IN ('dr_otp', 'dr_alert')), 3,
	'never more than three rows a day that are not suppressed, but for the transactional and the critical ones');
-- Two hours later the scheduler's batch sends dr_later: both users are at the cap by then.
SELECT is(journey.run_due('2026-05-04 12:00Z'), 2::bigint, 'run_due steps the two waiting instances');
SELECT is((SELECT array_agg(user_id || ' ' || status ORDER BY user_id) FROM journey.outbox WHERE journey = 'dr_later'),
	ARRAY['dr_1 suppressed', 'dr_2 suppressed'], 'a scheduler batch counts the table''s rows');

-- A scheduler batch counts its own rows not written yet: dr_3 waits in two journeys, the cap is 1.
\o /dev/null
SELECT journey.set_frequency_cap('email', 1, '1 hour');
SELECT journey.define('{"name": "dr_w1", "trigger": {"event": "dr_wait"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait": "1 hour", "next": "s"}, "s": {"send": {"channel": "email", "template": "w1"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "dr_w2", "trigger": {"event": "dr_wait"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait": "1 hour", "next": "s"}, "s": {"send": {"channel": "email", "template": "w2"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('dr_3', 'dr_wait', '{}', '2026-06-01 10:00Z');
SELECT journey.run_due('2026-06-01 11:00Z');
\o
SELECT is((SELECT array_agg(status ORDER BY status) FROM journey.outbox WHERE user_id = 'dr_3'),
	ARRAY['pending', 'suppressed'], 'two sends of one batch for one user, cap 1: one is written suppressed');
\o /dev/null
SELECT journey.track('dr_3', 'dr_wait', '{}', '2026-06-01 10:30Z');  -- already active in both: no entry
SELECT journey.clear_frequency_cap('email');
SELECT journey.track('dr_4', 'dr_wait', '{}', '2026-06-01 10:00Z');
SELECT journey.run_due('2026-06-01 11:00Z');
\o
SELECT is((SELECT array_agg(status) FROM journey.outbox WHERE user_id = 'dr_4'), ARRAY['pending', 'pending'],
	'clear_frequency_cap: both send');

-- Quiet hours in the user's zone: 22:00–08:00 on sms, deferring; Paris in summer is UTC+2, in winter UTC+1.
\o /dev/null
INSERT INTO journey.profiles (user_id, timezone) VALUES ('dr_1', 'Europe/Paris'), ('dr_2', 'America/New_York')
ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone;
SELECT journey.set_quiet_hours('sms', '22:00', '08:00');
SELECT journey.define('{"name": "dr_sms", "trigger": {"event": "dr_sms"}, "entry": {"max_event_age": "1000 days", "reentry": "always"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "sms", "template": "hi"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('dr_1', 'dr_sms', '{"n": 1}', '2026-07-01 21:30Z');	-- 23:30 in Paris
SELECT journey.track('dr_1', 'dr_sms', '{"n": 2}', '2026-07-02 01:00Z');	-- 03:00
SELECT journey.track('dr_1', 'dr_sms', '{"n": 3}', '2026-07-02 10:00Z');	-- 12:00
SELECT journey.track('dr_1', 'dr_sms', '{"n": 4}', '2026-03-28 22:00Z');	-- 23:00 the night the clocks go forward
SELECT journey.track('dr_1', 'dr_sms', '{"n": 5}', '2026-10-24 21:00Z');	-- 23:00 the night they go back
SELECT journey.track('dr_2', 'dr_sms', '{"n": 6}', '2026-07-02 01:00Z');	-- 21:00 in New York: not quiet
\o
SELECT is((SELECT array_agg(to_char(available_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') || ' ' || status ORDER BY created_at)
             FROM journey.outbox WHERE journey = 'dr_sms' AND user_id = 'dr_1'),
	ARRAY['03-29 06:00 pending', '07-02 06:00 pending', '07-02 06:00 pending', '07-02 10:00 pending', '10-25 07:00 pending'],
	'deferred to 08:00 in Paris: across midnight, before and after it, and across both DST changes');
SELECT is((SELECT available_at = created_at FROM journey.outbox WHERE journey = 'dr_sms' AND user_id = 'dr_2'), true,
	'21:00 in New York is not quiet');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'dr_sms' AND created_at = '2026-07-01 21:30Z'), 1,
	'a deferred row is created when the step ran');
\o /dev/null
SELECT journey.define('{"name": "dr_sms_later", "trigger": {"event": "dr_sms_later"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait": "1 hour", "next": "s"}, "s": {"send": {"channel": "sms", "template": "later"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track(u, 'dr_sms_later', '{}', '2026-07-01 20:30Z') FROM unnest(ARRAY['dr_1', 'dr_2']) u;
SELECT journey.run_due('2026-07-01 21:30Z');
\o
SELECT is((SELECT array_agg(user_id || ' ' || to_char(available_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') ORDER BY user_id)
             FROM journey.outbox WHERE journey = 'dr_sms_later'),
	ARRAY['dr_1 07-02 06:00', 'dr_2 07-01 21:30'], 'a scheduler batch reads its users'' zones: 23:30 in Paris waits, 17:30 in New York does not');
\o /dev/null
SELECT journey.set_quiet_hours('sms', '22:00', '08:00', 'drop');
SELECT journey.track('dr_1', 'dr_sms', '{"n": 7}', '2026-08-01 21:30Z');
SELECT journey.define('{"name": "dr_sms_alert", "trigger": {"event": "dr_sms"}, "entry": {"max_event_age": "1000 days", "reentry": "always"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "sms", "template": "alert", "topic": "dr_security"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('dr_1', 'dr_sms', '{"n": 8}', '2026-08-02 21:30Z');
\o
SELECT is((SELECT status || ': ' || last_error FROM journey.outbox WHERE journey = 'dr_sms' AND created_at = '2026-08-01 21:30Z'),
	'suppressed: quiet hours on channel sms', 'drop: suppressed, with the reason');
SELECT is((SELECT status || ' ' || (available_at = created_at) FROM journey.outbox WHERE journey = 'dr_sms_alert'),
	'pending true', 'a critical topic ignores quiet hours');
SELECT is((SELECT status FROM journey.outbox WHERE journey = 'dr_sms' AND created_at = '2026-08-02 21:30Z'),
	'suppressed', 'while the other journey''s send that night is dropped');
\o /dev/null
SELECT journey.clear_quiet_hours('sms');
SELECT journey.track('dr_1', 'dr_sms', '{"n": 9}', '2026-08-03 21:30Z');
\o
SELECT is((SELECT status || ' ' || (available_at = created_at) FROM journey.outbox WHERE journey = 'dr_sms' AND created_at = '2026-08-03 21:30Z'),
	'pending true', 'clear_quiet_hours');
SELECT is((SELECT array_agg(DISTINCT what) FROM journey.simulate(
	'{"name": "dr_sim", "trigger": {"event": "dr_go"}, "start": "s", "nodes": {"s": {"send": {"channel": "email", "template": "t"}, "next": "d"}, "d": {"exit": "completed"}}}',
	'dr_1', '[{"name": "dr_go", "at": "2026-09-01T10:00:00Z"}]', '2026-09-02 00:00Z') WHERE what IN ('sent', 'suppressed')),
	ARRAY['sent'], 'simulate applies the rules too (no cap now)');

-- A send rate: at most 2 of the journey's rows available a minute, the first at once (a sliding window, SPEC §10),
-- across statements; other journeys are not delayed.
\o /dev/null
SELECT journey.define('{"name": "dr_blast", "trigger": {"event": "dr_blast"}, "entry": {"max_event_age": "1000 days"},
	"send_rate": {"max": 2, "per": "1 minute"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "push", "template": "blast"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "dr_reset", "trigger": {"event": "dr_blast"}, "entry": {"max_event_age": "1000 days"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "push", "template": "reset"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.set_contact('dr_b' || i, 'push', 'token' || i) FROM generate_series(1, 5) i;
SELECT journey.track('dr_b' || i, 'dr_blast', '{}', '2026-09-01 10:00Z') FROM generate_series(1, 4) i;
SELECT journey.track('dr_b5', 'dr_blast', '{}', '2026-09-01 10:00:10Z');
\o
SELECT is((SELECT array_agg(to_char(available_at AT TIME ZONE 'UTC', 'HH24:MI:SS') ORDER BY available_at) FROM journey.outbox WHERE journey = 'dr_blast'),
	ARRAY['10:00:00', '10:00:00', '10:01:00', '10:01:00', '10:02:00'], 'two at once, two a minute later, the next statement''s after them');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'dr_reset' AND available_at = created_at), 5,
	'another journey''s rows are not delayed');
SELECT ok(EXISTS (SELECT 1 FROM journey.send_rate_slots WHERE journey = 'dr_blast' AND window_start = '2026-09-01 10:02Z' AND used = 1),
	'the journey''s current window is kept');
\o /dev/null
SELECT journey.track('dr_b1', 'dr_blast', '{}', '2026-09-01 11:00Z');
\o
SELECT is((SELECT to_char(max(available_at) AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM journey.outbox WHERE journey = 'dr_blast'), '11:00:00',
	'a row after the window opens a new one at its own time');

SELECT * FROM finish();
ROLLBACK;
