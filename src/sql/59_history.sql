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

-- What a history line's code stands for (src/core/history.cpp writes them: keep the two lists alike).
CREATE FUNCTION journey._history_what(code text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE code WHEN 'e' THEN 'entered' WHEN 'w' THEN 'waiting' WHEN 'r' THEN 'resumed' WHEN 'v' THEN 'visited'
	                 WHEN 'b' THEN 'branch' WHEN 's' THEN 'sent' WHEN 'x' THEN 'suppressed' WHEN 'u' THEN 'updated'
	                 WHEN 'c' THEN 'called' WHEN 'd' THEN 'branch_ended' WHEN 'o' THEN 'completed'
	                 WHEN 'q' THEN 'exited' WHEN 'f' THEN 'failed' ELSE code END
$$;
COMMENT ON FUNCTION journey._history_what(text) IS 'internal: the word a history line''s one-letter code stands for';

-- A history line's detail with what the engine left out because the definition tells it added back from the
-- version's nodes: a send's channel, template and dedup key (from its visit "v"), a branch's next.
CREATE FUNCTION journey._complete_detail(what text, node text, detail jsonb, nodes jsonb, instance_id bigint)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
	       WHEN what IN ('sent', 'suppressed') AND node IS NOT NULL THEN
	            jsonb_strip_nulls(jsonb_build_object('channel', nodes -> node -> 'send' ->> 'channel',
	                                                 'template', nodes -> node -> 'send' ->> 'template'))
	            || (detail - 'v')
	            || CASE WHEN detail ? 'v' THEN jsonb_build_object('dedup_key', instance_id || ':' || node || ':' || (detail ->> 'v'))
	                    ELSE '{}' END
	       WHEN what = 'branch' AND node IS NOT NULL AND NOT detail ? 'next' AND NOT detail ? 'branches' THEN
	            detail || jsonb_build_object('next',
	                CASE WHEN detail ? 'result' THEN nodes -> node -> CASE WHEN (detail ->> 'result')::bool THEN 'then' ELSE 'else' END
	                     WHEN detail ->> 'case' = 'default' THEN nodes -> node -> 'default'
	                     WHEN detail ? 'case' THEN nodes -> node -> 'switch' -> ((detail ->> 'case')::int) -> 'next'
	                     WHEN detail ? 'label' THEN (SELECT a -> 'next' FROM jsonb_array_elements(nodes -> node -> 'split') AS a
	                                                  WHERE a ->> 'label' = detail ->> 'label' LIMIT 1) END)
	       ELSE detail END
$$;
COMMENT ON FUNCTION journey._complete_detail(text, text, jsonb, jsonb, bigint) IS
	'internal: a history line''s detail with what the definition tells added back (a send''s channel, template and dedup key, a branch''s next)';

CREATE FUNCTION journey.user_history(user_id text)
RETURNS TABLE (at timestamptz, journey text, version int, node text, what text, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	-- Lines "T|N|W|D" (src/core/history.cpp): T empty when it is the previous line's; N a node index, or "@"
	-- and its id; W a code; D the detail's JSON, empty for {}, without what the definition tells (a send's
	-- channel, template and dedup key but its visit "v", a branch's next).
	WITH lines AS (
		SELECT i.id AS instance_id, i.version_id, l.k, nullif(l.t, '')::bigint AS t, l.node, l.w, l.d
		  FROM journey.instance i
		  JOIN journey.versions v ON v.id = i.version_id
		 CROSS JOIN LATERAL journey._history_lines(i.history, v.definition) l
		 WHERE i.user_id = $1 AND i.history IS NOT NULL
	), grouped AS (	-- a line without a time takes the one before it (lines cut by the 32 kB bound: the next)
		SELECT x.*, count(x.t) OVER (PARTITION BY x.instance_id ORDER BY x.k) AS g FROM lines x
	), timed AS (
		SELECT x.*, coalesce(max(x.t) OVER (PARTITION BY x.instance_id, x.g),
		                     min(x.t) OVER (PARTITION BY x.instance_id)) AS tt
		  FROM grouped x
	), decoded AS (
		SELECT y.*, coalesce(y.d::jsonb, '{}') AS dj, journey._history_what(y.w) AS what
		  FROM timed y
	), named AS (
		SELECT timestamptz '2000-01-01 00:00:00+00' + x.tt * interval '1 microsecond' AS at, v.journey, v.version,
		       x.node, x.what,
		       journey._complete_detail(x.what, x.node, x.dj, v.definition -> 'nodes', x.instance_id)
		       || jsonb_build_object('instance', x.instance_id) AS detail,
		       x.instance_id, x.k
		  FROM decoded x
		  JOIN journey.versions v ON v.id = x.version_id
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
