-- The application's own tables: events from its inserts, profile attributes from its columns.
\pset null '(null)'
SET timezone = 'UTC';
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text, plan text, lead_score int NOT NULL DEFAULT 0, tz text);
CREATE TABLE app.orders (id serial PRIMARY KEY, user_id bigint NOT NULL, cart_id text, total numeric,
                         placed_at timestamptz NOT NULL);
CREATE TABLE app.activity (user_id bigint NOT NULL, kind text NOT NULL, detail jsonb, at timestamptz NOT NULL);
CREATE INDEX ON app.activity (user_id, kind, at);
INSERT INTO app.users VALUES (1, 'one@example.com', 'pro', 0, 'Europe/Paris'), (2, 'two@example.com', 'free', 0, NULL);

-- Errors name what is wrong.
DO $$
DECLARE
	calls text[] := ARRAY[
		$c$SELECT journey.track_events('app.orders', 'nope', event_name => 'order_placed')$c$,
		$c$SELECT journey.track_events('app.orders', 'user_id')$c$,
		$c$SELECT journey.track_events('app.orders', 'user_id', name_column => 'cart_id', event_name => 'x')$c$,
		$c$SELECT journey.track_events('app.orders', 'user_id', event_name => 'order_placed', time_column => 'total')$c$,
		$c$SELECT journey.track_events('app.orders', 'user_id', event_name => 'order_placed', props_column => 'cart_id')$c$,
		$c$SELECT journey.track_events('journey.events', 'user_id', name_column => 'name')$c$,
		$c$SELECT journey.untrack_events('app.users')$c$,
		$c$SELECT journey.track_profiles('app.users', 'nope')$c$];
	c text;
BEGIN
	FOREACH c IN ARRAY calls LOOP
		BEGIN
			EXECUTE c;
			RAISE NOTICE 'no error: %', c;
		EXCEPTION WHEN others THEN
			RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
		END;
	END LOOP;
END
$$;

-- Every row of app.orders is the event order_placed (props: the whole row); app.activity names its events.
SELECT journey.track_events('app.orders', 'user_id', event_name => 'order_placed', time_column => 'placed_at');
SELECT journey.track_events('app.activity', 'user_id', name_column => 'kind', time_column => 'at', props_column => 'detail');
SELECT tbl, user_column, name_column, event_name, time_column, props_column FROM journey.tracked_tables ORDER BY tbl::text;

SELECT journey.define($${
  "name": "thank_buyer",
  "trigger": {"event": "order_placed", "where": {"prop": "total", "op": ">=", "value": 100}},
  "start": "thanks",
  "nodes": {
    "thanks": {"send": {"channel": "in_app", "template": "thanks", "data": {"total": "{{event.total}}", "cart": "{{event.cart_id}}"}}, "next": "done"},
    "done":   {"exit": "completed"}
  }}$$, true);
INSERT INTO app.orders (user_id, cart_id, total, placed_at) VALUES
	(1, 'c1', 150, '2030-06-01 10:00+00'), (2, 'c2', 20, '2030-06-01 10:00+00');
SELECT user_id, payload->'data' AS data, created_at FROM journey.outbox WHERE journey = 'thank_buyer';

-- Event conditions see the application's events: a user who browsed twice gets the "engaged" branch.
SELECT journey.define($${
  "name": "browse_check",
  "trigger": {"event": "signed_in"},
  "start": "check",
  "nodes": {
    "check": {"if": {"event": "viewed_item", "within": "7 days", "count": {">=": 2}}, "then": "engaged", "else": "idle"},
    "engaged": {"exit": "engaged"},
    "idle": {"exit": "idle"}
  }}$$, true);
INSERT INTO app.activity VALUES (1, 'viewed_item', '{"sku": "a"}', '2030-06-02 09:00+00'),
                                (1, 'viewed_item', '{"sku": "b"}', '2030-06-02 09:30+00'),
                                (2, 'viewed_item', '{"sku": "a"}', '2030-06-02 09:00+00');
INSERT INTO app.activity VALUES (1, 'signed_in', NULL, '2030-06-02 10:00+00'), (2, 'signed_in', NULL, '2030-06-02 10:00+00');
SELECT user_id, exit_reason FROM journey.instances WHERE journey = 'browse_check' ORDER BY user_id;

-- Profile attributes are the columns of app.users once tracked; the user key is a bigint there.
SELECT journey.define($${
  "name": "plan_check",
  "trigger": {"manual": true},
  "start": "check",
  "nodes": {
    "check": {"if": {"attribute": "plan", "op": "=", "value": "pro"}, "then": "pro", "else": "other"},
    "pro": {"exit": "pro"},
    "other": {"exit": "other"}
  }}$$, true);
SELECT journey.track_profiles('app.users', 'id', timezone_column => 'tz');
SELECT journey.enroll('plan_check', '1', '{}', '2030-06-03 00:00+00') IS NOT NULL AS entered_1,
       journey.enroll('plan_check', '2', '{}', '2030-06-03 00:00+00') IS NOT NULL AS entered_2;
SELECT user_id, exit_reason FROM journey.instances WHERE journey = 'plan_check' ORDER BY user_id;
-- A user id that cannot be cast to the profile table's key type is an error, not a silent miss.
DO $$
BEGIN
	PERFORM journey.enroll('plan_check', 'not-a-number', '{}', '2030-06-03 00:00+00');
EXCEPTION WHEN others THEN
	RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END
$$;
SELECT journey.untrack_profiles();
SELECT journey.untrack_events('app.activity');
SELECT count(*) AS tracked FROM journey.tracked_tables;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'app.activity'::regclass AND NOT tgisinternal;
-- A props column of type json (not jsonb) is read as json: the event's props, for templates and where.
CREATE TABLE app.signals (user_id text NOT NULL, name text NOT NULL, props json, at timestamptz NOT NULL);
SELECT journey.track_events('app.signals', 'user_id', 'name', time_column => 'at', props_column => 'props');
SELECT journey.define($${"name": "json_props", "trigger": {"event": "signal"}, "start": "check", "nodes": {
    "check": {"if": {"event": "signal", "where": {"prop": "k", "op": "=", "value": "hello"}}, "then": "send", "else": "done"},
    "send": {"send": {"channel": "in_app", "template": "t", "data": {"x": "{{event.k}}"}}, "next": "done"},
    "done": {"exit": "completed"}
  }}$$, true);
INSERT INTO app.signals VALUES ('j1', 'signal', '{"k": "hello"}', '2030-06-03 00:00+00');
SELECT user_id, payload -> 'data' AS data FROM journey.outbox WHERE journey = 'json_props';
SELECT journey.untrack_events('app.signals');
