-- pg_journey: roles, schema privileges.
\echo Use "CREATE EXTENSION pg_journey" to load this file. \quit

-- Roles are cluster-wide: created when missing, reused by a second database, left by DROP EXTENSION.
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'journey_admin') THEN
		CREATE ROLE journey_admin NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'journey_sender') THEN
		CREATE ROLE journey_sender NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'journey_app') THEN
		CREATE ROLE journey_app NOLOGIN;
	END IF;
END
$roles$;

-- The schema belongs to the extension (DROP EXTENSION drops it); the control file names pg_catalog,
-- as pg_cron does, so that the script creates schema journey itself.
CREATE SCHEMA journey;
COMMENT ON SCHEMA journey IS 'pg_journey: customer journeys run inside the database';
REVOKE ALL ON SCHEMA journey FROM PUBLIC;
GRANT USAGE ON SCHEMA journey TO journey_admin, journey_sender, journey_app;

-- Values quoted in error messages are bounded: a 10 MB argument never makes a 10 MB message (nor a
-- server log line of that size on every call).
CREATE FUNCTION journey._q(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN value IS NULL THEN 'null'
	            WHEN length(value) <= 200 THEN '"' || value || '"'
	            ELSE '"' || left(value, 200) || '..." (' || length(value) || ' characters)' END
$$;
COMMENT ON FUNCTION journey._q(text) IS
	'internal: a value double-quoted for an error message, cut after 200 characters';

-- The role that called a public function whose work needs the extension owner's rights: such a function
-- (LANGUAGE c, SECURITY INVOKER: journey_with_caller) calls journey._NAME(caller oid, its arguments) as
-- the extension's owner, and that internal function checks what the caller may do.
