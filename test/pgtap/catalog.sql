-- The catalog as installed: comments, SECURITY DEFINER hygiene, privileges, roles, the schema's
-- membership in the extension, and the column names and types of SPEC §3, §5 and §6.
-- Each check lists its offenders so that a failure names them.
BEGIN;
SELECT plan(91);

-- every object of schema journey has a COMMENT.
SELECT is(ARRAY(
	SELECT CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '
	                      WHEN 'm' THEN 'materialized view ' ELSE 'relation ' END || c.oid::regclass::text
	  FROM pg_catalog.pg_class c
	 WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	   AND pg_catalog.obj_description(c.oid, 'pg_class') IS NULL
	 ORDER BY 1), '{}'::text[],
	'every table and view in schema journey has a COMMENT');
SELECT is(ARRAY(
	SELECT 'sequence ' || c.oid::regclass::text
	  FROM pg_catalog.pg_class c
	 WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind = 'S'
	   AND pg_catalog.obj_description(c.oid, 'pg_class') IS NULL
	 ORDER BY 1), '{}'::text[],
	'every sequence in schema journey has a COMMENT');
SELECT is(ARRAY(
	SELECT 'function ' || p.oid::regprocedure::text
	  FROM pg_catalog.pg_proc p
	 WHERE p.pronamespace = 'journey'::regnamespace
	   AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL
	 ORDER BY 1), '{}'::text[],
	'every function in schema journey has a COMMENT');
SELECT is(ARRAY(
	SELECT 'type ' || t.oid::regtype::text
	  FROM pg_catalog.pg_type t
	 WHERE t.typnamespace = 'journey'::regnamespace AND t.typtype IN ('c', 'd', 'e', 'r')
	   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
	   AND pg_catalog.obj_description(t.oid, 'pg_type') IS NULL
	 ORDER BY 1), '{}'::text[],
	'every stand-alone type in schema journey has a COMMENT');

-- SECURITY DEFINER functions pin their search_path (with pg_temp last, never implicitly first).
SELECT is(ARRAY(
	SELECT p.oid::regprocedure::text
	  FROM pg_catalog.pg_proc p
	 WHERE p.pronamespace = 'journey'::regnamespace AND p.prosecdef
	   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c(setting)
	                    WHERE c.setting ~ '^search_path=.*\mpg_temp"?$')
	 ORDER BY 1), '{}'::text[],
	'every SECURITY DEFINER function in schema journey pins search_path (ending with pg_temp)');

-- nothing in schema journey is open to PUBLIC (a null ACL means the default: EXECUTE for PUBLIC).
SELECT is(ARRAY(
	SELECT p.oid::regprocedure::text
	  FROM pg_catalog.pg_proc p
	 WHERE p.pronamespace = 'journey'::regnamespace
	   AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM unnest(p.proacl) AS a(item) WHERE a.item::text ~ '^=[^/]*X'))
	 ORDER BY 1), '{}'::text[],
	'no function in schema journey is executable by PUBLIC');
SELECT is(ARRAY(
	SELECT c.oid::regclass::text
	  FROM pg_catalog.pg_class c
	 WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
	   AND EXISTS (SELECT 1 FROM unnest(c.relacl) AS a(item) WHERE a.item::text ~ '^=[a-zA-Z*]+/')
	 ORDER BY 1), '{}'::text[],
	'no table, view or sequence in schema journey grants anything to PUBLIC');
SELECT is((SELECT count(*)::int FROM unnest((SELECT n.nspacl FROM pg_catalog.pg_namespace n WHERE n.nspname = 'journey'))
	AS a(item) WHERE a.item::text ~ '^=[a-zA-Z*]+/'), 0, 'schema journey grants nothing to PUBLIC');

-- the three roles.
SELECT has_role('journey_admin');
SELECT has_role('journey_sender');
SELECT has_role('journey_app');
SELECT is(ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
	WHERE r.rolname IN ('journey_admin', 'journey_sender', 'journey_app') AND (r.rolcanlogin OR r.rolsuper)
	ORDER BY 1), '{}'::text[], 'the journey roles can neither log in nor bypass privileges');
SELECT ok(pg_catalog.has_schema_privilege('journey_app', 'journey', 'USAGE')
      AND pg_catalog.has_schema_privilege('journey_sender', 'journey', 'USAGE')
      AND pg_catalog.has_schema_privilege('journey_admin', 'journey', 'USAGE'), 'each role may use schema journey');
SELECT ok(NOT pg_catalog.has_schema_privilege('journey_app', 'journey', 'CREATE')
      AND NOT pg_catalog.has_schema_privilege('journey_sender', 'journey', 'CREATE'),
	'the app and sender roles cannot create objects in schema journey');

