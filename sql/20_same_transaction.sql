-- A step reads the stores as an SQL statement at that point of the transaction would: what the same
-- transaction wrote before counts (events counted and contacts read straight from their indexes, and the
-- contacts a run_due batch reads at its start).
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "tx_cart",
  "trigger": {"event": "tx_add"},
  "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "check"},
            "check": {"if": {"event": "tx_buy", "since": "entry"}, "then": "done", "else": "reach"},
            "reach": {"if": {"reachable": "email"}, "then": "mail", "else": "done"},
            "mail": {"send": {"channel": "email", "template": "tx_mail"}, "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
BEGIN;
SELECT count(journey.track(u, 'tx_add', '{}', '2031-04-01 10:00+00')) FROM unnest(ARRAY['tx_u1', 'tx_u2', 'tx_u3']) u;
-- u1 buys, u2 gets an address, u3 has neither: all written in this transaction, before the steps.
SELECT journey.track('tx_u1', 'tx_buy', '{}', '2031-04-01 10:30+00') IS NOT NULL AS bought;
SELECT journey.set_contact('tx_u2', 'email', 'u2@example.com');
SELECT journey.run_due('2031-04-01 11:00+00') AS steps;
SELECT user_id, channel, status, payload->>'to' AS "to" FROM journey.outbox WHERE journey = 'tx_cart' ORDER BY 1;
SELECT user_id, status, node FROM journey.instances WHERE journey = 'tx_cart' ORDER BY 1;
COMMIT;
-- The same read by a step that an event resumes (the trigger path): a contact set just before the event.
SELECT journey.define($${
  "name": "tx_wait",
  "trigger": {"event": "tx_start"},
  "start": "w",
  "nodes": {"w": {"wait_for": {"event": "tx_go"}, "timeout": "1 day", "on_event": "reach", "on_timeout": "done"},
            "reach": {"if": {"reachable": "sms"}, "then": "text", "else": "done"},
            "text": {"send": {"channel": "sms", "template": "tx_text"}, "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
BEGIN;
SELECT journey.track('tx_u4', 'tx_start', '{}', '2031-04-02 10:00+00') IS NOT NULL AS started;
SELECT journey.set_contact('tx_u4', 'sms', '+15550100');
SELECT journey.track('tx_u4', 'tx_go', '{}', '2031-04-02 10:05+00') IS NOT NULL AS went;
SELECT user_id, channel, status, payload->>'to' AS "to" FROM journey.outbox WHERE journey = 'tx_wait';
COMMIT;
SELECT journey.archive('tx_cart'), journey.archive('tx_wait');
