-- A tracked table's trigger reads a statement's rows at once and writes their entries together (issue 4).
-- Entering one by one and entering in one statement must give the same instances, counts and messages.
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "st_cart",
  "trigger": {"event": "st_add"},
  "entry": {"reentry": "after_exit", "cooldown": "1 day"},
  "exit_when": [{"event": "st_buy"}],
  "start": "hello",
  "nodes": {"hello": {"send": {"channel": "email", "template": "st_hello"}, "next": "wait"},
            "wait": {"wait": "2 hours", "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${
  "name": "st_always",
  "trigger": {"event": "st_add"},
  "entry": {"reentry": "always"},
  "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT count(journey.set_contact(u, 'email', u || '@example.com')) FROM unnest(ARRAY['st_a', 'st_b', 'st_c']) u;

-- One statement: a twice (the second is refused: already in, then cooldown), b enters then buys (exits at
-- once, in the same statement), c enters. reentry always lets a in twice.
INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES
  ('st_a', 'st_add', '{"n": 1}', '2031-02-01 10:00+00'),
  ('st_b', 'st_add', '{"n": 2}', '2031-02-01 10:00+00'),
  ('st_a', 'st_add', '{"n": 3}', '2031-02-01 10:01+00'),
  ('st_b', 'st_buy', '{}', '2031-02-01 10:02+00'),
  ('st_c', 'st_add', '{"n": 4}', '2031-02-01 10:03+00');
SELECT journey, user_id, status, exit_reason, node, wake_at
  FROM journey.instances WHERE journey LIKE 'st\_%' ORDER BY journey, user_id, id;
-- The first step's message of every instance that entered, and of no refused entry.
SELECT user_id, node, template, status, payload->>'to' AS "to"
  FROM journey.outbox WHERE journey = 'st_cart' ORDER BY user_id;
SELECT journey, user_id, entries, last_entered_at FROM journey.entries WHERE journey LIKE 'st\_%' ORDER BY 1, 2;

-- Statements larger than a batch (1,000 entries) are written in parts, with the same result.
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'st_many' || i, 'st_add', '{}', '2031-02-01 11:00+00' FROM generate_series(1, 2500) i;
SELECT journey, count(*) AS instances, count(DISTINCT user_id) AS users
  FROM journey.instances WHERE user_id LIKE 'st\_many%' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS outbox_rows, count(DISTINCT dedup_key) AS distinct_keys
  FROM journey.outbox WHERE journey = 'st_cart' AND user_id LIKE 'st\_many%';
SELECT sum(entries) AS entries FROM journey.entries WHERE journey = 'st_cart' AND user_id LIKE 'st\_many%';

-- Application tables: a statement trigger on a plain table, a row trigger on a partitioned one (whose
-- partitions may be written directly).
CREATE SCHEMA st_app;
CREATE TABLE st_app.clicks (uid text, kind text, at timestamptz, data jsonb);
CREATE TABLE st_app.parts (uid text, kind text, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE st_app.parts_2031 PARTITION OF st_app.parts FOR VALUES FROM ('2031-01-01') TO ('2032-01-01');
SELECT journey.track_events('st_app.clicks', 'uid', name_column => 'kind', time_column => 'at', props_column => 'data');
SELECT journey.track_events('st_app.parts', 'uid', name_column => 'kind', time_column => 'at');
SELECT c.relname, (t.tgtype & 1) = 1 AS for_each_row
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgname = 'journey_track_events' AND c.relnamespace = 'st_app'::regnamespace ORDER BY 1;
INSERT INTO st_app.clicks VALUES ('st_f', 'st_add', '2031-02-01 13:00+00', '{}'), ('st_g', 'st_add', '2031-02-01 13:00+00', '{}');
INSERT INTO st_app.parts_2031 VALUES ('st_h', 'st_add', '2031-02-01 13:00+00');
SELECT user_id, count(*) FROM journey.instances WHERE journey = 'st_cart' AND user_id IN ('st_f', 'st_g', 'st_h')
 GROUP BY 1 ORDER BY 1;
-- A statement that fails after pg_journey's trigger ran (a later trigger raises) leaves nothing behind.
CREATE FUNCTION st_app.boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM new_rows WHERE kind = 'boom') THEN
		RAISE EXCEPTION 'boom';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER zz_boom AFTER INSERT ON st_app.clicks REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION st_app.boom();
INSERT INTO st_app.clicks SELECT 'st_x' || i, 'st_add', '2031-02-01 14:00+00'::timestamptz, '{}'::jsonb FROM generate_series(1, 1500) i
UNION ALL SELECT 'st_y', 'boom', '2031-02-01 14:00+00', '{}';
SELECT (SELECT count(*) FROM journey.instance WHERE user_id LIKE 'st\_x%') AS instances,
       (SELECT count(*) FROM journey.outbox WHERE user_id LIKE 'st\_x%') AS outbox_rows,
       (SELECT count(*) FROM journey.entries WHERE user_id LIKE 'st\_x%') AS entries;
SELECT journey.untrack_events('st_app.clicks'), journey.untrack_events('st_app.parts');
DROP SCHEMA st_app CASCADE;
-- A journey that calls a function runs one entry at a time, after the entries collected before it are
-- written: the function (STABLE here: it reads the snapshot it is given) sees them, as it would entering
-- row by row.
CREATE SCHEMA st_fn;
CREATE FUNCTION st_fn.carts_so_far(user_id text, context jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('n', count(*)) FROM journey.instances WHERE journey = 'st_cart' AND user_id LIKE 'st\_z%'
$$;
SELECT journey.allow_function('st_fn.carts_so_far(text, jsonb)');
SELECT journey.define($${
  "name": "st_counting",
  "trigger": {"event": "st_count"},
  "entry": {"reentry": "always"},
  "start": "ask",
  "nodes": {"ask": {"call": "carts_so_far", "into": "seen", "next": "wait"},
            "wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES
  ('st_z1', 'st_add', '{}', '2031-02-01 15:00+00'),
  ('st_z2', 'st_add', '{}', '2031-02-01 15:00+00'),
  ('st_z3', 'st_count', '{}', '2031-02-01 15:01+00'),
  ('st_z4', 'st_add', '{}', '2031-02-01 15:02+00');
SELECT user_id, context FROM journey.instances WHERE journey = 'st_counting';
SELECT count(*) AS carts FROM journey.instances WHERE journey = 'st_cart' AND user_id LIKE 'st\_z%';
SELECT journey.archive('st_counting');
SELECT journey.disallow_function('st_fn.carts_so_far(text, jsonb)');
DROP SCHEMA st_fn CASCADE;
SELECT journey.archive('st_cart'), journey.archive('st_always');

-- Entry rules that read past entries lock the user's journey.entries row before the entry is decided; an
-- entry refused afterwards (entry.when, the one-active index, journey.enroll's refusals) leaves no row behind.
SELECT journey.define($${"name": "st_pro", "trigger": {"event": "st_pro_event"},
  "entry": {"cooldown": "1 day", "when": {"attribute": "plan", "op": "=", "value": "pro"},
            "throttle": {"max": 1, "per": "1 day"}},
  "start": "wait", "nodes": {"wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.profiles (user_id, attributes) VALUES ('st_pro_1', '{"plan": "pro"}');
INSERT INTO journey.events (user_id, name, props, occurred_at)
SELECT 'st_pro_' || g, 'st_pro_event', '{}', now() FROM generate_series(1, 50) g;
SELECT user_id, entries FROM journey.entries WHERE journey = 'st_pro' ORDER BY user_id;
SELECT count(*) AS instances FROM journey.instances WHERE journey = 'st_pro';
-- One row at a time: the user who entered is refused by the cooldown and keeps the row that counts the
-- entry; a pro user refused by the throttle (after the row was locked), by an event or by journey.enroll,
-- leaves none.
INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES ('st_pro_1', 'st_pro_event', '{}', now());
INSERT INTO journey.profiles (user_id, attributes) VALUES ('st_pro_2', '{"plan": "pro"}'), ('st_pro_3', '{"plan": "pro"}');
INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES ('st_pro_2', 'st_pro_event', '{}', now());
SELECT journey.enroll('st_pro', 'st_pro_3') IS NULL AS refused;
SELECT user_id, entries FROM journey.entries WHERE journey = 'st_pro' ORDER BY user_id;
SELECT journey.archive('st_pro');

-- An engine running inside another keeps the rows it locked: here the called function's INSERT enters the
-- same user into the same journey (refused by the throttle the outer entry took) while the outer entry has
-- locked the row and not counted it yet; the outer entry's count must not be lost.
CREATE SCHEMA st_nest;
CREATE FUNCTION st_nest.again(user_id text, context jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
	INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES (user_id, 'st_nest_event', '{}', now())
	RETURNING jsonb_build_object('again', true)
$$;
SELECT journey.allow_function('st_nest.again(text, jsonb)');
SELECT journey.define($${"name": "st_nested", "trigger": {"event": "st_nest_event"},
  "entry": {"cooldown": "1 day", "throttle": {"max": 1, "per": "1 day"}},
  "start": "ask", "nodes": {"ask": {"call": "again", "into": "x", "next": "wait"},
                            "wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.events (user_id, name, props, occurred_at) VALUES ('st_nest_1', 'st_nest_event', '{}', now());
SELECT user_id, entries FROM journey.entries WHERE journey = 'st_nested';
SELECT user_id, status, context FROM journey.instances WHERE journey = 'st_nested';
SELECT journey.archive('st_nested');
SELECT journey.disallow_function('st_nest.again(text, jsonb)');
DROP SCHEMA st_nest CASCADE;

-- journey._batch_rows serves the rows of a batch only while the engine's statement runs: called by hand it
-- has nothing to return.
SELECT * FROM journey._batch_rows(0) AS x(a text);
