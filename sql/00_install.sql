-- The extension installs into schema journey, with its roles.
CREATE EXTENSION pg_journey;
SELECT extname, extversion, extrelocatable, n.nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'pg_journey';
SELECT rolname FROM pg_roles WHERE rolname LIKE 'journey\_%' ORDER BY 1;
-- A second CREATE EXTENSION in another database reuses the roles; here, DROP leaves them.
DROP EXTENSION pg_journey;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname IN ('journey_admin', 'journey_sender', 'journey_app');
CREATE EXTENSION pg_journey;
-- The built-in channels.
SELECT string_agg(name, ', ' ORDER BY name) FROM journey.channels;
