-- make demo, part 2: the playbooks of examples/ on the application's own tables, waits shortened to
-- seconds. Variables: :cart_by_cart, :lead_up, :lead_down, :courses (the JSON files).
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS shop, media, school CASCADE;

-- 1. Cart abandonment keyed by cart, on the shop's tables.
CREATE SCHEMA shop;
CREATE TABLE shop.cart_items (user_id text, cart_id text, sku text, added_at timestamptz DEFAULT clock_timestamp());
CREATE TABLE shop.orders (user_id text, cart_id text, total numeric, placed_at timestamptz DEFAULT clock_timestamp());
SELECT journey.track_events('shop.cart_items', 'user_id', event_name => 'add_to_cart', time_column => 'added_at');
SELECT journey.track_events('shop.orders', 'user_id', event_name => 'order_placed', time_column => 'placed_at');
SELECT journey.define(jsonb_set(:'cart_by_cart'::jsonb, '{nodes,wait,wait}', '"3 seconds"'), publish => true) AS cart_by_cart_version;

-- 2. Engagement scoring on the media site's users table (text keys, like every demo user).
CREATE SCHEMA media;
CREATE TABLE media.users (id text PRIMARY KEY, lead_score int NOT NULL DEFAULT 0);
CREATE TABLE media.signals (user_id text, name text, at timestamptz DEFAULT clock_timestamp());
INSERT INTO media.users SELECT 'user' || i FROM generate_series(1, :users) i;
SELECT journey.track_profiles('media.users', 'id');
SELECT journey.track_events('media.signals', 'user_id', name_column => 'name', time_column => 'at');
SELECT journey.define(:'lead_up'::jsonb, publish => true) AS lead_up_version,
       journey.define(:'lead_down'::jsonb, publish => true) AS lead_down_version;

-- 3. Course recommendations through an allowed SQL function.
CREATE SCHEMA school;
CREATE TABLE school.courses (id int PRIMARY KEY, title text);
INSERT INTO school.courses VALUES (1, 'SQL basics'), (2, 'Window functions'), (3, 'Query tuning');
CREATE TABLE school.course_activity (user_id text, course_id int, kind text, at timestamptz DEFAULT clock_timestamp());
SELECT journey.track_events('school.course_activity', 'user_id', event_name => 'course_engaged', time_column => 'at');
CREATE FUNCTION school.recommend_courses(user_id text, context jsonb) RETURNS jsonb LANGUAGE sql STABLE AS
	$$ SELECT jsonb_build_object('titles', jsonb_agg(title ORDER BY id)) FROM school.courses WHERE id > 1 $$;
SELECT journey.allow_function('school.recommend_courses(text, jsonb)');
SELECT journey.define(
	jsonb_set(jsonb_set(jsonb_set(:'courses'::jsonb,
		'{nodes,wait_feedback,wait}', '"2 seconds"'),
		'{nodes,browse,timeout}', '"3 seconds"'),
		'{nodes,engage,timeout}', '"2 seconds"'), publish => true) AS courses_version;

-- Traffic: two carts per shopper (a fifth order one of them), signals for the scorers, course completions.
INSERT INTO shop.cart_items (user_id, cart_id, sku)
SELECT 'user' || i, 'cart-' || i || '-' || c, 'SKU-' || (i * c % 13) FROM generate_series(1, 50) i, generate_series(1, 2) c;
INSERT INTO shop.orders (user_id, cart_id, total) SELECT 'user' || i, 'cart-' || i || '-1', 10 * i FROM generate_series(1, 50, 5) i;
INSERT INTO media.signals (user_id, name)
SELECT 'user' || (1 + (i * 7) % 100), (ARRAY['form_submitted', 'email_clicked', 'subscription_bought', 'push_dismissed'])[1 + i % 4]
  FROM generate_series(1, 300) i;
SELECT journey.set_contact('user' || i, 'web_push', 'wp-' || i) FROM generate_series(1, 30, 3) i;
SELECT count(journey.track('user' || i, 'course_completed', '{"course_id": 1, "course_title": "SQL basics"}'))
       AS courses_completed FROM generate_series(1, 30) i;
SELECT count(journey.track('user' || i, 'recommendations_viewed')) AS browsed FROM generate_series(1, 30, 4) i;
