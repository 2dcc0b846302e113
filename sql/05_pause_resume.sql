-- While paused a journey takes no entries and runs no steps; a wait_for event that arrives meanwhile is
-- remembered, and the user takes on_event when the journey resumes.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "trial",
  "trigger": {"event": "trial_started"},
  "start": "await",
  "nodes": {
    "await":   {"wait_for": {"event": "upgraded"}, "timeout": "14 days", "on_event": "welcome", "on_timeout": "expire"},
    "welcome": {"send": {"channel": "in_app", "template": "welcome_pro"}, "next": "done"},
    "expire":  {"send": {"channel": "in_app", "template": "trial_over"}, "next": "done"},
    "done":    {"exit": "completed"}
  }}$$, true);
SELECT journey.track(u, 'trial_started', '{}', '2030-04-01 00:00+00') FROM unnest(ARRAY['t1', 't2']) u;

SELECT journey.pause('trial');
SELECT status FROM journey.journeys WHERE name = 'trial';
-- No entries while paused.
SELECT journey.track('t3', 'trial_started', '{}', '2030-04-01 00:00+00');
SELECT journey.enroll('trial', 't3', '{}', '2030-04-01 00:00+00');
-- t1 upgrades while paused: remembered, not taken.
SELECT journey.track('t1', 'upgraded', '{}', '2030-04-03 00:00+00');
SELECT user_id, status, node FROM journey.instances WHERE journey = 'trial' ORDER BY user_id;
-- No steps while paused, even past the timeout.
SELECT journey.run_due('2030-04-20 00:00+00') AS steps_while_paused;
SELECT count(*) AS sent_while_paused FROM journey.outbox WHERE journey = 'trial';

-- Resume: held steps run on the next run: t1 takes on_event as of its held event's time (SPEC §2), t2 the
-- timeout, late.
SELECT journey.resume('trial');
SELECT journey.run_due('2030-04-20 00:00+00') AS steps_after_resume;
SELECT user_id, template, created_at FROM journey.outbox WHERE journey = 'trial' ORDER BY user_id;
SELECT user_id, status, ended_at FROM journey.instances WHERE journey = 'trial' ORDER BY user_id;

-- Status changes that do not apply are refused with 55000; an unknown journey with 42704.
DO $$
BEGIN
	PERFORM journey.resume('trial');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	RAISE NOTICE 'resume of a live journey: %', SQLERRM;
END
$$;
DO $$
BEGIN
	PERFORM journey.pause('nope');
EXCEPTION WHEN undefined_object THEN
	RAISE NOTICE 'pause of an unknown journey: %', SQLERRM;
END
$$;
SELECT action, journey, version FROM journey.changes WHERE journey = 'trial' ORDER BY at, action;
