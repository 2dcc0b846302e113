-- A user's history (SPEC §8, journey.user_history): every step a user took and why. The engine keeps each
-- instance's lines on its own row (journey.instance.history, written with the step it describes: no extra row,
-- no extra index on the hot path) when journey.history is steps (the default) or all; with all, entries that
-- rules refused are rows of journey.refusals. Goal conversions come from journey.conversions.
-- Bounded: an instance keeps at most 32 kB of lines (the oldest give way), journey.purge clears the history of
-- instances that ended before journey.history_retention and deletes older refusals, and an instance's history
-- goes with the instance (journey.instance_retention).

CREATE TABLE journey.refusals (
	user_id    text NOT NULL,
	at         timestamptz NOT NULL,
	journey    text NOT NULL,
	version    int NOT NULL,
	entry_key  text NOT NULL DEFAULT '',
	reason     text NOT NULL
);
COMMENT ON TABLE journey.refusals IS
	'entries that a journey''s rules refused (reentry, cooldown, max_entries, when, throttle, already active), kept when journey.history is all';
CREATE INDEX refusals_user ON journey.refusals (user_id, at);
CREATE INDEX refusals_at_brin ON journey.refusals USING brin (at) WITH (pages_per_range = 32, autosummarize = on);
SELECT pg_catalog.pg_extension_config_dump('journey.refusals', '');

CREATE FUNCTION journey.user_history(user_id text)
RETURNS TABLE (at timestamptz, journey text, version int, node text, what text, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	-- Lines "T|N|W|D" (src/core/history.cpp): T empty when it is the previous line's; N a node index, or "@"
	-- and its id; W a code; D the detail's JSON, empty for {}, without what the definition tells (a send's
	-- channel, template and dedup key but its visit "v", a branch's next).
	WITH lines AS (
		SELECT i.id AS instance_id, i.version_id, l.k,
		       nullif(split_part(l.line, '|', 1), '')::bigint AS t, split_part(l.line, '|', 2) AS n,
		       split_part(l.line, '|', 3) AS w,
		       nullif(substr(l.line, length(split_part(l.line, '|', 1)) + length(split_part(l.line, '|', 2))
		                             + length(split_part(l.line, '|', 3)) + 4), '') AS d
		  FROM journey.instance i
		 CROSS JOIN LATERAL string_to_table(i.history, E'\n') WITH ORDINALITY AS l(line, k)
		 WHERE i.user_id = $1 AND i.history IS NOT NULL AND l.line <> ''
	), grouped AS (	-- a line without a time takes the one before it (lines cut by the 32 kB bound: the next)
		SELECT x.*, count(x.t) OVER (PARTITION BY x.instance_id ORDER BY x.k) AS g FROM lines x
	), timed AS (
		SELECT x.*, coalesce(max(x.t) OVER (PARTITION BY x.instance_id, x.g),
		                     min(x.t) OVER (PARTITION BY x.instance_id)) AS tt
		  FROM grouped x
	), decoded AS (
		SELECT y.*, coalesce(y.d::jsonb, '{}') AS dj,
		       CASE y.w WHEN 'e' THEN 'entered' WHEN 'w' THEN 'waiting' WHEN 'r' THEN 'resumed' WHEN 'v' THEN 'visited'
		                WHEN 'b' THEN 'branch' WHEN 's' THEN 'sent' WHEN 'x' THEN 'suppressed' WHEN 'u' THEN 'updated'
		                WHEN 'c' THEN 'called' WHEN 'd' THEN 'branch_ended' WHEN 'o' THEN 'completed'
		                WHEN 'q' THEN 'exited' WHEN 'f' THEN 'failed' ELSE y.w END AS what,
		       CASE WHEN y.n = '' THEN NULL WHEN left(y.n, 1) = '@' THEN substr(y.n, 2)
		            ELSE (SELECT o.node FROM journey.versions vv, jsonb_object_keys(vv.definition -> 'nodes') AS o(node)
		                   WHERE vv.id = y.version_id ORDER BY o.node COLLATE "C" OFFSET y.n::int LIMIT 1) END AS node
		  FROM timed y
	), named AS (	-- what the engine left out because the definition tells it, added back
		SELECT timestamptz '2000-01-01 00:00:00+00' + x.tt * interval '1 microsecond' AS at, v.journey, v.version,
		       x.node, x.what,
		       CASE WHEN x.what IN ('sent', 'suppressed') AND x.node IS NOT NULL THEN
		                 jsonb_strip_nulls(jsonb_build_object('channel', nd -> 'send' ->> 'channel',
		                                                      'template', nd -> 'send' ->> 'template'))
		                 || (x.dj - 'v')
		                 || CASE WHEN x.dj ? 'v' THEN jsonb_build_object('dedup_key', x.instance_id || ':' || x.node || ':' || (x.dj ->> 'v'))
		                         ELSE '{}' END
		            WHEN x.what = 'branch' AND x.node IS NOT NULL AND NOT x.dj ? 'next' AND NOT x.dj ? 'branches' THEN
		                 x.dj || jsonb_build_object('next',
		                     CASE WHEN x.dj ? 'result' THEN nd -> CASE WHEN (x.dj ->> 'result')::bool THEN 'then' ELSE 'else' END
		                          WHEN x.dj ->> 'case' = 'default' THEN nd -> 'default'
		                          WHEN x.dj ? 'case' THEN nd -> 'switch' -> ((x.dj ->> 'case')::int) -> 'next'
		                          WHEN x.dj ? 'label' THEN (SELECT a -> 'next' FROM jsonb_array_elements(nd -> 'split') AS a
		                                                     WHERE a ->> 'label' = x.dj ->> 'label' LIMIT 1) END)
		            ELSE x.dj END || jsonb_build_object('instance', x.instance_id) AS detail,
		       x.instance_id, x.k
		  FROM decoded x
		  JOIN journey.versions v ON v.id = x.version_id
		 CROSS JOIN LATERAL (SELECT v.definition -> 'nodes' -> x.node AS nd) n
		UNION ALL
		SELECT c.converted_at, c.journey, c.version, NULL, 'converted',
		       jsonb_build_object('event', c.event, 'instance', c.instance_id), c.instance_id, 1000000
		  FROM journey.conversions c WHERE c.user_id = $1
		UNION ALL
		SELECT r.at, r.journey, r.version, NULL, 'not_entered',
		       jsonb_build_object('reason', r.reason) || CASE WHEN r.entry_key <> '' THEN jsonb_build_object('key', r.entry_key)
		                                                      ELSE '{}' END, NULL, 0
		  FROM journey.refusals r WHERE r.user_id = $1
	)
	SELECT n.at, n.journey, n.version, n.node, n.what, n.detail FROM named n
	 ORDER BY n.at, n.instance_id NULLS FIRST, n.k
$$;
COMMENT ON FUNCTION journey.user_history(text) IS
	'every step a user took in every journey, in time order, and why: entered, waiting (until, event), resumed (by time, timeout, event), branch (a condition''s result, a switch case, a split''s label), sent, suppressed (the reason), updated, called, completed, exited, failed (the error), converted (the goal''s event) and, with journey.history = all, not_entered (the rule that refused); detail names the instance';