-- the schema and everything in it belong to the extension.
-- (The control file names pg_catalog, as pg_cron's does, so that the install script creates schema journey
-- itself and the schema is a member of the extension.)
SELECT has_extension('pg_journey', 'extension pg_journey is installed');
SELECT is((SELECT string_agg(d.deptype::text, ',') FROM pg_catalog.pg_depend d
	WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = 'journey'::regnamespace
	  AND d.refclassid = 'pg_catalog.pg_extension'::regclass
	  AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_journey')),
	'e', 'schema journey is a member of extension pg_journey (DROP EXTENSION drops it)');
SELECT is(ARRAY(
	SELECT o.what FROM (
		SELECT c.oid::regclass::text AS what, 'pg_catalog.pg_class'::regclass AS cls, c.oid
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace = 'journey'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
		UNION ALL
		SELECT p.oid::regprocedure::text, 'pg_catalog.pg_proc'::regclass, p.oid
		  FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'journey'::regnamespace) o
	 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
	                    WHERE d.classid = o.cls AND d.objid = o.oid AND d.deptype = 'e'
	                      AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_journey'))
	 ORDER BY 1), '{}'::text[],
	'every relation and function in schema journey is a member of the extension');

-- journey.events and journey.profiles (SPEC §3).
SELECT has_table('journey', 'events', 'journey.events exists');
SELECT col_type_is('journey', 'events', 'id', 'bigint', 'events.id is bigint');
SELECT col_type_is('journey', 'events', 'user_id', 'text', 'events.user_id is text');
SELECT col_type_is('journey', 'events', 'name', 'text', 'events.name is text');
SELECT col_type_is('journey', 'events', 'props', 'jsonb', 'events.props is jsonb');
SELECT col_type_is('journey', 'events', 'occurred_at', 'timestamp with time zone', 'events.occurred_at is timestamptz');
SELECT col_has_default('journey', 'events', 'occurred_at', 'events.occurred_at has a default');
SELECT has_table('journey', 'profiles', 'journey.profiles exists');
SELECT columns_are('journey', 'profiles', ARRAY['user_id', 'attributes', 'timezone'], 'journey.profiles columns');
SELECT col_type_is('journey', 'profiles', 'user_id', 'text', 'profiles.user_id is text');
SELECT col_type_is('journey', 'profiles', 'attributes', 'jsonb', 'profiles.attributes is jsonb');
SELECT col_type_is('journey', 'profiles', 'timezone', 'text', 'profiles.timezone is text');
SELECT col_is_pk('journey', 'profiles', 'user_id', 'profiles primary key (user_id)');
SELECT has_column('journey', 'events', 'id', 'events has id');
SELECT has_column('journey', 'events', 'occurred_at', 'events has occurred_at');
SELECT has_trigger('journey', 'events', 'events_track', 'journey.events is tracked out of the box');

-- journey.contacts (SPEC §3).
SELECT has_table('journey', 'contacts', 'journey.contacts exists');
SELECT columns_are('journey', 'contacts', ARRAY['user_id', 'channel', 'address', 'opted_in', 'bounced', 'updated_at'],
	'journey.contacts columns');
SELECT col_type_is('journey', 'contacts', 'user_id', 'text', 'contacts.user_id is text');
SELECT col_type_is('journey', 'contacts', 'channel', 'text', 'contacts.channel is text');
SELECT col_type_is('journey', 'contacts', 'address', 'text', 'contacts.address is text');
SELECT col_type_is('journey', 'contacts', 'opted_in', 'boolean', 'contacts.opted_in is bool');
SELECT col_type_is('journey', 'contacts', 'bounced', 'boolean', 'contacts.bounced is bool');
SELECT col_type_is('journey', 'contacts', 'updated_at', 'timestamp with time zone', 'contacts.updated_at is timestamptz');
SELECT col_is_pk('journey', 'contacts', ARRAY['user_id', 'channel'], 'contacts primary key (user_id, channel)');
SELECT col_is_null('journey', 'contacts', 'address', 'contacts.address may be null (an opt-out without address)');

-- journey.outbox (SPEC §6).
SELECT has_table('journey', 'outbox', 'journey.outbox exists');
SELECT columns_are('journey', 'outbox', ARRAY['id', 'journey', 'version', 'node', 'instance_id', 'user_id', 'channel',
	'template', 'payload', 'dedup_key', 'created_at', 'available_at', 'status', 'attempts', 'claimed_until', 'last_error', 'topic', 'lease_id'],
	'journey.outbox columns');
SELECT col_type_is('journey', 'outbox', 'id', 'bigint', 'outbox.id is bigint');
SELECT col_type_is('journey', 'outbox', 'journey', 'text', 'outbox.journey is text');
SELECT col_type_is('journey', 'outbox', 'version', 'integer', 'outbox.version is int');
SELECT col_type_is('journey', 'outbox', 'node', 'text', 'outbox.node is text');
SELECT col_type_is('journey', 'outbox', 'instance_id', 'bigint', 'outbox.instance_id is bigint');
SELECT col_type_is('journey', 'outbox', 'user_id', 'text', 'outbox.user_id is text');
SELECT col_type_is('journey', 'outbox', 'channel', 'text', 'outbox.channel is text');
SELECT col_type_is('journey', 'outbox', 'template', 'text', 'outbox.template is text');
SELECT col_type_is('journey', 'outbox', 'payload', 'jsonb', 'outbox.payload is jsonb');
SELECT col_type_is('journey', 'outbox', 'dedup_key', 'text', 'outbox.dedup_key is text');
SELECT col_is_unique('journey', 'outbox', 'dedup_key', 'outbox.dedup_key is unique');
SELECT col_type_is('journey', 'outbox', 'created_at', 'timestamp with time zone', 'outbox.created_at is timestamptz');
SELECT col_type_is('journey', 'outbox', 'available_at', 'timestamp with time zone', 'outbox.available_at is timestamptz');
SELECT col_type_is('journey', 'outbox', 'status', 'text', 'outbox.status is text');
SELECT col_type_is('journey', 'outbox', 'attempts', 'integer', 'outbox.attempts is int');
SELECT col_type_is('journey', 'outbox', 'claimed_until', 'timestamp with time zone', 'outbox.claimed_until is timestamptz');
SELECT col_type_is('journey', 'outbox', 'last_error', 'text', 'outbox.last_error is text');

-- journey.templates (SPEC §5) and the views of SPEC §4/§8.
SELECT columns_are('journey', 'templates', ARRAY['name', 'channel', 'locale', 'subject', 'body'], 'journey.templates columns');
SELECT col_is_pk('journey', 'templates', ARRAY['name', 'channel', 'locale'], 'templates primary key (name, channel, locale)');
SELECT has_view('journey', 'instances', 'journey.instances is a view');
SELECT columns_are('journey', 'instances', ARRAY['id', 'journey', 'version', 'user_id', 'status', 'node', 'wake_at',
	'entered_at', 'ended_at', 'exit_reason', 'context', 'variant', 'error'], 'journey.instances columns (SPEC §8)');
SELECT has_view('journey', 'changes', 'journey.changes is a view');
SELECT col_type_is('journey', 'instances', 'status', 'text', 'instances.status is text');

-- the SQL API that is built (SPEC §3, §4, §6), with argument types and return types.
SELECT function_returns('journey', 'track', ARRAY['text', 'text', 'jsonb', 'timestamp with time zone'], 'bigint');
SELECT function_returns('journey', 'set_contact', ARRAY['text', 'text', 'text', 'boolean'], 'void');
SELECT function_returns('journey', 'unsubscribe', ARRAY['text', 'text'], 'void');
SELECT function_returns('journey', 'define', ARRAY['jsonb', 'boolean'], 'integer');
SELECT function_returns('journey', 'validate', ARRAY['jsonb'], 'setof record');
SELECT function_returns('journey', 'publish', ARRAY['text', 'integer', 'text'], 'integer');
SELECT function_returns('journey', 'pause', ARRAY['text'], 'void');
SELECT function_returns('journey', 'resume', ARRAY['text'], 'void');
SELECT function_returns('journey', 'archive', ARRAY['text'], 'integer');
SELECT function_returns('journey', 'enroll', ARRAY['text', 'text', 'jsonb', 'timestamp with time zone'], 'bigint');
SELECT function_returns('journey', 'exit', ARRAY['text', 'text', 'text'], 'integer');
SELECT function_returns('journey', 'run_due', ARRAY['timestamp with time zone', 'integer'], 'bigint');
SELECT function_returns('journey', 'claim', ARRAY['text', 'integer', 'interval'], 'setof journey.outbox');
SELECT function_returns('journey', 'ack', ARRAY['bigint[]', 'bigint'], 'integer');
SELECT function_returns('journey', 'fail', ARRAY['bigint', 'text', 'interval', 'bigint'], 'void');
SELECT function_returns('journey', 'report_delivery', ARRAY['bigint', 'text', 'timestamp with time zone', 'jsonb'], 'void');
SELECT function_returns('journey', 'add_channel', ARRAY['text'], 'void');
SELECT function_returns('journey', 'schedule_scheduler', ARRAY['text'], 'bigint');
SELECT is((SELECT pg_catalog.pg_get_function_arguments('journey.track(text,text,jsonb,timestamptz)'::regprocedure)),
	'user_id text, name text, props jsonb DEFAULT ''{}''::jsonb, at timestamp with time zone DEFAULT now()',
	'track: argument names and defaults of SPEC §3');
SELECT is((SELECT pg_catalog.pg_get_function_arguments('journey.claim(text,int,interval)'::regprocedure)),
	'channel text, max_rows integer DEFAULT 100, lease interval DEFAULT ''00:01:00''::interval',
	'claim: argument names and defaults of SPEC §6');
SELECT is((SELECT pg_catalog.pg_get_function_arguments('journey.enroll(text,text,jsonb,timestamptz)'::regprocedure)),
	'name text, user_id text, context jsonb DEFAULT ''{}''::jsonb, at timestamp with time zone DEFAULT now()',
	'enroll: argument names and defaults of SPEC §4');
SELECT is((SELECT pg_catalog.pg_get_function_arguments('journey.publish(text,int,text)'::regprocedure)),
	'name text, version integer DEFAULT NULL::integer, in_flight text DEFAULT ''keep''::text',
	'publish: argument names and defaults of SPEC §4');
SELECT is((SELECT pg_catalog.pg_get_function_result('journey.validate(jsonb)'::regprocedure)),
	'TABLE(path text, message text)', 'validate returns table(path text, message text)');

SELECT * FROM finish();
ROLLBACK;
