-- entry.throttle caps how many users may enter per period of the real clock (the transaction's start);
-- the rest are refused and counted. Events dated in the future or the past count in the period they arrive
-- in (they never move the window); an entry whose transaction or subtransaction aborts gives its place back.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "flash_sale",
  "trigger": {"event": "visited"},
  "entry": {"throttle": {"max": 3, "per": "1 hour"}, "max_event_age": "99 years"},
  "start": "offer",
  "nodes": {"offer": {"send": {"channel": "in_app", "template": "sale"}, "next": "done"}, "done": {"exit": "completed"}}}$$, true);
-- Five events in one statement, dated in the future: three enter, in the current hour.
SELECT count(journey.track('fs' || i, 'visited', '{}', timestamptz '2030-12-01 10:00+00' + i * interval '1 minute'))
  FROM generate_series(1, 5) i;
SELECT count(*) AS entered FROM journey.instances WHERE journey = 'flash_sale';
SELECT journey, window_start = date_trunc('hour', now()) AS this_hour, entered, refused FROM journey.throttle_stats();
-- An event dated decades ahead, or years ago, is counted in the current hour too: refused.
SELECT journey.track('fs8', 'visited', '{}', '2090-01-01 00:00+00') IS NOT NULL AS tracked;
SELECT journey.track('fs9', 'visited', '{}', '2001-01-01 00:00+00') IS NOT NULL AS tracked;
SELECT journey, window_start = date_trunc('hour', now()) AS this_hour, entered, refused FROM journey.throttle_stats();
-- enroll is throttled too, and says why.
SELECT journey.enroll('flash_sale', 'fs10', '{}', '2030-12-01 10:30+00');

-- An entry whose transaction aborts, or whose subtransaction rolls back, gives its place back.
SELECT journey.define($${
  "name": "one_a_day",
  "trigger": {"event": "asked"},
  "entry": {"throttle": {"max": 1, "per": "1 day"}},
  "start": "done",
  "nodes": {"done": {"exit": "completed"}}}$$, true);
BEGIN;
SELECT journey.track('od1', 'asked') IS NOT NULL AS tracked;
ROLLBACK;
BEGIN;
SAVEPOINT before;
SELECT journey.track('od2', 'asked') IS NOT NULL AS tracked;
ROLLBACK TO SAVEPOINT before;
SELECT journey.track('od3', 'asked') IS NOT NULL AS tracked;
COMMIT;
SELECT journey.track('od4', 'asked') IS NOT NULL AS tracked;
SELECT user_id FROM journey.instances WHERE journey = 'one_a_day' ORDER BY user_id;
SELECT journey, entered, refused FROM journey.throttle_stats() WHERE journey = 'one_a_day';

-- The next period starts afresh.
SELECT journey.define($${
  "name": "blink",
  "trigger": {"event": "blinked"},
  "entry": {"throttle": {"max": 1, "per": "2 seconds"}, "reentry": "always"},
  "start": "done",
  "nodes": {"done": {"exit": "completed"}}}$$, true);
BEGIN;
SELECT count(journey.track('bl' || i, 'blinked')) FROM generate_series(1, 2) i;
COMMIT;
SELECT pg_sleep(2.1);
SELECT journey.track('bl3', 'blinked') IS NOT NULL AS tracked;
SELECT user_id FROM journey.instances WHERE journey = 'blink' ORDER BY user_id;
