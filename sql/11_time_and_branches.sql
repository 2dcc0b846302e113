-- Time zones (Postgres's own database, DST), split variants and parallel branches, stored and resumed
-- across run_due calls; the dry run of journey.simulate.
\pset null '(null)'
SET timezone = 'UTC';
INSERT INTO journey.profiles (user_id, attributes, timezone) VALUES
	('paris', '{"plan": "pro"}', 'Europe/Paris'), ('tokyo', '{}', 'Asia/Tokyo'), ('nozone', '{}', NULL);
SELECT journey.define($${
  "name": "office_hours",
  "trigger": {"event": "ticket"},
  "entry": {"reentry": "always"},
  "start": "open",
  "nodes": {
    "open":  {"window": {"from": "09:00", "to": "18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}, "next": "reply"},
    "reply": {"send": {"channel": "in_app", "template": "reply"}, "next": "done"},
    "done":  {"exit": "completed"}
  }}$$, true);
-- Saturday 2030-03-30 20:00 UTC. The next opening for Paris is Monday 09:00 local, after the spring-forward
-- of Sunday 31 March (UTC+2): 07:00 UTC; for Tokyo (UTC+9) Monday 09:00 local is 00:00 UTC; without a zone,
-- journey.default_timezone (UTC) applies.
SELECT journey.track(u, 'ticket', '{}', '2030-03-30 20:00+00') FROM unnest(ARRAY['paris', 'tokyo', 'nozone']) u;
SELECT user_id, node, wake_at FROM journey.instances WHERE journey = 'office_hours' ORDER BY user_id;
-- Inside the window the step goes on at once: Wednesday 2030-04-03 10:00 in Paris is 08:00 UTC.
SELECT journey.track('paris', 'ticket', '{}', '2030-04-03 08:00+00');
SELECT count(*) AS replied_at_once FROM journey.outbox WHERE journey = 'office_hours' AND created_at = '2030-04-03 08:00+00';

SELECT journey.define($${
  "name": "trial_end",
  "trigger": {"event": "trial"},
  "start": "until",
  "nodes": {
    "until": {"wait_until": {"at": "02:30", "day": "tomorrow"}, "next": "mail"},
    "mail":  {"send": {"channel": "in_app", "template": "trial"}, "next": "done"},
    "done":  {"exit": "completed"}
  }}$$, true);
-- "tomorrow 02:30" in Paris on the spring-forward day does not exist: it moves forward to 03:00 local (01:00 UTC).
SELECT journey.track('paris', 'trial', '{}', '2030-03-30 12:00+00');
SELECT user_id, node, wake_at FROM journey.instances WHERE journey = 'trial_end';

-- A split is deterministic per user and journey version; the label is recorded as the variant.
-- Parallel branches run at once; the instance ends when the last branch ends, with its reason.
SELECT journey.define($${
  "name": "ab",
  "trigger": {"event": "joined"},
  "start": "split",
  "nodes": {
    "split": {"split": [{"label": "A", "percent": 50, "next": "both"}, {"label": "B", "percent": 50, "next": null}]},
    "both":  {"parallel": ["fast", "slow"]},
    "fast":  {"send": {"channel": "in_app", "template": "fast"}, "next": "fast_end"},
    "fast_end": {"exit": "fast_done"},
    "slow":  {"wait": "1 day", "next": "slow_send"},
    "slow_send": {"send": {"channel": "in_app", "template": "slow"}, "next": "slow_end"},
    "slow_end": {"exit": "slow_done"}
  }}$$, true);
SELECT count(journey.track('ab' || i, 'joined', '{}', '2030-05-01 00:00+00')) FROM generate_series(1, 40) i;
SELECT variant, status, count(*) FROM journey.instances WHERE journey = 'ab' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE template = 'fast') AS fast_sent, count(*) FILTER (WHERE template = 'slow') AS slow_sent
  FROM journey.outbox WHERE journey = 'ab';
SELECT DISTINCT status, node FROM journey.instances WHERE journey = 'ab' AND variant = 'A';
SELECT journey.run_due('2030-05-02 00:00+00') > 0 AS stepped;
SELECT variant, status, exit_reason, count(*) FROM journey.instances WHERE journey = 'ab' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT count(*) FILTER (WHERE template = 'slow') = count(*) FILTER (WHERE template = 'fast') AS every_a_got_both
  FROM journey.outbox WHERE journey = 'ab';
-- Deterministic per user and version: the same users entering again get the same labels.
SELECT count(journey.track('ab' || i, 'joined', '{}', '2030-05-03 00:00+00')) FROM generate_series(1, 40) i;
SELECT count(*) AS users, count(*) FILTER (WHERE first.variant = again.variant) AS same_label
  FROM journey.instances first
  JOIN journey.instances again ON again.user_id = first.user_id AND again.journey = 'ab'
                              AND again.entered_at = '2030-05-03 00:00+00'
 WHERE first.journey = 'ab' AND first.entered_at = '2030-05-01 00:00+00';

-- simulate: a dry run over a list of events up to a time; it writes nothing.
SELECT count(*) AS outbox_before FROM journey.outbox \gset
SELECT at, node, what, detail FROM journey.simulate(
	(SELECT definition FROM journey.versions WHERE journey = 'office_hours'), 'paris',
	'[{"name": "ticket", "at": "2030-03-30T20:00:00Z"}]', '2030-04-02 00:00+00');
SELECT count(*) = :outbox_before AS nothing_written FROM journey.outbox;
DO $$
BEGIN
	PERFORM * FROM journey.simulate('{"name": "x"}', 'u', '[]', now());
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'invalid definition: %', SQLERRM;
END
$$;
DO $$
BEGIN
	PERFORM * FROM journey.simulate((SELECT definition FROM journey.versions WHERE journey = 'office_hours'), 'u',
	                                '[{"name": "ticket"}]', now());
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'invalid events: %', SQLERRM;
END
$$;
