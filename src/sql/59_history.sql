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
	WITH lines AS (
		SELECT i.id AS instance_id, i.version_id, l.line::jsonb AS line, l.k
		  FROM journey.instance i
		 CROSS JOIN LATERAL string_to_table(i.history, E'\n') WITH ORDINALITY AS l(line, k)
		 WHERE i.user_id = $1 AND i.history IS NOT NULL AND l.line <> ''
	), named AS (
		SELECT (x.line ->> 'at')::timestamptz AS at, v.journey, v.version,
		       coalesce(x.line ->> 'node',
		                (SELECT n.node FROM jsonb_object_keys(v.definition -> 'nodes') AS n(node)
		                  ORDER BY n.node COLLATE "C" OFFSET (x.line ->> 'n')::int LIMIT 1)) AS node,
		       x.line ->> 'what' AS what,
		       coalesce(x.line -> 'detail', '{}') || jsonb_build_object('instance', x.instance_id) AS detail,
		       x.instance_id, x.k
		  FROM lines x JOIN journey.versions v ON v.id = x.version_id
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
