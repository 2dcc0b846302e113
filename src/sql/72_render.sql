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
