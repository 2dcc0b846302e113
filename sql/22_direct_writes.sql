-- run_due's batches write their instance updates and outbox rows without statements
-- (src/ext/storage/instance_in_place.cpp, src/ext/storage/outbox.cpp):
-- the rows are the ones the statements wrote, every index has their entries, a unique key still refuses a
-- duplicate, a row changed since the batch read it is written by key, and tables with triggers get the
-- statements (whose triggers fire).
CREATE EXTENSION IF NOT EXISTS amcheck;
SELECT journey.define($${
  "name": "dw_two", "trigger": {"event": "dw_go"}, "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "push"},
            "push": {"send": {"channel": "push", "template": "dw_push", "data": {"n": 1}}, "next": "mail"},
            "mail": {"send": {"channel": "email", "template": "dw_mail"}, "next": "later"},
            "later": {"wait": "1 day", "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
INSERT INTO journey.contacts (user_id, channel, address)
VALUES ('dw_a', 'push', 'tok-a'), ('dw_a', 'email', 'a@example.com'), ('dw_b', 'email', 'b@example.com');
-- (Each run_due below first catches up with whatever earlier files left due, so that it counts only these.)
SELECT journey.run_due('2031-03-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track(u, 'dw_go', '{}', '2031-03-01 00:00+00')) FROM unnest(ARRAY['dw_a', 'dw_b']) u;
-- Which path wrote is seen in the calls of journey._batch_rows, the statements' row source (none here).
BEGIN;
SET LOCAL track_functions = 'all';
SELECT journey.run_due('2031-03-01 01:00+00') AS steps;
SELECT coalesce(sum(calls), 0) AS statement_batches FROM pg_stat_xact_user_functions WHERE funcname = '_batch_rows';
COMMIT;
SELECT user_id, status, node, wake_at, ended_at, context FROM journey.instances WHERE journey = 'dw_two' ORDER BY user_id;
SELECT i.waiting_event, i.event_held_at, i.visits FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
 WHERE j.name = 'dw_two' ORDER BY i.user_id;
-- The outbox rows: the columns not written take their defaults (id from its sequence, attempts 0).
SELECT o.user_id, o.version, o.node, o.channel, o.template, o.payload, o.status, o.last_error, o.attempts,
       o.claimed_until, o.created_at, o.available_at, o.dedup_key = o.instance_id || ':' || o.node || ':1' AS key_ok
  FROM journey.outbox o WHERE o.journey = 'dw_two' ORDER BY o.id;
SELECT count(*) AS ids_from_sequence FROM journey.outbox o
 WHERE o.journey = 'dw_two' AND o.id <= (SELECT last_value FROM journey.outbox_id_seq);
-- Every index has an entry for every row written (heapallindexed), and the queue's index finds the waits.
-- (bt_index_check raises an error for a row without its entry.)
SELECT string_agg(c.relname, ', ' ORDER BY c.relname) AS indexes_checked, count(bt_index_check(c.oid, true))
  FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
 WHERE x.indrelid IN ('journey.instance'::regclass, 'journey.outbox'::regclass)
   AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree');
SELECT journey.run_due('2031-03-02 01:00+00') AS steps;
SELECT user_id, status, node, exit_reason FROM journey.instances WHERE journey = 'dw_two' ORDER BY user_id;

-- A unique key refuses a duplicate as the statement did: the batch rolls back, its steps run again one by
-- one, and only the step whose row collides fails.
SELECT journey.run_due('2031-04-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track(u, 'dw_go', '{}', '2031-04-01 00:00+00')) FROM unnest(ARRAY['dw_a', 'dw_b']) u;
INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, payload, dedup_key, created_at, available_at, status)
SELECT 'dw_two', 1, 'mail', i.id, i.user_id, 'email', '{}', i.id || ':mail:1', '2031-04-01', '2031-04-01', 'sent'
  FROM journey.instances i WHERE i.journey = 'dw_two' AND i.user_id = 'dw_b' AND i.status = 'active';
SELECT journey.run_due('2031-04-01 01:00+00') AS steps;
SELECT user_id, status, node, error FROM journey.instances
 WHERE journey = 'dw_two' AND entered_at = '2031-04-01 00:00+00' ORDER BY user_id;
SELECT o.user_id, o.node, o.status FROM journey.outbox o JOIN journey.instances i ON i.id = o.instance_id
 WHERE i.journey = 'dw_two' AND i.entered_at = '2031-04-01 00:00+00' ORDER BY o.id;

-- A row changed after the batch read it (here by a function a step of the same batch calls) is read again
-- before its own step, which starts from its latest version: the function's change is kept (it was lost
-- before), and the write goes by key.
CREATE SCHEMA dw_fn;
CREATE FUNCTION dw_fn.touch(user_id text, context jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	UPDATE journey.instance i SET context = '{"touched": true}'
	 WHERE i.user_id = touch.user_id AND i.journey_id = (SELECT id FROM journey.journeys WHERE name = 'dw_target');
	SELECT '{}'::jsonb
$$;
SELECT journey.allow_function('dw_fn.touch(text, jsonb)');
SELECT journey.define($${
  "name": "dw_caller", "trigger": {"event": "dw_call"}, "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "touch"}, "touch": {"call": "touch", "into": "r", "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${
  "name": "dw_target", "trigger": {"event": "dw_call"}, "start": "wait",
  "nodes": {"wait": {"wait": "61 minutes", "next": "note"},
            "note": {"send": {"channel": "in_app", "template": "dw_note"}, "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
SELECT journey.run_due('2031-05-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track('dw_c', 'dw_call', '{}', '2031-05-01 00:00+00'));
-- One batch, in wake-up order: dw_caller (its call updates dw_target's row), then dw_target: one statement
-- writes dw_target (a batch that failed and ran again step by step would show two).
BEGIN;
SET LOCAL track_functions = 'all';
SELECT journey.run_due('2031-05-01 02:00+00') AS steps;
SELECT coalesce(sum(calls), 0) AS statement_batches FROM pg_stat_xact_user_functions WHERE funcname = '_batch_rows';
COMMIT;
SELECT journey, status, node, exit_reason, context FROM journey.instances WHERE user_id = 'dw_c' ORDER BY journey;
SELECT count(*) AS versions_active FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
 WHERE j.name = 'dw_target' AND i.status = 'a';

-- Triggers on the tables: the batch writes by statement, and the triggers see every row.
CREATE TABLE dw_fn.seen (tbl text, what text);
CREATE FUNCTION dw_fn.seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'outbox' THEN
		INSERT INTO dw_fn.seen VALUES ('outbox', NEW.user_id || ' ' || NEW.node);
	ELSE
		INSERT INTO dw_fn.seen VALUES ('instance', NEW.user_id || ' ' || OLD.status::text || '>' || NEW.status::text);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER dw_seen AFTER INSERT ON journey.outbox FOR EACH ROW EXECUTE FUNCTION dw_fn.seen();
CREATE TRIGGER dw_seen AFTER UPDATE ON journey.instance FOR EACH ROW EXECUTE FUNCTION dw_fn.seen();
SELECT journey.run_due('2031-06-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track(u, 'dw_go', '{}', '2031-06-01 00:00+00')) FROM unnest(ARRAY['dw_d', 'dw_e']) u;
BEGIN;
SET LOCAL track_functions = 'all';
SELECT journey.run_due('2031-06-01 01:00+00') AS steps;
SELECT coalesce(sum(calls), 0) AS statement_batches FROM pg_stat_xact_user_functions WHERE funcname = '_batch_rows';
COMMIT;
SELECT tbl, what FROM dw_fn.seen ORDER BY tbl, what;
SELECT user_id, status, node FROM journey.instances WHERE user_id IN ('dw_d', 'dw_e') ORDER BY user_id;
SELECT user_id, node, status FROM journey.outbox WHERE user_id IN ('dw_d', 'dw_e') ORDER BY id;
DROP TRIGGER dw_seen ON journey.outbox;
DROP TRIGGER dw_seen ON journey.instance;

-- A stored generated column (added by hand): the statements write the rows, and compute it. Once it is
-- dropped, the direct writes take the table again (a dropped column is null in the rows they form).
ALTER TABLE journey.outbox ADD COLUMN dw_to text GENERATED ALWAYS AS (payload ->> 'to') STORED;
INSERT INTO journey.contacts (user_id, channel, address) VALUES ('dw_f', 'email', 'f@example.com'), ('dw_g', 'email', 'g@example.com');
SELECT journey.run_due('2031-07-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track('dw_f', 'dw_go', '{}', '2031-07-01 00:00+00'));
SELECT journey.run_due('2031-07-01 01:00+00') AS steps;
SELECT user_id, node, status, dw_to FROM journey.outbox WHERE user_id = 'dw_f' ORDER BY id;
ALTER TABLE journey.outbox DROP COLUMN dw_to;
SELECT count(journey.track('dw_g', 'dw_go', '{}', '2031-07-01 00:00+00'));
SELECT journey.run_due('2031-07-01 01:00+00') AS steps;
SELECT user_id, node, status, payload ->> 'to' AS "to" FROM journey.outbox WHERE user_id = 'dw_g' ORDER BY id;

-- A batch of more outbox rows than one multi-insert takes (256): 150 users, 300 rows, in one batch.
SELECT journey.run_due('2031-08-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track('dw_many' || g, 'dw_go', '{}', '2031-08-01 00:00+00')) FROM generate_series(1, 150) g;
SELECT journey.run_due('2031-08-01 01:00+00') AS steps;
SELECT count(*) AS rows, count(DISTINCT id) AS ids, count(DISTINCT dedup_key) AS keys, min(status), max(status)
  FROM journey.outbox WHERE user_id LIKE 'dw\_many%';
SELECT count(*) AS at_later FROM journey.instances WHERE user_id LIKE 'dw\_many%' AND node = 'later';

-- Values stored apart (TOAST): an event of ~10 kB kept in the instance row the step rewrites, and sent in
-- the payload the multi-insert writes.
SELECT journey.define($${
  "name": "dw_big", "trigger": {"event": "dw_big"}, "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "send"},
            "send": {"send": {"channel": "in_app", "template": "dw_big", "data": {"blob": "{{event.blob}}"}}, "next": "later"},
            "later": {"wait": "1 day", "next": "done"},
            "done": {"exit": "completed"}}}$$, true);
CREATE TEMP TABLE dw_blob AS SELECT string_agg(md5(g::text), '') AS blob FROM generate_series(1, 300) g;
SELECT count(journey.track('dw_big', 'dw_big', jsonb_build_object('blob', blob), '2031-08-01 00:00+00')) FROM dw_blob;
SELECT journey.run_due('2031-08-01 01:00+00') AS steps;
SELECT o.payload -> 'data' ->> 'blob' = b.blob AS payload_ok, length(o.payload::text) > 9600 AS long
  FROM journey.outbox o, dw_blob b WHERE o.user_id = 'dw_big';
SELECT i.node, i.event ->> 'blob' = b.blob AS event_kept
  FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id, dw_blob b
 WHERE i.user_id = 'dw_big' AND j.name = 'dw_big';
SELECT count(*) AS heap_problems
  FROM (SELECT * FROM verify_heapam('journey.instance', check_toast => true)
        UNION ALL SELECT * FROM verify_heapam('journey.outbox', check_toast => true)) v;

-- Two users' instances with one id (ids are unique only with the user), stepped in one batch, each onto
-- its own row; with a column added to journey.instance (its default stored in the catalog, not the rows)
-- and then dropped.
ALTER TABLE journey.instance ADD COLUMN dw_extra int DEFAULT 7;
SELECT journey.define($${
  "name": "dw_quiet", "trigger": {"event": "dw_quiet"}, "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.run_due('2031-09-01 00:00+00') >= 0 AS caught_up;
SELECT count(journey.track('dw_h', 'dw_quiet', '{}', '2031-09-01 00:00+00'));
INSERT INTO journey.instance (id, entered_at, last_step_at, wake_at, version_id, journey_id, status, exclusive,
                              user_id, entry_key, node, visits, context, event)
SELECT id, entered_at, last_step_at, wake_at, version_id, journey_id, status, exclusive, 'dw_i', entry_key, node,
       visits, context, event
  FROM journey.instance WHERE user_id = 'dw_h' AND status = 'a';
SELECT count(DISTINCT id) AS ids, count(*) AS rows FROM journey.instance WHERE user_id IN ('dw_h', 'dw_i');
SELECT journey.run_due('2031-09-01 01:00+00') AS steps;
SELECT user_id, status, exit_reason, dw_extra FROM journey.instance WHERE user_id IN ('dw_h', 'dw_i') ORDER BY user_id;
ALTER TABLE journey.instance DROP COLUMN dw_extra;
SELECT journey.run_due('2031-09-02 01:00+00') >= 0 AS caught_up;
SELECT user_id, node FROM journey.instances WHERE user_id = 'dw_big';

-- Every index still has an entry for every row.
SELECT string_agg(c.relname, ', ' ORDER BY c.relname) AS indexes_checked, count(bt_index_check(c.oid, true))
  FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
 WHERE x.indrelid IN ('journey.instance'::regclass, 'journey.outbox'::regclass)
   AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree');

SELECT journey.archive(j) FROM unnest(ARRAY['dw_two', 'dw_caller', 'dw_target', 'dw_big', 'dw_quiet']) j;
SELECT journey.disallow_function('dw_fn.touch(text, jsonb)');
DROP SCHEMA dw_fn CASCADE;
DROP EXTENSION amcheck;

-- The memory a process that runs batches keeps for the next one (README: settings).
SHOW journey.retain_memory;
