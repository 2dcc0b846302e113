-- wait_for: resumed by the user's event inside the inserting transaction, or by the timeout in run_due.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "welcome",
  "trigger": {"event": "signed_up"},
  "start": "await",
  "nodes": {
    "await":   {"wait_for": {"event": "profile_completed", "where": {"prop": "complete", "op": "=", "value": true}},
                "timeout": "3 days", "on_event": "thanks", "on_timeout": "nudge"},
    "thanks":  {"send": {"channel": "in_app", "template": "thanks"}, "next": "done"},
    "nudge":   {"send": {"channel": "in_app", "template": "nudge"}, "next": "done"},
    "done":    {"exit": "completed"}
  }}$$, true);

SELECT journey.track(u, 'signed_up', '{}', '2030-02-01 09:00+00') FROM unnest(ARRAY['w1', 'w2', 'w3']) u;
SELECT user_id, node, wake_at FROM journey.instances WHERE journey = 'welcome' ORDER BY user_id;

BEGIN;
-- w1 completes the profile: resumed in this very transaction, before any run_due.
SELECT journey.track('w1', 'profile_completed', '{"complete": true}', '2030-02-02 09:00+00');
SELECT user_id, status, node FROM journey.instances WHERE user_id = 'w1';
SELECT user_id, template, created_at FROM journey.outbox WHERE user_id = 'w1';
COMMIT;

-- w2's event does not match the where: still waiting.
SELECT journey.track('w2', 'profile_completed', '{"complete": false}', '2030-02-02 09:00+00');
-- w3's matching event comes after the deadline: it does not count.
SELECT journey.track('w3', 'profile_completed', '{"complete": true}', '2030-02-04 09:00:01+00');
SELECT user_id, status, node FROM journey.instances WHERE journey = 'welcome' ORDER BY user_id;

-- The timeout is taken by run_due at the deadline: w2 and w3 get the nudge. (The one step before the
-- deadline is u2's second cart instance of 02_cart, due on 2030-01-02.)
SELECT journey.run_due('2030-02-04 08:59:59+00');
SELECT user_id, status FROM journey.instances WHERE status = 'active' ORDER BY user_id;
SELECT journey.run_due('2030-02-04 09:00+00');
SELECT user_id, template, created_at FROM journey.outbox WHERE journey = 'welcome' ORDER BY user_id;
SELECT user_id, status, exit_reason FROM journey.instances WHERE journey = 'welcome' ORDER BY user_id;
