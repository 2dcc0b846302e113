-- The event trigger: every insert into a tracked table is an event for the journeys.

CREATE FUNCTION journey._event_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'journey_event_trigger'
LANGUAGE c;
COMMENT ON FUNCTION journey._event_trigger() IS
	'internal: trigger on tracked event tables (statement-level with a transition table; row-level on partitioned tables); arguments: user column, name column, constant event name, time column, props column';

CREATE TRIGGER events_track AFTER INSERT ON journey.events REFERENCING NEW TABLE AS journey_new_events
	FOR EACH STATEMENT EXECUTE FUNCTION journey._event_trigger('user_id', 'name', '', 'occurred_at', 'props');

CREATE FUNCTION journey._profile_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'journey_profile_trigger'
LANGUAGE c;
COMMENT ON FUNCTION journey._profile_trigger() IS
	'internal: row trigger on the profile store (journey.profiles or the tracked profile table): attribute_change entries; arguments: builtin|table, user column';

CREATE TRIGGER profiles_changed AFTER INSERT OR UPDATE ON journey.profiles
	FOR EACH ROW EXECUTE FUNCTION journey._profile_trigger('builtin', 'user_id');

-- The application's own tables.

CREATE TABLE journey.tracked_tables (
	tbl           regclass PRIMARY KEY,
	user_column   name NOT NULL,
	name_column   name,
	event_name    text,
	time_column   name,
	props_column  name,
	tracked_at    timestamptz NOT NULL DEFAULT now(),
	CHECK ((name_column IS NULL) <> (event_name IS NULL))
);
COMMENT ON TABLE journey.tracked_tables IS
	'application tables whose inserted rows are events (journey.track_events); journey.events is tracked out of the box';
SELECT pg_catalog.pg_extension_config_dump('journey.tracked_tables', '');

CREATE TABLE journey.profile_source (
	singleton        bool PRIMARY KEY DEFAULT true CHECK (singleton),
	tbl              regclass NOT NULL,
	user_column      name NOT NULL,
	timezone_column  name
);
COMMENT ON TABLE journey.profile_source IS
	'the application table whose columns are the profile attributes (journey.track_profiles); empty: journey.profiles';
SELECT pg_catalog.pg_extension_config_dump('journey.profile_source', '');

CREATE TRIGGER tracked_tables_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.tracked_tables
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();
CREATE TRIGGER profile_source_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.profile_source
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();

-- The type of a table's column, or an error naming what is missing (42703) or of the wrong type (42804).
CREATE FUNCTION journey._column_type(tbl regclass, col name, role text, allowed regtype[] DEFAULT NULL)
RETURNS regtype
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t regtype;
BEGIN
	SELECT a.atttypid::regtype INTO t
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column % of table % does not exist', journey._q(col), tbl USING ERRCODE = '42703',
			HINT = format('the %s column must be a column of the table', role);
	END IF;
	IF allowed IS NOT NULL AND NOT t = ANY (allowed) THEN
		RAISE EXCEPTION 'the % column % of table % is %, expected one of %', role, journey._q(col), tbl, t, allowed
			USING ERRCODE = '42804';
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION journey._column_type(regclass, name, text, regtype[]) IS
	'internal: the type of a named column of a table, checked against the allowed types';

-- The engine compares a tracked table's user column with = as the table's owner; only the types
-- PostgreSQL itself defines are compared, whose operators nobody can replace.
CREATE FUNCTION journey._user_column_type(tbl regclass, col name)
RETURNS regtype
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t regtype := journey._column_type(tbl, col, 'user');
BEGIN
	IF t::oid >= 16384 THEN  -- FirstNormalObjectId: types created after initdb
		RAISE EXCEPTION 'the user column % of table % is of type %, not a built-in type', journey._q(col), tbl, t
			USING ERRCODE = '42804', HINT = 'user ids are text, varchar, an integer type or uuid';
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION journey._user_column_type(regclass, name) IS
	'internal: the type of a tracked table''s user column, which must be a built-in type';

