-- Versions: define adds versions; publish with in_flight keep / migrate / exit.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "onboard",
  "trigger": {"event": "registered"},
  "start": "day1",
  "nodes": {
    "day1": {"wait": "1 day", "next": "tip1"},
    "tip1": {"send": {"channel": "in_app", "template": "tip1"}, "next": "day3"},
    "day3": {"wait": "2 days", "next": "tip2"},
    "tip2": {"send": {"channel": "in_app", "template": "tip2"}, "next": "done"},
    "done": {"exit": "completed"}
  }}$$, true);
-- v1 users: m1 waits at day1, m2 has moved on to day3.
SELECT journey.track('m1', 'registered', '{}', '2030-10-02 00:00+00'), journey.track('m2', 'registered', '{}', '2030-10-01 00:00+00');
SELECT journey.run_due('2030-10-02 00:00+00') AS steps;
SELECT user_id, version, node, wake_at FROM journey.instances WHERE journey = 'onboard' ORDER BY user_id;

-- v2 renames day3 to day4 (and adds a node). keep: users finish on their version; new entries run v2.
SELECT journey.define($${
  "name": "onboard",
  "trigger": {"event": "registered"},
  "start": "day1",
  "nodes": {
    "day1": {"wait": "1 day", "next": "tip1"},
    "tip1": {"send": {"channel": "in_app", "template": "tip1_v2"}, "next": "day4"},
    "day4": {"wait": "3 days", "next": "tip2"},
    "tip2": {"send": {"channel": "in_app", "template": "tip2"}, "next": "done"},
    "done": {"exit": "completed"}
  }}$$);
SELECT journey.publish('onboard', 2, 'keep');
SELECT user_id, version, node FROM journey.instances WHERE journey = 'onboard' ORDER BY user_id;

-- migrate: m1 (at day1, which v2 has) moves to v2 keeping its deadline; m2 (at day3, gone) exits.
SELECT journey.publish('onboard', 2, 'migrate');
SELECT user_id, version, status, node, wake_at, exit_reason FROM journey.instances WHERE journey = 'onboard' ORDER BY user_id;
SELECT journey.run_due('2030-10-03 00:00+00') AS steps;
SELECT user_id, template FROM journey.outbox WHERE journey = 'onboard' ORDER BY user_id, id;
SELECT action, version, detail FROM journey.changes WHERE journey = 'onboard' ORDER BY at, action;
