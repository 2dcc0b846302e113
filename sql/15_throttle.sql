-- entry.throttle caps how many users may enter per period; the rest are refused and counted.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "flash_sale",
  "trigger": {"event": "visited"},
  "entry": {"throttle": {"max": 3, "per": "1 hour"}},
  "start": "offer",
  "nodes": {"offer": {"send": {"channel": "in_app", "template": "sale"}, "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT count(journey.track('fs' || i, 'visited', '{}', timestamptz '2030-12-01 10:00+00' + i * interval '1 minute'))
  FROM generate_series(1, 5) i;
SELECT count(*) AS entered FROM journey.instances WHERE journey = 'flash_sale';
SELECT journey, window_start, entered, refused FROM journey.throttle_stats();
-- enroll is throttled too, and says why.
SELECT journey.enroll('flash_sale', 'fs9', '{}', '2030-12-01 10:30+00');
-- The next period starts afresh.
SELECT count(journey.track('fs' || i, 'visited', '{}', '2030-12-01 11:05+00')) FROM generate_series(6, 7) i;
SELECT count(*) AS entered FROM journey.instances WHERE journey = 'flash_sale';
SELECT journey, window_start, entered, refused FROM journey.throttle_stats();
