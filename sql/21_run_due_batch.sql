-- run_due's batches: reads shared by the steps of one batch.

-- Counts of events in one batch of steps share one scan of journey.events; a step that calls a function
-- (which may insert events) makes the next count look again: here the late check sees the event the call
-- inserted in the same batch, the early one (before the call) did not.
CREATE SCHEMA rd_fn;
CREATE FUNCTION rd_fn.check_out(user_id text, context jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES (user_id, 'rd_checkout', '{}', '2030-06-01 00:30+00');
	SELECT '{}'::jsonb
$$;
SELECT journey.allow_function('rd_fn.check_out(text, jsonb)');
SELECT journey.define(format($${
  "name": "%s", "trigger": {"event": "rd_go"}, "start": "wait",
  "nodes": {"wait": {"wait": "%s", "next": "check"},
            "check": {"if": {"event": "rd_checkout", "since": "entry"}, "then": "seen", "else": "unseen"},
            "seen": {"send": {"channel": "in_app", "template": "seen"}, "next": "done"},
            "unseen": {"send": {"channel": "in_app", "template": "unseen"}, "next": "done"},
            "done": {"exit": "completed"}}}$$, j, w)::jsonb, true)
  FROM (VALUES ('rd_early', '59 minutes'), ('rd_late', '61 minutes')) v(j, w);
SELECT journey.define($${
  "name": "rd_caller", "trigger": {"event": "rd_go"}, "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "buy"}, "buy": {"call": "check_out", "into": "r", "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
SELECT count(journey.track('rd_u', 'rd_go', '{}', '2030-06-01 00:00+00'));
-- One batch (the default batch size), in wake-up order: rd_early, rd_caller, rd_late.
SELECT journey.run_due('2030-06-01 02:00+00') AS steps;
SELECT journey, template FROM journey.outbox WHERE user_id = 'rd_u' ORDER BY journey;

-- The shared scan counts as the single reads do, over many users in one batch: users 3, 6, … have a
-- checkout since entry (and others before it and after the step); users 1, 4, … one of another name;
-- users 2, 5, … only before entry and after the step. Only the first see one.
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'rd_m' || g, 'rd_checkout', '{}', t
  FROM generate_series(1, 30) g,
       LATERAL (VALUES (timestamptz '2030-06-02 00:30+00'), ('2030-06-01 23:00+00'), ('2030-06-02 05:00+00')) v(t)
 WHERE g % 3 = 0 OR (g % 3 = 2 AND t <> '2030-06-02 00:30+00');
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'rd_m' || g, 'rd_checkout_other', '{}', '2030-06-02 00:30+00' FROM generate_series(1, 30) g WHERE g % 3 = 1;
SELECT count(journey.track('rd_m' || g, 'rd_go', '{}', '2030-06-02 00:00+00')) FROM generate_series(1, 30) g;
SELECT journey.run_due('2030-06-02 02:00+00') AS steps;
SELECT o.journey, o.template, count(*), string_agg(DISTINCT (substr(o.user_id, 5)::int % 3)::text, ',') AS user_mod_3
  FROM journey.outbox o WHERE o.user_id LIKE 'rd\_m%' GROUP BY 1, 2 ORDER BY 1, 2;

SELECT journey.archive(j) FROM unnest(ARRAY['rd_early', 'rd_late', 'rd_caller']) j;
SELECT journey.disallow_function('rd_fn.check_out(text, jsonb)');
DROP SCHEMA rd_fn CASCADE;
