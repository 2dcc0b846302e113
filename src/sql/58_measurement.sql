-- Seeing what happens (SPEC §8): summary, node_stats, split_report (and split_uplift), timeseries,
-- promote_winner, and the definition diff of journey.changes.
--
-- Every count is derived from what the engine writes anyway — instances (status, visits per node, split label),
-- outbox rows, goal conversions, delivery reports — plus the rollups that retention leaves of deleted rows
-- (56_retention.sql), so no trigger updates a shared counter and no number changes when old rows are purged.
-- The functions read with one scan per table, grouping before any per-row parsing (instances share a few
-- distinct visit strings), so they stay under a second over a million instances (bench workload 13).

-- What became of sent messages: one row per outbox row and reported status (journey.report_delivery), so that
-- a message opened twice counts once. A complaint also records 'opened' (SPEC §8: it counts as opened).
CREATE TABLE journey.delivery_reports (
	outbox_id    bigint NOT NULL,
	status       text NOT NULL CHECK (status IN ('delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed')),
	reported_at  timestamptz NOT NULL,
	journey      text NOT NULL,
	version      int NOT NULL,
	node         text NOT NULL,
	channel      text NOT NULL,
	PRIMARY KEY (outbox_id, status)
);
COMMENT ON TABLE journey.delivery_reports IS
	'delivery reports of outbox rows, one per row and status (a complaint also counts as opened): what node_stats counts as delivered, opened, clicked, bounced and unsubscribed';
CREATE INDEX delivery_reports_journey ON journey.delivery_reports (journey, version, node);
CREATE INDEX delivery_reports_reported_brin ON journey.delivery_reports USING brin (reported_at)
	WITH (pages_per_range = 32, autosummarize = on);
SELECT pg_catalog.pg_extension_config_dump('journey.delivery_reports', '');

CREATE TABLE journey.delivery_rollup (
	journey   text NOT NULL,
	version   int NOT NULL,
	node      text NOT NULL,
	channel   text NOT NULL,
	reported_hour timestamptz NOT NULL,
	status    text NOT NULL,
	messages  bigint NOT NULL,
	PRIMARY KEY (journey, version, node, channel, reported_hour, status)
);
COMMENT ON TABLE journey.delivery_rollup IS
	'delivery reports deleted by retention (journey.outbox_retention), counted per journey, version, node, channel, hour and status';
SELECT pg_catalog.pg_extension_config_dump('journey.delivery_rollup', '');

-- The id of a journey by name; 42704 when there is none.
CREATE FUNCTION journey._journey_id(name text)
RETURNS int
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	jid int;
BEGIN
	SELECT j.id INTO jid FROM journey.journeys j WHERE j.name = _journey_id.name;
	IF jid IS NULL THEN
		PERFORM journey._unknown_journey(_journey_id.name);
	END IF;
	RETURN jid;
END
$$;
COMMENT ON FUNCTION journey._journey_id(text) IS 'internal: the id of a journey by name (42704 when it does not exist)';

