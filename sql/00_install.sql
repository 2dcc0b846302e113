-- The extension installs into schema journey, which it owns, with its roles.
CREATE EXTENSION pg_journey;
SELECT extname, extversion, extrelocatable FROM pg_extension WHERE extname = 'pg_journey';
-- The schema is a member of the extension: DROP EXTENSION drops it.
SELECT n.nspname, d.deptype
  FROM pg_depend d JOIN pg_namespace n ON n.oid = d.objid
 WHERE d.classid = 'pg_namespace'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_journey');
-- Every relation and function of the extension lives in schema journey.
SELECT count(*) AS outside_journey
  FROM pg_depend d
  LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
  LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_journey') AND d.deptype = 'e'
   AND coalesce(c.relnamespace, p.pronamespace) <> 'journey'::regnamespace;
SELECT rolname FROM pg_roles WHERE rolname LIKE 'journey\_%' ORDER BY 1;
-- DROP EXTENSION drops the schema and leaves the cluster-wide roles (a second database reuses them).
DROP EXTENSION pg_journey;
SELECT count(*) AS schema_left FROM pg_namespace WHERE nspname = 'journey';
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname IN ('journey_admin', 'journey_sender', 'journey_app');
CREATE EXTENSION pg_journey;
-- The built-in channels.
SELECT string_agg(name, ', ' ORDER BY name) FROM journey.channels;
