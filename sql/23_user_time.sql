-- SPEC §2: durations follow PostgreSQL's interval arithmetic in the user's time zone. A wait of "1 day"
-- keeps the local time across a DST change (23 or 25 hours then); "24 hours" is exact. A timestamp
-- (without time zone) time column is read in journey.default_timezone (UTC here), whatever the session's.
SELECT journey.define($${"name": "ut_day", "trigger": {"event": "ut_day_go"},
  "entry": {"max_event_age": "99 years", "reentry": "always"}, "start": "w",
  "nodes": {"w": {"wait": "1 day", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${"name": "ut_hours", "trigger": {"event": "ut_hours_go"},
  "entry": {"max_event_age": "99 years", "reentry": "always"}, "start": "w",
  "nodes": {"w": {"wait": "24 hours", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${"name": "ut_timeout", "trigger": {"event": "ut_timeout_go"},
  "entry": {"max_event_age": "99 years", "reentry": "always"}, "start": "w",
  "nodes": {"w": {"wait_for": {"event": "never"}, "timeout": "1 day", "on_event": "done", "on_timeout": "done"},
            "done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.profiles (user_id, timezone) VALUES ('ut_paris', 'Europe/Paris'), ('ut_ny', 'America/New_York');
SET timezone = 'UTC';
-- 09:00 local the day before each change (Paris: 2026-03-29 and 2026-10-25; New York: 2026-03-08, 2026-11-01).
SELECT count(journey.track(u, n, '{}', t::timestamptz)) AS tracked FROM (SELECT * 
  FROM (VALUES ('ut_paris', '2026-03-28 09:00 Europe/Paris'), ('ut_paris', '2026-10-24 09:00 Europe/Paris'),
               ('ut_ny', '2026-03-07 09:00 America/New_York'), ('ut_ny', '2026-10-31 09:00 America/New_York'),
               ('ut_nobody', '2026-03-28 09:00 UTC')) AS v(u, t),
       unnest(ARRAY['ut_day_go', 'ut_hours_go', 'ut_timeout_go']) AS n
 ORDER BY u, t, n) s;
SELECT journey, user_id, entered_at, wake_at, wake_at - entered_at AS waits,
       to_char(wake_at AT TIME ZONE coalesce(p.timezone, 'UTC'), 'YYYY-MM-DD HH24:MI') AS local_wake
  FROM journey.instances i LEFT JOIN journey.profiles p USING (user_id)
 WHERE journey LIKE 'ut\_%'
 ORDER BY journey, user_id, entered_at;

-- A timestamp (without time zone) column: the same row is the same instant whatever the inserting session's
-- TimeZone.
CREATE TABLE public.ut_visits (user_id text NOT NULL, at timestamp NOT NULL);
SELECT journey.track_events('public.ut_visits', 'user_id', event_name => 'ut_visit', time_column => 'at');
SELECT journey.define($${"name": "ut_visit", "trigger": {"event": "ut_visit"},
  "entry": {"max_event_age": "99 years", "reentry": "always"}, "start": "done",
  "nodes": {"done": {"exit": "completed"}}}$$, true);
SET timezone = 'Asia/Tokyo';
INSERT INTO public.ut_visits VALUES ('tokyo_session', '2026-06-01 12:00');
SET timezone = 'America/Los_Angeles';
INSERT INTO public.ut_visits VALUES ('la_session', '2026-06-01 12:00');
SET timezone = 'UTC';
SELECT user_id, entered_at FROM journey.instances WHERE journey = 'ut_visit' ORDER BY user_id;
SELECT journey.untrack_events('public.ut_visits');
DROP TABLE public.ut_visits;