-- A fraction, null when the denominator is 0 (no rate of nothing).
CREATE FUNCTION journey._rate(part bigint, whole bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN whole > 0 THEN round(part::numeric / whole, 6) END $$;
COMMENT ON FUNCTION journey._rate(bigint, bigint) IS
	'internal: part / whole as a fraction rounded to 6 decimals; null when whole is 0';

CREATE FUNCTION journey.summary(name text)
RETURNS TABLE (version int, entered bigint, active bigint, completed bigint, exited bigint, converted bigint,
               conversion_rate numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	jid int := journey._journey_id(summary.name);
BEGIN
	RETURN QUERY
	WITH live AS (
		SELECT i.version_id, count(*) AS n,
		       count(*) FILTER (WHERE i.status = 'a') AS a, count(*) FILTER (WHERE i.status = 'c') AS c,
		       count(*) FILTER (WHERE i.status = 'e') AS e
		  FROM journey.instance i WHERE i.journey_id = jid GROUP BY i.version_id
	), purged AS (
		SELECT r.version, sum(r.instances)::bigint AS n,
		       coalesce(sum(r.instances) FILTER (WHERE r.status = 'completed'), 0)::bigint AS c,
		       coalesce(sum(r.instances) FILTER (WHERE r.status = 'exited'), 0)::bigint AS e
		  FROM journey.instance_rollup r WHERE r.journey = summary.name GROUP BY r.version
	), conv AS (
		SELECT c.version, count(*) AS n FROM journey.conversions c WHERE c.journey = summary.name GROUP BY c.version
	), counts AS (
		SELECT v.version,
		       coalesce(l.n, 0) + coalesce(p.n, 0) AS entered, coalesce(l.a, 0) AS active,
		       coalesce(l.c, 0) + coalesce(p.c, 0) AS completed, coalesce(l.e, 0) + coalesce(p.e, 0) AS exited,
		       coalesce(cv.n, 0) AS converted
		  FROM journey.versions v
		  LEFT JOIN live l ON l.version_id = v.id
		  LEFT JOIN purged p ON p.version = v.version
		  LEFT JOIN conv cv ON cv.version = v.version
		 WHERE v.journey = summary.name
	)
	SELECT k.version, k.entered, k.active, k.completed, k.exited, k.converted, journey._rate(k.converted, k.entered)
	  FROM counts k ORDER BY k.version;
END
$$;
COMMENT ON FUNCTION journey.summary(text) IS
	'per version of a journey: users entered, active now, completed, exited, converted (reached the goal) and the conversion rate (a fraction; null before anyone entered); counts include instances deleted by retention';

-- Every node of every version of a journey, with its position in the engine's node order (ids sorted
-- bytewise): the index of its count in journey.instance.visits.
CREATE FUNCTION journey._journey_nodes(name text)
RETURNS TABLE (version_id int, version int, node text, k bigint)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT v.id, v.version, n.node, n.k
	  FROM journey.versions v
	 CROSS JOIN LATERAL journey._node_order(v.definition) n
	 WHERE v.journey = $1
$$;
COMMENT ON FUNCTION journey._journey_nodes(text) IS
	'internal: the nodes of every version of a journey with their index in the engine''s node order';

CREATE FUNCTION journey.node_stats(name text)
RETURNS TABLE (version int, node text, visits bigint, waiting bigint, sent bigint, suppressed bigint,
               delivered bigint, opened bigint, clicked bigint, bounced bigint, unsubscribed bigint,
               open_rate numeric, click_rate numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	jid int := journey._journey_id(node_stats.name);
BEGIN
	RETURN QUERY
	WITH nodes AS MATERIALIZED (
		SELECT * FROM journey._journey_nodes(node_stats.name)
	), groups AS MATERIALIZED (
		-- One scan of the journey's instances, grouped: they share few distinct visit strings and waiting
		-- places, so each is parsed once.
		SELECT i.version_id, i.visits, CASE WHEN i.status = 'a' THEN i.node END AS node,
		       CASE WHEN i.status = 'a' THEN i.branches END AS branches, count(*) AS n
		  FROM journey.instance i WHERE i.journey_id = jid
		 GROUP BY 1, 2, 3, 4
	), live_visits AS (
		SELECT g.version_id, x.k, sum(x.visits * g.n)::bigint AS visits
		  FROM groups g
		 CROSS JOIN LATERAL unnest(string_to_array(nullif(g.visits, ''), ',')::bigint[]) WITH ORDINALITY AS x(visits, k)
		 GROUP BY g.version_id, x.k
	), waiting AS (	-- the branch that wakes first, and the others of parallel nodes
		SELECT w.version_id, w.node, sum(w.n)::bigint AS n
		  FROM (SELECT g.version_id, g.node, g.n FROM groups g WHERE g.node IS NOT NULL
		        UNION ALL
		        SELECT g.version_id, b ->> 'node', g.n FROM groups g
		         CROSS JOIN LATERAL jsonb_array_elements(g.branches) AS b
		         WHERE jsonb_typeof(g.branches) = 'array') w
		 GROUP BY w.version_id, w.node
	), messages AS (
		SELECT o.version, o.node, o.status, count(*) AS n
		  FROM journey.outbox o WHERE o.journey = node_stats.name GROUP BY o.version, o.node, o.status
		UNION ALL
		SELECT r.version, r.node, r.status, sum(r.messages)::bigint
		  FROM journey.outbox_rollup r WHERE r.journey = node_stats.name GROUP BY r.version, r.node, r.status
	), reports AS (
		SELECT d.version, d.node, d.status, count(*) AS n
		  FROM journey.delivery_reports d WHERE d.journey = node_stats.name GROUP BY d.version, d.node, d.status
		UNION ALL
		SELECT r.version, r.node, r.status, sum(r.messages)::bigint
		  FROM journey.delivery_rollup r WHERE r.journey = node_stats.name GROUP BY r.version, r.node, r.status
	), per_node AS (
		SELECT n.version, n.node,
		       coalesce(lv.visits, 0) + coalesce((SELECT sum(vr.visits) FROM journey.visit_rollup vr
		                                          WHERE vr.journey = node_stats.name AND vr.version = n.version
		                                            AND vr.node = n.node), 0)::bigint AS visits,
		       coalesce(w.n, 0) AS waiting,
		       coalesce((SELECT sum(m.n) FROM messages m WHERE m.version = n.version AND m.node = n.node
		                    AND m.status <> 'suppressed'), 0)::bigint AS sent,
		       coalesce((SELECT sum(m.n) FROM messages m WHERE m.version = n.version AND m.node = n.node
		                    AND m.status = 'suppressed'), 0)::bigint AS suppressed,
		       coalesce((SELECT sum(d.n) FILTER (WHERE d.status = 'delivered') FROM reports d
		                  WHERE d.version = n.version AND d.node = n.node), 0)::bigint AS delivered,
		       coalesce((SELECT sum(d.n) FILTER (WHERE d.status = 'opened') FROM reports d
		                  WHERE d.version = n.version AND d.node = n.node), 0)::bigint AS opened,
		       coalesce((SELECT sum(d.n) FILTER (WHERE d.status = 'clicked') FROM reports d
		                  WHERE d.version = n.version AND d.node = n.node), 0)::bigint AS clicked,
		       coalesce((SELECT sum(d.n) FILTER (WHERE d.status = 'bounced') FROM reports d
		                  WHERE d.version = n.version AND d.node = n.node), 0)::bigint AS bounced,
		       coalesce((SELECT sum(d.n) FILTER (WHERE d.status = 'unsubscribed') FROM reports d
		                  WHERE d.version = n.version AND d.node = n.node), 0)::bigint AS unsubscribed
		  FROM nodes n
		  LEFT JOIN live_visits lv ON lv.version_id = n.version_id AND lv.k = n.k
		  LEFT JOIN waiting w ON w.version_id = n.version_id AND w.node = n.node
	)
	SELECT p.version, p.node, p.visits, p.waiting, p.sent, p.suppressed, p.delivered, p.opened, p.clicked,
	       p.bounced, p.unsubscribed, journey._rate(p.opened, p.sent), journey._rate(p.clicked, p.sent)
	  FROM per_node p ORDER BY p.version, p.node COLLATE "C";
END
$$;
COMMENT ON FUNCTION journey.node_stats(text) IS
	'per version and node of a journey: visits, users waiting there now, messages sent (written pending or later, not suppressed) and suppressed, and of the sent ones how many were delivered, opened (a complaint counts as opened), clicked, bounced, unsubscribed (journey.report_delivery), with open and click rates over sent (fractions; null where nothing was sent); counts include rows deleted by retention';

CREATE FUNCTION journey._compare_arms(converted bigint, entered bigint, base_converted bigint, base_entered bigint)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'journey_compare_arms'
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION journey._compare_arms(bigint, bigint, bigint, bigint) IS
	'internal: an arm against its baseline: {uplift, uplift_low, uplift_high, relative_uplift, z, p_value} (the difference of the conversion rates with its 95 % Wald interval, the two-proportion z-test; null elements where undefined)';

-- split_uplift's rows, of one version (only_version) or of all (null); journey.render draws a version's.
-- An arm is a split node's label: an instance counts for it when its split label (journey.instance.variant, the
-- latest split it took) is the label and it visited that node (its visits there, at the node's index in the
-- version's node order, are not 0). Rolled-up instances (retention) count by label alone.
CREATE FUNCTION journey._split_stats(name text, only_version int)
RETURNS TABLE (node text, label text, baseline text, entered bigint, converted bigint, conversion_rate numeric,
               uplift numeric, uplift_low numeric, uplift_high numeric, relative_uplift numeric, z numeric,
               p_value numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	jid int := journey._journey_id(_split_stats.name);
BEGIN
	RETURN QUERY
	WITH version_arms AS MATERIALIZED (	-- the arms of the split nodes of the versions counted
		SELECT v.id AS version_id, v.version, n.key AS node, a.arm ->> 'label' AS label, a.ord,
		       jsonb_typeof(a.arm -> 'next') IS DISTINCT FROM 'string' AS holdout,
		       (SELECT o.k FROM journey._node_order(v.definition) o WHERE o.node = n.key)::int AS k
		  FROM journey.versions v
		 CROSS JOIN LATERAL jsonb_each(v.definition -> 'nodes') AS n
		 CROSS JOIN LATERAL jsonb_array_elements(n.value -> 'split') WITH ORDINALITY AS a(arm, ord)
		 WHERE v.journey = _split_stats.name AND jsonb_typeof(n.value -> 'split') = 'array'
		   AND (only_version IS NULL OR v.version = only_version)
	), arms AS (	-- each (node, label) once, as the latest version counted has it
		SELECT DISTINCT ON (va.node, va.label) va.node, va.label, va.ord, va.holdout
		  FROM version_arms va ORDER BY va.node, va.label, va.version DESC
	), live AS (	-- one scan of the instances, each looked up in a hash of the journey's conversions
		SELECT i.version_id, i.variant, i.visits, count(*) AS n, count(c.instance_id) AS conv
		  FROM journey.instance i
		  LEFT JOIN journey.conversions c
		         ON c.user_id = i.user_id AND c.instance_id = i.id AND c.journey = _split_stats.name
		 WHERE i.journey_id = jid AND i.variant IS NOT NULL
		 GROUP BY i.version_id, i.variant, i.visits
	), live_counts AS (
		SELECT va.node, va.label, sum(l.n)::bigint AS n, sum(l.conv)::bigint AS conv
		  FROM version_arms va
		  JOIN live l ON l.version_id = va.version_id AND l.variant = va.label
		             AND coalesce(nullif(split_part(l.visits, ',', va.k), ''), '0') <> '0'
		 GROUP BY va.node, va.label
	), purged_counts AS (
		SELECT va.node, va.label, sum(r.instances)::bigint AS n, sum(r.converted)::bigint AS conv
		  FROM version_arms va
		  JOIN journey.instance_rollup r ON r.journey = _split_stats.name AND r.version = va.version AND r.variant = va.label
		 GROUP BY va.node, va.label
	), counts AS (
		SELECT a.node, a.label, a.ord, a.holdout, coalesce(lc.n, 0) + coalesce(pc.n, 0) AS entered,
		       coalesce(lc.conv, 0) + coalesce(pc.conv, 0) AS converted
		  FROM arms a
		  LEFT JOIN live_counts lc ON lc.node = a.node AND lc.label = a.label
		  LEFT JOIN purged_counts pc ON pc.node = a.node AND pc.label = a.label
	), with_base AS (
		SELECT k.*, (SELECT b.label FROM counts b WHERE b.node = k.node ORDER BY b.holdout DESC, b.ord LIMIT 1) AS baseline
		  FROM counts k
	), compared AS (
		SELECT w.*, CASE WHEN w.label <> w.baseline
		                 THEN journey._compare_arms(w.converted, w.entered, bk.converted, bk.entered) END AS s
		  FROM with_base w LEFT JOIN with_base bk ON bk.node = w.node AND bk.label = w.baseline
	)
	SELECT c.node, c.label, c.baseline, c.entered, c.converted, journey._rate(c.converted, c.entered),
	       round(c.s[1]::numeric, 6), round(c.s[2]::numeric, 6), round(c.s[3]::numeric, 6), round(c.s[4]::numeric, 6),
	       round(c.s[5]::numeric, 6), round(c.s[6]::numeric, 6)
	  FROM compared c ORDER BY c.node COLLATE "C", c.ord;
END
$$;
COMMENT ON FUNCTION journey._split_stats(text, int) IS
	'internal: journey.split_uplift over one version of a journey (or all when only_version is null)';

CREATE FUNCTION journey.split_uplift(name text)
RETURNS TABLE (node text, label text, baseline text, entered bigint, converted bigint, conversion_rate numeric,
               uplift numeric, uplift_low numeric, uplift_high numeric, relative_uplift numeric, z numeric,
               p_value numeric)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM journey._split_stats($1, NULL) $$;
COMMENT ON FUNCTION journey.split_uplift(text) IS
	'per arm of each split node of a journey (all versions): entered, converted, conversion rate, and against the baseline arm (the holdout, else the first arm) the uplift (difference of rates) with its 95 % interval, the relative uplift, z and the two-sided p-value of the two-proportion z-test (null for the baseline itself)';

CREATE FUNCTION journey.split_report(name text)
RETURNS TABLE (node text, label text, entered bigint, converted bigint, conversion_rate numeric, p_value numeric)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.node, s.label, s.entered, s.converted, s.conversion_rate, s.p_value FROM journey.split_uplift($1) s
$$;
COMMENT ON FUNCTION journey.split_report(text) IS
	'per arm of each split node of a journey: users entered, converted, conversion rate (a fraction) and the two-proportion z-test p-value against the holdout arm, or the first arm when there is none (null for that arm); journey.split_uplift adds the uplift and its interval';

-- A bucket's calendar unit: minute, hour, day, week, month or year when the interval is exactly one of them (by
-- its fields: '24 hours' and '30 days' are not), else null — an interval of days and time, binned in absolute time.
CREATE FUNCTION journey._bucket_unit(bucket interval)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN f.m = 1 AND f.d = 0 AND f.t = 0 THEN 'month'
	            WHEN f.m = 12 AND f.d = 0 AND f.t = 0 THEN 'year'
	            WHEN f.m = 0 AND f.d = 1 AND f.t = 0 THEN 'day'
	            WHEN f.m = 0 AND f.d = 7 AND f.t = 0 THEN 'week'
	            WHEN f.m = 0 AND f.d = 0 AND f.t = 3600 THEN 'hour'
	            WHEN f.m = 0 AND f.d = 0 AND f.t = 60 THEN 'minute' END
	  FROM (SELECT extract(year FROM bucket) * 12 + extract(month FROM bucket) AS m, extract(day FROM bucket) AS d,
	               extract(hour FROM bucket) * 3600 + extract(minute FROM bucket) * 60 + extract(second FROM bucket) AS t) f
$$;
COMMENT ON FUNCTION journey._bucket_unit(interval) IS
	'internal: the calendar unit a timeseries bucket is exactly (minute, hour, day, week, month, year), else null';

-- A time's bucket: a calendar unit's start in the session's time zone, else binned (date_bin) in absolute time
-- from 2001-01-01 00:00 (a Monday) in that zone, days counting 24 hours.
CREATE FUNCTION journey._bucket(at timestamptz, bucket interval)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN journey._bucket_unit(bucket) IS NOT NULL THEN date_trunc(journey._bucket_unit(bucket), at)
	            ELSE date_bin(bucket, at, timestamp '2001-01-01 00:00' AT TIME ZONE current_setting('TimeZone')) END
$$;
COMMENT ON FUNCTION journey._bucket(timestamptz, interval) IS
	'internal: the start of the timeseries bucket that holds a time';

-- How many buckets a timeseries has: more than 100,000 is refused (54000), before any is made.
CREATE FUNCTION journey._check_buckets(buckets bigint)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF buckets > 100000 THEN
		RAISE EXCEPTION 'the timeseries would have % buckets, more than 100000', buckets USING ERRCODE = '54000',
			HINT = 'choose a larger bucket or a shorter range (since, until)';
	END IF;
	RETURN buckets;
END
$$;
COMMENT ON FUNCTION journey._check_buckets(bigint) IS 'internal: refuses a timeseries of more than 100,000 buckets (54000)';

-- (PL/pgSQL cannot name an argument and a result column alike: journey.timeseries calls this.)
CREATE FUNCTION journey._timeseries(name text, step interval, since timestamptz, until timestamptz)
RETURNS TABLE (at timestamptz, entered bigint, completed bigint, exited bigint, converted bigint, sent bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
	jid int := journey._journey_id(_timeseries.name);
	unit text := journey._bucket_unit(step);
	step_seconds numeric;
BEGIN
	IF step IS NULL OR step <= interval '0' THEN
		RAISE EXCEPTION 'bucket must be a positive interval, not %', coalesce(step::text, 'null') USING ERRCODE = '22023';
	END IF;
	IF unit IS NULL AND (extract(month FROM step) <> 0 OR extract(year FROM step) <> 0) THEN
		RAISE EXCEPTION 'bucket % mixes months with other units', step USING ERRCODE = '22023',
			HINT = 'use 1 mon, 1 year, or days, hours and minutes';
	END IF;
	IF since IS NOT NULL AND until IS NOT NULL AND until < since THEN
		RAISE EXCEPTION 'until (%) is before since (%)', until, since USING ERRCODE = '22023';
	END IF;
	step_seconds := extract(day FROM step) * 86400 + extract(hour FROM step) * 3600 + extract(minute FROM step) * 60
	                + extract(second FROM step);
	RETURN QUERY
	WITH facts AS (	-- (time, entered, completed, exited, converted, sent) of every counted thing
		SELECT i.entered_at AS at, 1::bigint AS e, 0::bigint AS c, 0::bigint AS x, 0::bigint AS v, 0::bigint AS s
		  FROM journey.instance i WHERE i.journey_id = jid
		UNION ALL
		SELECT i.ended_at, 0, (i.status = 'c')::int, (i.status = 'e')::int, 0, 0
		  FROM journey.instance i WHERE i.journey_id = jid AND i.status IN ('c', 'e')
		UNION ALL
		SELECT r.entered_hour, r.instances, 0, 0, 0, 0 FROM journey.instance_rollup r WHERE r.journey = _timeseries.name
		UNION ALL
		SELECT r.ended_hour, 0, CASE WHEN r.status = 'completed' THEN r.instances ELSE 0 END,
		       CASE WHEN r.status = 'exited' THEN r.instances ELSE 0 END, 0, 0
		  FROM journey.instance_rollup r WHERE r.journey = _timeseries.name AND r.status IN ('completed', 'exited')
		UNION ALL
		SELECT c.converted_at, 0, 0, 0, 1, 0 FROM journey.conversions c WHERE c.journey = _timeseries.name
		UNION ALL
		SELECT o.created_at, 0, 0, 0, 0, 1 FROM journey.outbox o
		 WHERE o.journey = _timeseries.name AND o.status <> 'suppressed'
		UNION ALL
		SELECT r.created_hour, 0, 0, 0, 0, r.messages FROM journey.outbox_rollup r
		 WHERE r.journey = _timeseries.name AND r.status <> 'suppressed'
	), sums AS (
		SELECT journey._bucket(f.at, step) AS b, sum(f.e)::bigint AS e, sum(f.c)::bigint AS c, sum(f.x)::bigint AS x,
		       sum(f.v)::bigint AS v, sum(f.s)::bigint AS s
		  FROM facts f
		 WHERE (since IS NULL OR f.at >= since) AND (until IS NULL OR f.at < until)
		 GROUP BY 1
	), bounds AS (
		SELECT coalesce(journey._bucket(since, step), min(sm.b)) AS lo,
		       coalesce(journey._bucket(until - interval '1 microsecond', step), max(sm.b)) AS hi
		  FROM sums sm
	), checked AS (	-- how many buckets, checked before any is made (a calendar unit's count is an upper bound)
		SELECT bd.lo, bd.hi,
		       journey._check_buckets(CASE WHEN unit IS NULL THEN floor(extract(epoch FROM bd.hi - bd.lo) / step_seconds)::bigint + 1
		                                   ELSE ceil(extract(epoch FROM bd.hi - bd.lo) / (extract(epoch FROM step) * 0.9))::bigint + 1 END) AS n
		  FROM bounds bd WHERE bd.lo IS NOT NULL
	), series AS (	-- every bucket from the first to the last, empty ones included (what a chart draws)
		SELECT g.b FROM checked ck, generate_series(ck.lo, ck.hi, step) AS g(b) WHERE unit IS NOT NULL
		UNION ALL
		SELECT ck.lo + make_interval(secs => (k * step_seconds)::float8) FROM checked ck, generate_series(0, ck.n - 1) AS k
		 WHERE unit IS NULL
	)
	SELECT s.b, coalesce(m.e, 0), coalesce(m.c, 0), coalesce(m.x, 0), coalesce(m.v, 0), coalesce(m.s, 0)
	  FROM series s LEFT JOIN sums m ON m.b = s.b
	 ORDER BY s.b;
END
$$;
COMMENT ON FUNCTION journey._timeseries(text, interval, timestamptz, timestamptz) IS
	'internal: journey.timeseries';

CREATE FUNCTION journey.timeseries(name text, bucket interval DEFAULT '1 day', since timestamptz DEFAULT NULL,
                                   until timestamptz DEFAULT NULL)
RETURNS TABLE (bucket timestamptz, entered bigint, completed bigint, exited bigint, converted bigint, sent bigint)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM journey._timeseries($1, $2, $3, $4) $$;
COMMENT ON FUNCTION journey.timeseries(text, interval, timestamptz, timestamptz) IS
	'a journey''s activity per bucket (calendar units in the session''s time zone): users entered, completed, exited, converted, and messages sent (not suppressed), every bucket from since (or the first activity) to until (or the last), empty ones as zeros; rows deleted by retention count in their hour';

CREATE FUNCTION journey.promote_winner(name text, split_node text, label text)
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j journey.journeys;
	base jsonb;
	arms jsonb;
	v int;
BEGIN
	SELECT * INTO j FROM journey.journeys jj WHERE jj.name = promote_winner.name FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM journey._unknown_journey(promote_winner.name);
	END IF;
	IF j.status = 'archived' THEN
		RAISE EXCEPTION 'journey % is archived', journey._q(j.name) USING ERRCODE = '55000';
	END IF;
	-- The live version's definition (else the latest): the winner takes every user from now on.
	SELECT ve.definition INTO base FROM journey.versions ve
	 WHERE ve.journey = j.name ORDER BY (ve.version = j.live_version) DESC, ve.version DESC LIMIT 1;
	arms := base -> 'nodes' -> promote_winner.split_node -> 'split';
	IF base -> 'nodes' -> promote_winner.split_node IS NULL THEN
		RAISE EXCEPTION 'journey %: nodes.%: no such node', journey._q(j.name), promote_winner.split_node
			USING ERRCODE = '42704';
	END IF;
	IF jsonb_typeof(arms) IS DISTINCT FROM 'array' THEN
		RAISE EXCEPTION 'journey %: nodes.%: not a split node', journey._q(j.name), promote_winner.split_node
			USING ERRCODE = '22023';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(arms) a WHERE a ->> 'label' = promote_winner.label) THEN
		RAISE EXCEPTION 'journey %: nodes.%.split: no arm labelled %', journey._q(j.name), promote_winner.split_node,
			journey._q(promote_winner.label) USING ERRCODE = '22023',
			HINT = (SELECT 'its arms: ' || string_agg(a ->> 'label', ', ') FROM jsonb_array_elements(arms) a);
	END IF;
	-- Every arm stays (its branch, its label in reports, node names for migration); the winner gets 100 %.
	SELECT jsonb_agg(jsonb_set(a.arm, '{percent}', to_jsonb(CASE WHEN a.arm ->> 'label' = promote_winner.label
	                                                             THEN 100 ELSE 0 END)) ORDER BY a.ord)
	  INTO arms FROM jsonb_array_elements(arms) WITH ORDINALITY AS a(arm, ord);
	v := journey.define(jsonb_set(base, ARRAY['nodes', promote_winner.split_node, 'split'], arms), false);
	PERFORM journey.publish(j.name, v, 'keep');
	INSERT INTO journey.change_log (action, journey, version, detail)
	VALUES ('promote_winner', j.name, v, jsonb_build_object('split_node', promote_winner.split_node,
	                                                        'label', promote_winner.label));
	RETURN v;
END
$$;
COMMENT ON FUNCTION journey.promote_winner(text, text, text) IS
	'publishes a new version of a journey (from its live version) whose split node sends every user down the winning arm (100 %, the others 0 %); users in flight keep their version; returns the new version number';

-- The difference between two definitions: one row per path whose value differs (objects compared key by
-- key, anything else as a whole), as {"path", "op": added|removed|changed, "old"?, "new"?}.
CREATE FUNCTION journey.definition_diff(old jsonb, new jsonb, path text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	out jsonb := '[]';
	k text;
	sub text;
BEGIN
	IF old IS NOT DISTINCT FROM new THEN
		RETURN out;
	END IF;
	IF old IS NULL THEN
		RETURN jsonb_build_array(jsonb_build_object('path', path, 'op', 'added', 'new', new));
	ELSIF new IS NULL THEN
		RETURN jsonb_build_array(jsonb_build_object('path', path, 'op', 'removed', 'old', old));
	ELSIF jsonb_typeof(old) <> 'object' OR jsonb_typeof(new) <> 'object' THEN
		RETURN jsonb_build_array(jsonb_build_object('path', path, 'op', 'changed', 'old', old, 'new', new));
	END IF;
	FOR k IN SELECT x FROM (SELECT jsonb_object_keys(old) UNION SELECT jsonb_object_keys(new)) AS u(x)
	          ORDER BY x COLLATE "C" LOOP
		sub := CASE WHEN path = '' THEN k ELSE path || '.' || k END;
		out := out || journey.definition_diff(old -> k, new -> k, sub);
	END LOOP;
	RETURN out;
END
$$;
COMMENT ON FUNCTION journey.definition_diff(jsonb, jsonb, text) IS
	'what changed from one definition to another (journey.changes shows it for each version), as [{"path", "op": added|removed|changed, "old", "new"}]: objects compared key by key, anything else as a whole, paths dotted as in error messages (under path when given)';

CREATE VIEW journey.changes AS
	SELECT l.at, l.actor, l.action, l.journey, l.version, l.detail,
	       CASE WHEN l.action = 'define' AND l.version > 1 THEN
	            journey.definition_diff((SELECT p.definition FROM journey.versions p
	                                       WHERE p.journey = l.journey AND p.version < l.version
	                                       ORDER BY p.version DESC LIMIT 1),
	                                     (SELECT d.definition FROM journey.versions d
	                                       WHERE d.journey = l.journey AND d.version = l.version))
	       END AS diff
	  FROM journey.change_log l;
COMMENT ON VIEW journey.changes IS
	'who defined, published, paused, resumed, archived which journey, and when; for a definition, diff lists what changed from the previous version ([{"path", "op", "old", "new"}]; null for the first version)';
