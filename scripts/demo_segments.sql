-- make demo, part 3: segments on the media site's users table (part 2 made it the profile table). Variables:
-- :scoring, :cold, :ftp (examples/inactivity_scoring.json, cold_reactivation.json, free_to_paid.json).
SET client_min_messages = warning;
ALTER TABLE media.users ADD COLUMN last_active_at timestamptz, ADD COLUMN plan text, ADD COLUMN trial_ends timestamptz;
UPDATE media.users SET last_active_at = now() - (substr(id, 5)::int % 100) * interval '1 day',
                       plan = CASE WHEN substr(id, 5)::int % 4 = 0 THEN 'free' ELSE 'paid' END,
                       trial_ends = now() + (substr(id, 5)::int % 14) * interval '1 day';
SELECT journey.define_segment('inactive_' || d,
	format('SELECT id FROM media.users WHERE last_active_at <= now() - interval %L', d || ' days'))
  FROM unnest(ARRAY[30, 60, 90]) d;
SELECT journey.define_segment('trial_ending', $$SELECT id FROM media.users
	WHERE plan = 'free' AND trial_ends > now() AND trial_ends <= now() + interval '7 days'$$);
SELECT journey.define(:'scoring'::jsonb, publish => true) AS scoring_version,
       journey.define(jsonb_set(:'cold'::jsonb, '{nodes,login,timeout}', '"4 seconds"'), publish => true) AS cold_version,
       journey.define(jsonb_set(jsonb_set(:'ftp'::jsonb, '{nodes,wait_1,wait}', '"2 seconds"'), '{nodes,wait_2,wait}', '"2 seconds"'),
                      publish => true) AS free_to_paid_version;
-- Refresh the segments now (schedule_segment would do it from pg_cron), and enroll the trial segment as the
-- free_to_paid journey's own pg_cron job will every Monday at 09:00.
SELECT s AS segment, r.entered, r.exited FROM unnest(ARRAY['inactive_30', 'inactive_60', 'inactive_90', 'trial_ending']) s,
       LATERAL journey.refresh_segment(s) r;
SELECT journey.schedule_segment('inactive_30', '0 * * * *') AS hourly_refresh_job;
SELECT journey.enroll_segment('free_to_paid', 'trial_ending') AS free_to_paid_entered;
-- Some cold users come back within the 4 seconds of cold_reactivation's wait.
SELECT count(journey.track(id, 'login')) AS logins FROM media.users WHERE substr(id, 5)::int % 100 BETWEEN 30 AND 40;
