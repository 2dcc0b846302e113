-- run_due(as_of, max_steps): a step is one instance moved from one wait to its next wait or its end.
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "drip",
  "trigger": {"event": "joined"},
  "start": "d1",
  "nodes": {
    "d1": {"wait": "1 day", "next": "m1"},
    "m1": {"send": {"channel": "in_app", "template": "day1"}, "next": "d2"},
    "d2": {"wait": "1 day", "next": "m2"},
    "m2": {"send": {"channel": "in_app", "template": "day2"}, "next": "done"},
    "done": {"exit": "completed"}
  }}$$, true);
SELECT count(journey.track('r' || i, 'joined', '{}', '2030-05-01 00:00+00')) FROM generate_series(1, 10) i;
-- max_steps caps the work of one call, oldest due first.
SELECT journey.run_due('2030-05-02 00:00+00', 4) AS steps;
SELECT count(*) FILTER (WHERE node = 'd2') AS moved, count(*) FILTER (WHERE node = 'd1') AS still_due
  FROM journey.instances WHERE journey = 'drip';
SELECT journey.run_due('2030-05-02 00:00+00', 0) AS steps_with_zero;
-- A wait started by run_due ends relative to its as_of: the six stepped later wake later.
SELECT journey.run_due('2030-05-02 06:00+00') AS rest;
SELECT wake_at, count(*) FROM journey.instances WHERE journey = 'drip' GROUP BY 1 ORDER BY 1;
-- One call advances every instance that is due, however many batches that takes.
SET journey.batch_size = 3;
SELECT journey.run_due('2030-05-03 06:00+00') AS all_due;
SELECT status, count(*) FROM journey.instances WHERE journey = 'drip' GROUP BY 1;
RESET journey.batch_size;
SELECT template, count(*) FROM journey.outbox WHERE journey = 'drip' GROUP BY 1 ORDER BY 1;
DO $$
BEGIN
	PERFORM journey.run_due(now(), -1);
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'negative max_steps: %', SQLERRM;
END
$$;
