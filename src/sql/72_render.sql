-- Drawing a journey (SPEC §8): journey.render gathers the live counts and journey._render draws.

-- counts: {"nodes": {"<node id>": {"visits": n, "waiting": n}},
--          "arms": [{"node": "<split id>", "label": "A", "entered": n, "converted": n,
--                    "conversion_rate": x|null, "p_value": x|null}]}
-- Missing nodes, keys and a null counts count 0. Not strict: a null definition or format is an error
-- (22004); an unknown format or an invalid definition is 22023.
CREATE FUNCTION journey._render(definition jsonb, counts jsonb, format text)
RETURNS text
AS 'MODULE_PATHNAME', 'journey_render'
LANGUAGE c IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SECURITY INVOKER;
COMMENT ON FUNCTION journey._render(jsonb, jsonb, text) IS
	'internal: a definition drawn as a Mermaid flowchart (format ''mermaid'') or a Graphviz graph (''dot'') with the given counts per node and split arm; edge counts are inferred from node counts';
REVOKE ALL ON FUNCTION journey._render(jsonb, jsonb, text) FROM PUBLIC;

CREATE FUNCTION journey.render(name text, format text DEFAULT 'mermaid', version int DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v journey.versions;
	counts jsonb;
BEGIN
	PERFORM journey._journey_id(render.name);
	IF render.format IS NULL OR render.format NOT IN ('mermaid', 'dot') THEN
		RAISE EXCEPTION 'unknown format %', journey._q(render.format) USING ERRCODE = '22023',
			HINT = 'the formats are ''mermaid'' and ''dot''';
	END IF;
	-- The version asked for, else the live one, else the latest.
	SELECT * INTO v FROM journey.versions ve
	 WHERE ve.journey = render.name AND (render.version IS NULL OR ve.version = render.version)
	 ORDER BY (ve.version = (SELECT j.live_version FROM journey.journeys j WHERE j.name = render.name)) DESC NULLS LAST,
	          ve.version DESC
	 LIMIT 1;
	IF NOT FOUND THEN
		IF render.version IS NULL THEN
			RAISE EXCEPTION 'journey % has no version', journey._q(render.name) USING ERRCODE = '42704';
		END IF;
		RAISE EXCEPTION 'journey % has no version %', journey._q(render.name), render.version USING ERRCODE = '42704';
	END IF;
	SELECT jsonb_build_object(
	         'nodes', coalesce((SELECT jsonb_object_agg(s.node, jsonb_build_object('visits', s.visits, 'waiting', s.waiting))
	                              FROM journey.node_stats(render.name) s WHERE s.version = v.version), '{}'),
	         'arms', coalesce((SELECT jsonb_agg(jsonb_build_object('node', a.node, 'label', a.label, 'entered', a.entered,
	                                                               'converted', a.converted, 'conversion_rate', a.conversion_rate,
	                                                               'p_value', a.p_value))
	                             FROM journey._split_stats(render.name, v.version) a), '[]'))
	  INTO counts;
	RETURN journey._render(v.definition, counts, render.format);
END
$$;
COMMENT ON FUNCTION journey.render(text, text, int) IS
	'a journey version (default: the live one, else the latest) drawn as a Mermaid flowchart (''mermaid'') or a Graphviz graph (''dot''), with live counts: visits and users waiting per node, how many took each edge (inferred from the node counts where they tell), and each split arm''s conversion and p-value';
