-- Playbooks on segments (issue 13): inactivity scoring (examples/inactivity_scoring.json), cold-user
-- reactivation (examples/cold_reactivation.json) and free to paid (examples/free_to_paid.json), on the
-- application's own tables. Segment queries read a one-row "today" table, so that the test's clock is chosen.
\pset null '(null)'
SET timezone = 'UTC';
CREATE SCHEMA saas;
CREATE TABLE saas.today (t timestamptz NOT NULL);
INSERT INTO saas.today VALUES ('2030-10-01 00:00+00');
CREATE TABLE saas.users (
	id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL, trial_ends timestamptz,
	last_active_at timestamptz NOT NULL, lead_score int NOT NULL DEFAULT 100);
CREATE TABLE saas.events (user_id int NOT NULL, name text NOT NULL, at timestamptz NOT NULL);
CREATE INDEX ON saas.events (user_id, name, at);
INSERT INTO saas.users (id, name, plan, trial_ends, last_active_at) VALUES
	(1, 'ann', 'paid', NULL, '2030-09-28 10:00+00'),
	(2, 'bob', 'paid', NULL, '2030-08-27 10:00+00'),	  -- 35 days inactive
	(3, 'cyd', 'paid', NULL, '2030-07-28 10:00+00'),	  -- 65
	(4, 'dan', 'paid', NULL, '2030-06-28 10:00+00'),	  -- 95
	(5, 'eve', 'free', '2030-10-05 00:00+00', '2030-09-30 10:00+00'),
	(6, 'fay', 'free', '2030-11-30 00:00+00', '2030-09-30 10:00+00');
SELECT journey.track_profiles('saas.users', 'id');
SELECT journey.track_events('saas.events', 'user_id', name_column => 'name', time_column => 'at');
SELECT journey.set_contact('2', 'web_push', 'endpoint-bob'), journey.set_contact('3', 'email', 'cyd@example.com'),
       journey.set_contact('5', 'email', 'eve@example.com');

SELECT journey.define_segment('inactive_' || d,
	format('SELECT u.id FROM saas.users u, saas.today WHERE u.last_active_at <= today.t - interval %L', d || ' days'))
  FROM unnest(ARRAY[30, 60, 90]) d;
SELECT journey.define_segment('trial_ending', $$SELECT u.id FROM saas.users u, saas.today
	WHERE u.plan = 'free' AND u.trial_ends > today.t AND u.trial_ends <= today.t + interval '7 days'$$);
SELECT name, static, members, last_refresh FROM journey.segments ORDER BY name;

-- 1. Inactivity scoring and cold-user reactivation: the first refreshes.
\set scoring `cat examples/inactivity_scoring.json`
\set cold `cat examples/cold_reactivation.json`
SELECT journey.define(:'scoring'::jsonb, true), journey.define(:'cold'::jsonb, true);
SELECT s AS segment, r.* FROM unnest(ARRAY['inactive_30', 'inactive_60', 'inactive_90']) s,
       LATERAL journey.refresh_segment(s, '2030-10-01 00:00+00') r;
SELECT id, name, lead_score FROM saas.users ORDER BY id;
SELECT user_id, channel, template, status, payload -> 'data' AS data, last_error
  FROM journey.outbox WHERE journey = 'cold_reactivation' ORDER BY user_id;
-- bob logs in the next day: welcomed back, converted; the others stay cold after 2 days.
INSERT INTO saas.events VALUES (2, 'login', '2030-10-02 10:00+00');
SELECT journey.run_due('2030-10-03 01:00+00') AS steps;
SELECT user_id, status, exit_reason, ended_at FROM journey.instances WHERE journey = 'cold_reactivation' ORDER BY user_id;
SELECT user_id, template FROM journey.outbox WHERE journey = 'cold_reactivation' AND template = 'welcome_back';
SELECT journey, user_id, converted_at FROM journey.conversions WHERE journey = 'cold_reactivation';

-- 2. bob is active again: he leaves the segment; a month later he is inactive again and re-enters, losing
--    50 points once more, and the reactivation starts again (reentry after_exit). By then ann, eve and fay
--    have been inactive for 30 days too: they enter for the first time.
UPDATE saas.users SET last_active_at = '2030-10-02 10:00+00' WHERE id = 2;
SELECT * FROM journey.refresh_segment('inactive_30', '2030-10-03 00:00+00');
SELECT name, members, entered, exited, pending_changes FROM journey.segments
 WHERE name = 'inactive_30';
UPDATE saas.today SET t = '2030-11-05 00:00+00';
SELECT * FROM journey.refresh_segment('inactive_30', '2030-11-05 00:00+00');
SELECT id, name, lead_score FROM saas.users WHERE id = 2;
SELECT user_id, count(*) AS instances FROM journey.instances WHERE journey = 'cold_reactivation' GROUP BY 1 ORDER BY 1;
SELECT user_id, name, occurred_at FROM journey.events WHERE user_id = '2' ORDER BY occurred_at, name;

-- 3. Free to paid. Without pg_cron in this database, publishing a scheduled journey is refused (55000);
--    here the journey is manual and enroll_segment runs as its pg_cron job would, on Monday at 09:00.
UPDATE saas.today SET t = '2030-09-30 09:00+00';
\set ftp `cat examples/free_to_paid.json`
\set VERBOSITY terse
SELECT journey.define(:'ftp'::jsonb, true);
\set VERBOSITY default
SELECT journey.define(jsonb_set(:'ftp'::jsonb, '{trigger}', '{"manual": true}'), true);
SELECT * FROM journey.refresh_segment('trial_ending', '2030-09-30 09:00+00');
SELECT journey.enroll_segment('free_to_paid', 'trial_ending', '2030-09-30 09:00+00') AS entered;
SELECT journey.run_due('2030-10-02 09:00+00') AS steps;
INSERT INTO saas.events VALUES (5, 'upgraded', '2030-10-03 12:00+00');
UPDATE saas.users SET plan = 'paid' WHERE id = 5;
SELECT user_id, status, exit_reason FROM journey.instances WHERE journey = 'free_to_paid';
SELECT user_id, template, payload -> 'data' AS data FROM journey.outbox WHERE journey = 'free_to_paid' ORDER BY id;
SELECT journey, user_id, converted_at FROM journey.conversions WHERE journey = 'free_to_paid';
-- The next Monday: eve is no longer in the segment, and reentry never would refuse her anyway.
UPDATE saas.today SET t = '2030-10-07 09:00+00';
SELECT * FROM journey.refresh_segment('trial_ending', '2030-10-07 09:00+00');
SELECT journey.enroll_segment('free_to_paid', 'trial_ending', '2030-10-07 09:00+00') AS entered;

-- 4. A segment in use is not dropped.
\set VERBOSITY terse
SELECT journey.drop_segment('inactive_30');
\set VERBOSITY default
SELECT journey.archive(j) FROM unnest(ARRAY['inactivity_scoring', 'cold_reactivation', 'free_to_paid']) j;
SELECT journey.drop_segment(s) FROM unnest(ARRAY['inactive_30', 'inactive_60', 'inactive_90', 'trial_ending']) s;
SELECT count(*) AS segments FROM journey.segments;
SELECT journey.untrack_events('saas.events');
SELECT journey.untrack_profiles();
