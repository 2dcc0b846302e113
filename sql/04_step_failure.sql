-- One failing instance among 100 in a single run_due: 99 advance, 1 is failed with a readable error,
-- and the batch commits.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "digest",
  "trigger": {"event": "subscribed"},
  "start": "later",
  "nodes": {
    "later": {"wait": "1 day", "next": "send"},
    "send":  {"send": {"channel": "in_app", "template": "digest"}, "next": "done"},
    "done":  {"exit": "completed"}
  }}$$, true);
SELECT count(journey.track('d' || i, 'subscribed', '{}', '2030-03-01 08:00+00')) FROM generate_series(1, 100) i;

-- The database refuses the outbox row of one user: that user's step fails.
ALTER TABLE journey.outbox ADD CONSTRAINT refuse_d42 CHECK (user_id <> 'd42');
SELECT journey.run_due('2030-03-02 08:00+00') AS steps;
ALTER TABLE journey.outbox DROP CONSTRAINT refuse_d42;

SELECT status, count(*) FROM journey.instances WHERE journey = 'digest' GROUP BY status ORDER BY status;
SELECT user_id, status, node, error FROM journey.instances WHERE journey = 'digest' AND status = 'failed';
SELECT count(*) AS sent FROM journey.outbox WHERE journey = 'digest';
SELECT count(*) AS for_d42 FROM journey.outbox WHERE user_id = 'd42';
-- A failed instance is not retried.
SELECT journey.run_due('2030-03-03 08:00+00') AS steps_again;
