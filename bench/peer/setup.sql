-- make bench workload 5: the cart workload on graphile-worker (its schema graphile_worker is installed
-- by `node peer.js migrate`). Events go into bench.gw_events (the columns and indexes of journey.events);
-- a statement-level trigger enqueues one job per add_to_cart row with graphile_worker.add_jobs (one
-- call per statement: a row-level add_job costs far more); the worker's task does the cart journey's
-- step (check, push?, push, email, done) in one statement and writes bench.gw_outbox (the columns and
-- indexes of journey.outbox).
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS bench.gw_events, bench.gw_outbox;
CREATE TABLE bench.gw_events (LIKE journey.events INCLUDING ALL);
CREATE TABLE bench.gw_outbox (LIKE journey.outbox INCLUDING ALL);

CREATE OR REPLACE FUNCTION bench.gw_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM graphile_worker.add_jobs(ARRAY(
		SELECT ROW('cart_step',
		           json_build_object('user_id', n.user_id, 'entered_at', n.occurred_at, 'sku', n.props ->> 'sku'),
		           NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
		  FROM new_rows n
		 WHERE n.name = 'add_to_cart'));
	RETURN NULL;
END
$$;
CREATE TRIGGER gw_events_enqueue AFTER INSERT ON bench.gw_events REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bench.gw_enqueue();
