-- One statement enrolling many users into journeys whose entry rules read past entries (cooldown, never)
-- takes a row lock per user, never an entry of the shared lock table (which a bulk insert would exhaust).
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "bulk_cooldown",
  "trigger": {"event": "bulk_add"},
  "entry": {"reentry": "after_exit", "cooldown": "1 day"},
  "start": "wait",
  "nodes": {"wait": {"wait": "2 hours", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${
  "name": "bulk_never",
  "trigger": {"event": "bulk_add"},
  "entry": {"reentry": "never"},
  "start": "done",
  "nodes": {"done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'bulk' || i, 'bulk_add', '{}', '2031-01-01 00:00+00' FROM generate_series(1, 20000) i;
SELECT journey, status, count(*) FROM journey.instances WHERE journey LIKE 'bulk\_%' GROUP BY 1, 2 ORDER BY 1, 2;
-- The same users again: cooldown and never refuse every one of them.
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'bulk' || i, 'bulk_add', '{}', '2031-01-01 03:00+00' FROM generate_series(1, 20000) i;
SELECT journey, count(*) FROM journey.instances WHERE journey LIKE 'bulk\_%' GROUP BY 1 ORDER BY 1;
SELECT journey, sum(entries) AS entries, max(last_entered_at) AS last FROM journey.entries
 WHERE journey LIKE 'bulk\_%' GROUP BY 1 ORDER BY 1;
SELECT journey.archive('bulk_cooldown'), journey.archive('bulk_never');