CREATE FUNCTION journey._check_table(caller oid, tbl regclass)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c pg_catalog.pg_class;
BEGIN
	IF tbl IS NULL THEN
		RAISE EXCEPTION 'table must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT * INTO c FROM pg_catalog.pg_class WHERE oid = tbl;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table with oid % does not exist', tbl::oid USING ERRCODE = '42P01';
	END IF;
	IF c.relkind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809';
	END IF;
	IF c.relnamespace = 'journey'::regnamespace THEN
		RAISE EXCEPTION '% is a table of pg_journey', tbl USING ERRCODE = '22023';
	END IF;
	-- Tracking reads the table and puts a trigger on it; an update node writes it: only its owner (or a
	-- member of the owner's role) decides that.
	IF NOT pg_catalog.pg_has_role(caller, c.relowner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = '42501',
			HINT = 'the table''s owner (or a role holding its rights) calls journey.track_events / journey.track_profiles';
	END IF;
END
$$;
COMMENT ON FUNCTION journey._check_table(oid, regclass) IS
	'internal: checks that an application table can be tracked, and that the calling role owns it';

CREATE FUNCTION journey._track_events(caller oid, tbl regclass, user_column name, name_column name,
                                      event_name text, time_column name, props_column name)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp SET client_min_messages = warning
AS $$
BEGIN
	PERFORM journey._check_table(caller, tbl);
	IF user_column IS NULL THEN
		RAISE EXCEPTION 'user_column must not be null' USING ERRCODE = '22004';
	END IF;
	IF (name_column IS NULL) = (event_name IS NULL) THEN
		RAISE EXCEPTION 'give exactly one of name_column and event_name' USING ERRCODE = '22023',
			HINT = 'name_column names the column holding each row''s event name; event_name names every row''s event';
	END IF;
	IF event_name = '' THEN
		RAISE EXCEPTION 'event_name must not be empty' USING ERRCODE = '22023';
	END IF;
	PERFORM journey._user_column_type(tbl, user_column);
	IF name_column IS NOT NULL THEN
		PERFORM journey._column_type(tbl, name_column, 'event name', ARRAY['text', 'character varying', 'name']::regtype[]);
	END IF;
	IF time_column IS NOT NULL THEN
		PERFORM journey._column_type(tbl, time_column, 'time',
		                             ARRAY['timestamp with time zone', 'timestamp without time zone', 'date']::regtype[]);
	END IF;
	IF props_column IS NOT NULL THEN
		PERFORM journey._column_type(tbl, props_column, 'props', ARRAY['jsonb', 'json']::regtype[]);
	END IF;
	EXECUTE format('DROP TRIGGER IF EXISTS journey_track_events ON %s', tbl);
	-- A statement trigger reads the statement's rows at once (its entries are written together); on a
	-- partitioned table, whose partitions may be written directly, a row trigger (cloned onto each one).
	EXECUTE format('CREATE TRIGGER journey_track_events AFTER INSERT ON %s %s '
	               'EXECUTE FUNCTION journey._event_trigger(%L, %L, %L, %L, %L)',
	               tbl,
	               CASE WHEN (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = tbl) = 'p' THEN 'FOR EACH ROW'
	                    ELSE 'REFERENCING NEW TABLE AS journey_new_events FOR EACH STATEMENT' END,
	               user_column, coalesce(name_column, ''), coalesce(event_name, ''),
	               coalesce(time_column, ''), coalesce(props_column, ''));
	INSERT INTO journey.tracked_tables AS t (tbl, user_column, name_column, event_name, time_column, props_column)
	VALUES (tbl, user_column, name_column, event_name, time_column, props_column)
	ON CONFLICT ON CONSTRAINT tracked_tables_pkey DO UPDATE
		SET user_column = excluded.user_column, name_column = excluded.name_column, event_name = excluded.event_name,
		    time_column = excluded.time_column, props_column = excluded.props_column, tracked_at = now();
END
$$;
COMMENT ON FUNCTION journey._track_events(oid, regclass, name, name, text, name, name) IS
	'internal: journey.track_events''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.track_events(tbl regclass, user_column name, name_column name DEFAULT NULL,
                                     event_name text DEFAULT NULL, time_column name DEFAULT NULL,
                                     props_column name DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.track_events(regclass, name, name, text, name, name) IS
	'makes every row inserted into an application table an event: its name from name_column or the constant event_name, its time from time_column (else now()), its props from props_column (else the whole row)';

CREATE FUNCTION journey._untrack_events(caller oid, tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._check_table(caller, tbl);
	DELETE FROM journey.tracked_tables t WHERE t.tbl = _untrack_events.tbl;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table % is not tracked', tbl USING ERRCODE = '42704';
	END IF;
	EXECUTE format('DROP TRIGGER IF EXISTS journey_track_events ON %s', tbl);
END
$$;
COMMENT ON FUNCTION journey._untrack_events(oid, regclass) IS
	'internal: journey.untrack_events''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.untrack_events(tbl regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.untrack_events(regclass) IS 'stops treating the rows inserted into an application table as events';

CREATE FUNCTION journey._drop_profile_trigger(caller oid)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	old regclass;
BEGIN
	SELECT p.tbl INTO old FROM journey.profile_source p;
	IF old IS NOT NULL THEN
		PERFORM journey._check_table(caller, old);
		EXECUTE format('DROP TRIGGER IF EXISTS journey_track_profiles ON %s', old);
	END IF;
END
$$;
COMMENT ON FUNCTION journey._drop_profile_trigger(oid) IS
	'internal: removes the trigger of the tracked profile table (the caller must own it)';

CREATE FUNCTION journey._track_profiles(caller oid, tbl regclass, user_column name, timezone_column name)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp SET client_min_messages = warning
AS $$
BEGIN
	PERFORM journey._check_table(caller, tbl);
	IF user_column IS NULL THEN
		RAISE EXCEPTION 'user_column must not be null' USING ERRCODE = '22004';
	END IF;
	PERFORM journey._user_column_type(tbl, user_column);
	IF timezone_column IS NOT NULL THEN
		PERFORM journey._column_type(tbl, timezone_column, 'time zone', ARRAY['text', 'character varying', 'name']::regtype[]);
	END IF;
	PERFORM journey._drop_profile_trigger(caller);
	EXECUTE format('CREATE TRIGGER journey_track_profiles AFTER INSERT OR UPDATE ON %s FOR EACH ROW '
	               'EXECUTE FUNCTION journey._profile_trigger(%L, %L)', tbl, 'table', user_column);
	INSERT INTO journey.profile_source AS p (tbl, user_column, timezone_column)
	VALUES (tbl, user_column, timezone_column)
	ON CONFLICT ON CONSTRAINT profile_source_pkey DO UPDATE
		SET tbl = excluded.tbl, user_column = excluded.user_column, timezone_column = excluded.timezone_column;
END
$$;
COMMENT ON FUNCTION journey._track_profiles(oid, regclass, name, name) IS
	'internal: journey.track_profiles''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.track_profiles(tbl regclass, user_column name, timezone_column name DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.track_profiles(regclass, name, name) IS
	'makes the columns of an application table the profile attributes that conditions read and update nodes write';

CREATE FUNCTION journey._untrack_profiles(caller oid)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp SET client_min_messages = warning
AS $$
BEGIN
	PERFORM journey._drop_profile_trigger(caller);
	DELETE FROM journey.profile_source;
END
$$;
COMMENT ON FUNCTION journey._untrack_profiles(oid) IS
	'internal: journey.untrack_profiles''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.untrack_profiles()
RETURNS void
AS 'MODULE_PATHNAME', 'journey_with_caller'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.untrack_profiles() IS 'profile attributes come from journey.profiles again';
