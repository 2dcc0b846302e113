-- Nesting limits of a definition (README "The journey language built so far", src/core/compile.hpp):
-- at most 100 levels of arrays and objects; deeper input is refused with 22023 at the path where the limit
-- is crossed, never recursed into — also when the jsonb was built deeper than its text parser allows.
\pset null '(null)'
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$f$;
-- A run of "[0]" in a path, written once with its count: "x[0][0][0]" -> "x[0]*3".
CREATE FUNCTION pg_temp.squeeze(t text) RETURNS text LANGUAGE sql AS $f$
	SELECT CASE WHEN m IS NULL THEN t ELSE replace(t, m, '[0]*' || (length(m) / 3)::text) END
	  FROM (SELECT substring(t FROM '(?:\[0\])+') AS m) s
$f$;
-- A journey whose condition value holds `levels` nested arrays: its deepest level is 4 + levels.
CREATE FUNCTION pg_temp.deep_value(levels int) RETURNS jsonb LANGUAGE sql AS $f$
	SELECT ('{"name": "deep", "trigger": {"event": "go"}, "start": "check", "nodes": {"check": {"if": '
	        '{"attribute": "a", "op": "=", "value": ' || repeat('[', levels) || '1' || repeat(']', levels)
	        || '}, "then": "done", "else": "done"}, "done": {"exit": "completed"}}}')::jsonb
$f$;
-- `levels` nested arrays built by jsonb_build_array, not parsed from text.
CREATE FUNCTION pg_temp.nested(levels int) RETURNS jsonb LANGUAGE plpgsql AS $f$
DECLARE
	d jsonb := '1';
BEGIN
	FOR i IN 1..levels LOOP
		d := jsonb_build_array(d);
	END LOOP;
	RETURN d;
END
$f$;
-- 100 levels: valid.
SELECT count(*) AS problems FROM journey.validate(pg_temp.deep_value(96));
-- 101 levels: one problem, at the first level too deep.
SELECT pg_temp.squeeze(path) AS path, message FROM journey.validate(pg_temp.deep_value(97));
SELECT pg_temp.squeeze(pg_temp.err($$SELECT journey.define(pg_temp.deep_value(97))$$)) AS err;
-- 1,000 levels of text, and 2,000 levels built in SQL: the same error, nothing recursed into.
SELECT pg_temp.squeeze(pg_temp.err($$SELECT journey.define(pg_temp.deep_value(1000))$$)) AS err;
SELECT pg_temp.squeeze(pg_temp.err($$SELECT journey.define(jsonb_build_object('name', 'deep2',
  'trigger', jsonb_build_object('event', 'go'), 'description', pg_temp.nested(2000), 'start', 'a',
  'nodes', jsonb_build_object('a', jsonb_build_object('exit', 'done'))))$$)) AS err;
-- A number beyond a double's range, which jsonb holds.
SELECT pg_temp.err($$SELECT journey.define('{"name": "big", "description": 1e400}')$$) LIKE
       '22023: journey "big": invalid json: %' AS refused;
-- Nothing was written.
SELECT count(*) AS journeys FROM journey.journeys WHERE name IN ('deep', 'deep2', 'big');
