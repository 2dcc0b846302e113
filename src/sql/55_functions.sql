-- Functions that call nodes may call: FUNC(user_id text, context jsonb) returns jsonb.

CREATE TABLE journey.allowed_functions (
	fn          regprocedure PRIMARY KEY,
	allowed_by  oid NOT NULL,
	allowed_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE journey.allowed_functions IS
	'functions that call nodes may call (journey.allow_function); a call runs with the rights of the role that allowed it';
SELECT pg_catalog.pg_extension_config_dump('journey.allowed_functions', '');
CREATE TRIGGER allowed_functions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.allowed_functions
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();

-- How definitions may name the allowed functions: "schema.name" always, "name" when no other allowed
-- function has that name.
CREATE FUNCTION journey._allowed_function_names()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	WITH f AS (
		SELECT p.proname::text AS name, n.nspname::text AS schema
		  FROM journey.allowed_functions a
		  JOIN pg_catalog.pg_proc p ON p.oid = a.fn
		  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
	)
	SELECT coalesce(array_agg(x ORDER BY x), '{}')
	  FROM (SELECT schema || '.' || name AS x FROM f
	        UNION
	        SELECT name FROM f GROUP BY name HAVING count(*) = 1) names;
$$;
COMMENT ON FUNCTION journey._allowed_function_names() IS
	'internal: the spellings of allowed functions that definitions may use in call nodes';

-- Every problem of a definition, with the channels and functions of this database.
CREATE FUNCTION journey._problems(definition jsonb)
RETURNS TABLE (path text, message text, sqlstate text)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM journey._problems($1, ARRAY(SELECT c.name FROM journey.channels c WHERE NOT c.builtin),
	                                journey._allowed_function_names(), ARRAY(SELECT s.name FROM journey.segment_defs s),
	                                ARRAY(SELECT t.name FROM journey.topics t));
$$;
COMMENT ON FUNCTION journey._problems(jsonb) IS
	'internal: every problem of a definition, with the channels, allowed functions, segments and topics of this database';

-- allowed_by is always the role that called journey.allow_function (journey_with_caller passes it): nobody
-- writes journey.allowed_functions directly, so no role can name another as the one a call runs as.
CREATE FUNCTION journey._allow_function(caller oid, fn regprocedure)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p pg_catalog.pg_proc;
BEGIN
	SELECT * INTO p FROM pg_catalog.pg_proc WHERE oid = fn;
	IF p.prokind <> 'f' OR p.pronargs <> 2 OR p.proargtypes[0] <> 'text'::regtype OR p.proargtypes[1] <> 'jsonb'::regtype
	   OR p.prorettype <> 'jsonb'::regtype OR p.proretset THEN
		RAISE EXCEPTION 'function % cannot be called by a journey', fn USING ERRCODE = '42P13',
			HINT = 'a call node calls FUNC(user_id text, context jsonb) returns jsonb';
	END IF;
	IF NOT pg_catalog.has_function_privilege(caller, fn, 'EXECUTE') THEN
		RAISE EXCEPTION 'permission denied for function %', fn USING ERRCODE = '42501';
	END IF;
	-- Whoever may change the function (its owner and the owner's members) must already hold the rights a
	-- call runs with: else a role could put its own code into a function a more privileged role allowed.
	IF NOT pg_catalog.pg_has_role(p.proowner, caller, 'USAGE') THEN
		RAISE EXCEPTION 'function % belongs to role %, which does not hold the rights of role %',
			fn, p.proowner::regrole, caller::regrole USING ERRCODE = '42501',
			HINT = 'a call runs with the rights of the role that allows the function: allow only functions owned by that role (or by a role that holds its rights)';
	END IF;
	INSERT INTO journey.allowed_functions (fn, allowed_by)
	VALUES (fn, caller)
	ON CONFLICT ON CONSTRAINT allowed_functions_pkey DO UPDATE SET allowed_by = excluded.allowed_by, allowed_at = now();
END
$$;
COMMENT ON FUNCTION journey._allow_function(oid, regprocedure) IS
	'internal: journey.allow_function''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.allow_function(fn regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.allow_function(regprocedure) IS
	'lets call nodes call a function FUNC(user_id text, context jsonb) returns jsonb, with the rights of the role allowing it (which must hold EXECUTE on it, and whose rights its owner must hold)';

-- Only the role that allowed a function (or a role holding its rights, a superuser) takes it back.
CREATE FUNCTION journey._disallow_function(caller oid, fn regprocedure)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	allower oid;
BEGIN
	SELECT a.allowed_by INTO allower FROM journey.allowed_functions a WHERE a.fn = _disallow_function.fn;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'function % is not allowed', fn USING ERRCODE = '42704';
	END IF;
	IF NOT pg_catalog.pg_has_role(caller, allower, 'USAGE') THEN
		RAISE EXCEPTION 'function % was allowed by role %: only that role may disallow it', fn, allower::regrole
			USING ERRCODE = '42501';
	END IF;
	DELETE FROM journey.allowed_functions a WHERE a.fn = _disallow_function.fn;
END
$$;
COMMENT ON FUNCTION journey._disallow_function(oid, regprocedure) IS
	'internal: journey.disallow_function''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.disallow_function(fn regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.disallow_function(regprocedure) IS
	'takes back journey.allow_function (only the role that allowed the function may): definitions and publishes that call it are refused (42501), running calls fail';
