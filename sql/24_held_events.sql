-- Events held while a journey is paused (SPEC §2, §10): replayed on resume as of their own time, each
-- resuming only the branches that wait for it.
\pset null '(null)'
SET timezone = 'UTC';
-- Parallel branches waiting for different events: the event held for one branch resumes that branch only;
-- the other waits on with its own deadline.
SELECT journey.define($${
  "name": "fork",
  "trigger": {"event": "fork_go"},
  "start": "both",
  "nodes": {
    "both":   {"parallel": ["a", "b"]},
    "a":      {"wait_for": {"event": "upgraded"}, "timeout": "3 days", "on_event": "a_yes", "on_timeout": "a_no"},
    "a_yes":  {"send": {"channel": "in_app", "template": "a_yes"}, "next": "a_end"},
    "a_no":   {"send": {"channel": "in_app", "template": "a_no"}, "next": "a_end"},
    "a_end":  {"exit": "a"},
    "b":      {"wait_for": {"event": "surveyed"}, "timeout": "10 days", "on_event": "b_yes", "on_timeout": "b_no"},
    "b_yes":  {"send": {"channel": "in_app", "template": "b_yes"}, "next": "b_end"},
    "b_no":   {"send": {"channel": "in_app", "template": "b_no"}, "next": "b_end"},
    "b_end":  {"exit": "b"}
  }}$$, true);
SELECT journey.track('f1', 'fork_go', '{}', '2030-05-01 00:00+00') IS NOT NULL AS tracked;
SELECT journey.pause('fork');
SELECT journey.track('f1', 'upgraded', '{}', '2030-05-02 00:00+00') IS NOT NULL AS tracked;
SELECT journey.resume('fork');
SELECT journey.run_due('2030-05-05 00:00+00') AS steps_after_fork_resume;
SELECT template, created_at FROM journey.outbox WHERE journey = 'fork' ORDER BY created_at, template;
SELECT status, node, wake_at FROM journey.instances WHERE journey = 'fork';
SELECT journey.run_due('2030-05-20 00:00+00') AS steps_later;
SELECT template, created_at FROM journey.outbox WHERE journey = 'fork' ORDER BY created_at, template;
SELECT status, exit_reason, ended_at FROM journey.instances WHERE journey = 'fork';

