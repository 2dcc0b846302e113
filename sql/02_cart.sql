-- The cart-abandonment journey end to end, reproducibly: every time is chosen by the test (events in
-- the future are accepted as they are; run_due(as_of) moves time).
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.publish('cart_abandonment', 1);

-- u1 reachable by push and e-mail, u2 by e-mail only, u3 not at all, u4 checks out, u5 opted out.
SELECT journey.set_contact('u1', 'push', 'push-token-1'), journey.set_contact('u1', 'email', 'u1@example.com'),
       journey.set_contact('u2', 'email', 'u2@example.com'), journey.set_contact('u4', 'email', 'u4@example.com'),
       journey.set_contact('u5', 'email', 'u5@example.com');
SELECT journey.unsubscribe('u5', 'email');

SELECT journey.track(u, 'add_to_cart', jsonb_build_object('sku', 'SKU-' || u), '2030-01-01 10:00+00')
  FROM unnest(ARRAY['u1', 'u2', 'u3', 'u4', 'u5']) AS u;
-- A second add_to_cart while active does not enter again (reentry after_exit).
SELECT journey.track('u1', 'add_to_cart', '{"sku": "SKU-again"}', '2030-01-01 10:30+00');
SELECT user_id, status, node, wake_at, entered_at FROM journey.instances ORDER BY user_id;

-- u4 checks out before the reminder: exit_when ends the instance at once.
SELECT journey.track('u4', 'checkout', '{}', '2030-01-01 11:00+00');
SELECT user_id, status, exit_reason, ended_at FROM journey.instances WHERE user_id = 'u4';

-- Nothing is due before the two hours have passed.
SELECT journey.run_due('2030-01-01 11:59:59+00');
-- At 12:00 the wait ends: u1 gets push then e-mail, u2 e-mail, u3 and u5 suppressed e-mails.
SELECT journey.run_due('2030-01-01 12:00+00');
SELECT user_id, node, channel, template, payload, dedup_key = instance_id || ':' || node || ':1' AS dedup_ok,
       status, last_error, created_at, available_at
  FROM journey.outbox ORDER BY user_id, id;
SELECT user_id, status, exit_reason, node, ended_at FROM journey.instances ORDER BY user_id;
-- Running again does nothing more.
SELECT journey.run_due('2030-01-02 00:00+00');

-- After the exit, a new add_to_cart enters again (reentry after_exit) once the 1-day cooldown passed.
SELECT journey.track('u2', 'add_to_cart', '{"sku": "SKU-u2b"}', '2030-01-01 20:00+00') AS too_soon;
SELECT count(*) AS u2_instances FROM journey.instances WHERE user_id = 'u2';
SELECT journey.track('u2', 'add_to_cart', '{"sku": "SKU-u2c"}', '2030-01-02 10:00+00');
SELECT user_id, status, entered_at, wake_at FROM journey.instances WHERE user_id = 'u2' ORDER BY id;

-- An event older than entry.max_event_age (1 day) before now() enrols no one: backfills do not spam.
SELECT journey.track('u9', 'add_to_cart', '{}', now() - interval '2 days');
SELECT count(*) AS backfilled FROM journey.instances WHERE user_id = 'u9';
-- Events no journey cares about change nothing.
SELECT journey.track('u1', 'page_view', '{}', '2030-01-01 10:00+00');
SELECT count(*) AS instances FROM journey.instance;
