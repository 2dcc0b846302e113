-- Playbook 1: cart abandonment keyed by cart, on the application's own tables. One instance per cart; an
-- order closes only its own cart (and converts it); the reminder names the open cart.
\pset null '(null)'
SET timezone = 'UTC';
-- (The unkeyed cart journey of 02_cart would react to the same events: archive it first.)
SELECT journey.archive('cart_abandonment') AS archived_users;
CREATE SCHEMA shop;
CREATE TABLE shop.cart_items (user_id uuid NOT NULL, cart_id text NOT NULL, sku text NOT NULL, added_at timestamptz NOT NULL);
CREATE TABLE shop.orders (user_id uuid NOT NULL, cart_id text NOT NULL, total numeric NOT NULL, placed_at timestamptz NOT NULL);
SELECT journey.track_events('shop.cart_items', 'user_id', event_name => 'add_to_cart', time_column => 'added_at');
SELECT journey.track_events('shop.orders', 'user_id', event_name => 'order_placed', time_column => 'placed_at');
\set alice '''a0000000-0000-0000-0000-00000000000a'''
SELECT journey.set_contact(:alice, 'email', 'alice@example.com');
\set cart `cat examples/cart_by_cart.json`
SELECT journey.define(:'cart'::jsonb, true);

-- Alice fills two carts; the second item of cart A does not open a second instance for cart A.
INSERT INTO shop.cart_items VALUES (:alice, 'A', 'SKU-1', '2030-07-01 10:00+00'),
                                   (:alice, 'B', 'SKU-2', '2030-07-01 10:05+00'),
                                   (:alice, 'A', 'SKU-3', '2030-07-01 10:10+00');
SELECT user_id, node, wake_at FROM journey.instances WHERE journey = 'cart_by_cart' ORDER BY entered_at;
SELECT entry_key, count(*) FROM journey.instance WHERE version_id IN (SELECT id FROM journey.versions WHERE journey = 'cart_by_cart') GROUP BY 1 ORDER BY 1;

-- She orders cart A: only cart A's instance exits, and it converts.
INSERT INTO shop.orders VALUES (:alice, 'A', 42.00, '2030-07-01 11:00+00');
SELECT i.entry_key, i.status, i.exit_reason
  FROM journey.instance i WHERE i.version_id IN (SELECT id FROM journey.versions WHERE journey = 'cart_by_cart') ORDER BY i.entry_key;
SELECT c.journey, i.entry_key, c.event, c.converted_at
  FROM journey.conversions c JOIN journey.instance i ON i.id = c.instance_id ORDER BY i.entry_key;

-- The reminder of the open cart B names it.
SELECT journey.run_due('2030-07-01 12:05+00') AS steps;
SELECT template, payload->'data' AS data, payload->>'to' AS "to", created_at FROM journey.outbox WHERE journey = 'cart_by_cart';

-- An event without the key never enters a keyed journey; enroll takes the key from context.key.
SELECT journey.track(:alice, 'add_to_cart', '{"sku": "no cart"}', '2030-07-01 13:00+00');
SELECT count(*) AS instances FROM journey.instance WHERE version_id IN (SELECT id FROM journey.versions WHERE journey = 'cart_by_cart');
SELECT journey.enroll('cart_by_cart', :alice, '{"key": "C"}', '2030-07-01 13:00+00') IS NOT NULL AS entered_c;
DO $$
BEGIN
	PERFORM journey.enroll('cart_by_cart', 'someone', '{}', '2030-07-01 13:00+00');
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE '%', SQLERRM;
END
$$;
-- A later order of cart B, within the goal's 7 days, converts B too although its instance has ended.
INSERT INTO shop.orders VALUES (:alice, 'B', 10.00, '2030-07-03 09:00+00');
SELECT i.entry_key, i.status, c.converted_at
  FROM journey.conversions c JOIN journey.instance i ON i.id = c.instance_id ORDER BY i.entry_key;
