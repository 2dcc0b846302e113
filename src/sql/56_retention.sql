-- Retention (SPEC §1): sent, dead and suppressed outbox rows older than journey.outbox_retention, and ended
-- instances older than journey.instance_retention, are deleted in small batches by the scheduler (about once a
-- minute) or by journey.purge() from a pg_cron job. What §8 counts of them is first added to compact rollups,
-- so that no count changes: per journey, version, node, channel, hour and status for outbox rows; per journey,
-- version, hour of entry and of ending, status, exit reason and split label for instances (with how many
-- converted), and the visits of every node. Goal conversions (journey.conversions) are kept, and an instance
-- whose goal window is still open is kept until it closes.

-- Block-range indexes: a summary per 32 pages, nearly free to keep up to date on the hot paths (an outbox row's
-- insert and ack, an instance's end), enough for a purge a minute to find the old rows.
CREATE INDEX outbox_created_brin ON journey.outbox USING brin (created_at) WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX instance_ended_brin ON journey.instance USING brin (ended_at) WITH (pages_per_range = 32, autosummarize = on);

CREATE TABLE journey.outbox_rollup (
	journey       text NOT NULL,
	version       int NOT NULL,
	node          text NOT NULL,
	channel       text NOT NULL,
	created_hour  timestamptz NOT NULL,
	status        text NOT NULL,
	messages      bigint NOT NULL,
	PRIMARY KEY (journey, version, node, channel, created_hour, status)
);
COMMENT ON TABLE journey.outbox_rollup IS
	'outbox rows deleted by retention, counted: per journey, version, node, channel, hour of creation and final status';

CREATE TABLE journey.instance_rollup (
	journey       text NOT NULL,
	version       int NOT NULL,
	entered_hour  timestamptz NOT NULL,
	ended_hour    timestamptz NOT NULL,
	status        text NOT NULL,			-- completed | exited | failed
	exit_reason   text NOT NULL DEFAULT '',
	variant       text NOT NULL DEFAULT '',	-- the split label ('' when none)
	instances     bigint NOT NULL,
	converted     bigint NOT NULL,			-- of those, how many reached the goal
	PRIMARY KEY (journey, version, entered_hour, ended_hour, status, exit_reason, variant)
);
COMMENT ON TABLE journey.instance_rollup IS
	'ended instances deleted by retention, counted: per journey, version, hour of entry and of ending, status, exit reason and split label, with their conversions';

CREATE TABLE journey.visit_rollup (
	journey  text NOT NULL,
	version  int NOT NULL,
	node     text NOT NULL,
	visits   bigint NOT NULL,
	PRIMARY KEY (journey, version, node)
);
COMMENT ON TABLE journey.visit_rollup IS 'the node visits of ended instances deleted by retention, summed';
SELECT pg_catalog.pg_extension_config_dump('journey.outbox_rollup', '');
SELECT pg_catalog.pg_extension_config_dump('journey.instance_rollup', '');
SELECT pg_catalog.pg_extension_config_dump('journey.visit_rollup', '');

CREATE FUNCTION journey._retention(setting text, fallback interval)
RETURNS interval
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(nullif(current_setting(setting, true), '')::interval, fallback) $$;
COMMENT ON FUNCTION journey._retention(text, interval) IS
	'internal: a retention setting''s interval (its default when the library has not defined it in this session)';

CREATE FUNCTION journey._goal_window(definition jsonb)
RETURNS interval
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (definition -> 'goal' ->> 'within')::interval;
EXCEPTION WHEN OTHERS THEN
	RETURN interval '100 years';  -- not an interval Postgres reads: keep the instances
END
$$;
COMMENT ON FUNCTION journey._goal_window(jsonb) IS
	'internal: how long after entry a version''s goal may still convert (null: no goal)';

CREATE FUNCTION journey.purge(max_rows int DEFAULT 1000)
RETURNS TABLE (outbox bigint, instances bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	outbox_before timestamptz := now() - journey._retention('journey.outbox_retention', '30 days');
	instance_before timestamptz := now() - journey._retention('journey.instance_retention', '90 days');
	history_before timestamptz := now() - journey._retention('journey.history_retention', '90 days');
	reports bigint;
BEGIN
	IF max_rows IS NULL OR max_rows < 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = '22023';
	END IF;
	-- Outbox rows: those no one holds (a sender's report, a claim), oldest first.
	WITH doomed AS (
		SELECT o.id FROM journey.outbox o
		 WHERE o.status IN ('sent', 'dead', 'suppressed') AND o.created_at < outbox_before
		 LIMIT max_rows FOR UPDATE SKIP LOCKED
	), gone AS (
		DELETE FROM journey.outbox o USING doomed d WHERE o.id = d.id
		RETURNING o.journey, o.version, o.node, o.channel, date_trunc('hour', o.created_at, 'UTC') AS created_hour, o.status
	), counted AS (
		INSERT INTO journey.outbox_rollup AS r (journey, version, node, channel, created_hour, status, messages)
		SELECT g.journey, g.version, g.node, g.channel, g.created_hour, g.status, count(*) FROM gone g
		 GROUP BY g.journey, g.version, g.node, g.channel, g.created_hour, g.status
		ON CONFLICT ON CONSTRAINT outbox_rollup_pkey DO UPDATE SET messages = r.messages + excluded.messages
		RETURNING r.messages
	)
	SELECT (SELECT count(*) FROM gone), 0 INTO outbox, instances FROM (SELECT count(*) FROM counted) AS c;

	-- Delivery reports of the same age, counted per hour (journey.node_stats reads both).
	WITH doomed AS (
		SELECT d.outbox_id, d.status FROM journey.delivery_reports d
		 WHERE d.reported_at < outbox_before
		 LIMIT max_rows FOR UPDATE SKIP LOCKED
	), gone AS (
		DELETE FROM journey.delivery_reports d USING doomed x WHERE d.outbox_id = x.outbox_id AND d.status = x.status
		RETURNING d.journey, d.version, d.node, d.channel, date_trunc('hour', d.reported_at, 'UTC') AS reported_hour, d.status
	), counted AS (
		INSERT INTO journey.delivery_rollup AS r (journey, version, node, channel, reported_hour, status, messages)
		SELECT g.journey, g.version, g.node, g.channel, g.reported_hour, g.status, count(*) FROM gone g
		 GROUP BY g.journey, g.version, g.node, g.channel, g.reported_hour, g.status
		ON CONFLICT ON CONSTRAINT delivery_rollup_pkey DO UPDATE SET messages = r.messages + excluded.messages
		RETURNING 1
	)
	SELECT count(*) INTO reports FROM counted;	-- (up to max_rows a call: reports trail the rows they report on)

	-- History (journey.user_history) older than journey.history_retention: the lines of instances that ended
	-- before it, and refused entries.
	WITH doomed AS (
		SELECT i.user_id, i.id FROM journey.instance i
		 WHERE i.status <> 'a' AND i.ended_at < history_before AND i.history IS NOT NULL
		 LIMIT max_rows FOR UPDATE SKIP LOCKED
	)
	UPDATE journey.instance i SET history = NULL FROM doomed d WHERE i.user_id = d.user_id AND i.id = d.id;
	DELETE FROM journey.refusals r
	 WHERE r.ctid = ANY (ARRAY(SELECT x.ctid FROM journey.refusals x WHERE x.at < history_before LIMIT max_rows));

	-- Ended instances, once their goal window (if any) closed.
	WITH windows AS MATERIALIZED (	-- each version's goal window, once
		SELECT v.id, journey._goal_window(v.definition) AS goal_window FROM journey.versions v
	), doomed AS (
		SELECT i.user_id, i.id FROM journey.instance i JOIN windows w ON w.id = i.version_id
		 WHERE i.status <> 'a' AND i.ended_at < instance_before
		   AND (w.goal_window IS NULL OR i.entered_at + w.goal_window < now())
		 LIMIT max_rows FOR UPDATE OF i SKIP LOCKED
	), gone AS (
		DELETE FROM journey.instance i USING doomed d WHERE i.user_id = d.user_id AND i.id = d.id
		RETURNING i.user_id, i.id, i.version_id, i.entered_at, i.ended_at, i.status, i.exit_reason, i.variant, i.visits
	), p AS (
		SELECT g.*, v.journey, v.version, v.definition FROM gone g JOIN journey.versions v ON v.id = g.version_id
	), counted AS (
		INSERT INTO journey.instance_rollup AS r (journey, version, entered_hour, ended_hour, status, exit_reason, variant,
		                                          instances, converted)
		SELECT p.journey, p.version, date_trunc('hour', p.entered_at, 'UTC'), date_trunc('hour', p.ended_at, 'UTC'),
		       CASE p.status WHEN 'c' THEN 'completed' WHEN 'e' THEN 'exited' ELSE 'failed' END,
		       coalesce(p.exit_reason, ''), coalesce(p.variant, ''), count(*),
		       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM journey.conversions c
		                                       WHERE c.user_id = p.user_id AND c.instance_id = p.id))
		  FROM p
		 GROUP BY 1, 2, 3, 4, 5, 6, 7
		ON CONFLICT ON CONSTRAINT instance_rollup_pkey DO UPDATE
			SET instances = r.instances + excluded.instances, converted = r.converted + excluded.converted
		RETURNING 1
	), visited AS (
		-- visits: one count per node, in the version's node order (its ids sorted bytewise), comma-separated.
		INSERT INTO journey.visit_rollup AS r (journey, version, node, visits)
		SELECT p.journey, p.version, n.node, sum(v.visits)
		  FROM p
		 CROSS JOIN LATERAL unnest(string_to_array(nullif(p.visits, ''), ',')::bigint[]) WITH ORDINALITY AS v(visits, k)
		  JOIN LATERAL journey._node_order(p.definition) n ON n.k = v.k
		 WHERE v.visits > 0
		 GROUP BY 1, 2, 3
		ON CONFLICT ON CONSTRAINT visit_rollup_pkey DO UPDATE SET visits = r.visits + excluded.visits
		RETURNING 1
	)
	SELECT count(*) INTO instances FROM p, (SELECT count(*) FROM counted) c1, (SELECT count(*) FROM visited) c2;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION journey.purge(int) IS
	'deletes up to max_rows sent, dead and suppressed outbox rows older than journey.outbox_retention and as many ended instances older than journey.instance_retention (whose goal window closed), counting them first in journey.outbox_rollup, journey.instance_rollup and journey.visit_rollup; skips rows locked by others; the scheduler calls it about once a minute';

-- No SET clause (a procedure with one cannot COMMIT): every name is qualified.
CREATE PROCEDURE journey._purge_job()
LANGUAGE plpgsql
AS $$
DECLARE
	r record;
BEGIN
	-- A transaction per batch of 1,000, until a batch finds less (at most 1,000 batches a run).
	FOR k IN 1 .. 1000 LOOP
		SELECT p.outbox, p.instances INTO r FROM journey.purge(1000) AS p;
		COMMIT;
		EXIT WHEN r.outbox < 1000 AND r.instances < 1000;
	END LOOP;
END
$$;
COMMENT ON PROCEDURE journey._purge_job() IS
	'internal: what the pg_cron job of journey.schedule_scheduler runs: journey.purge in batches of 1,000, a transaction each';
