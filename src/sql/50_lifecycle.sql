-- Defining, publishing and running journeys.

CREATE FUNCTION journey._problems(definition jsonb, extra_channels text[], allowed_functions text[], segments text[],
                                  topics text[])
RETURNS TABLE (path text, message text, sqlstate text)
AS 'MODULE_PATHNAME', 'journey_problems'
LANGUAGE c STABLE PARALLEL SAFE;
COMMENT ON FUNCTION journey._problems(jsonb, text[], text[], text[], text[]) IS
	'internal: every problem of a definition with its JSON path and SQLSTATE (22023 invalid, 0A000 not built yet, 42501 a call not allowed, 42704 an unknown segment or topic)';



-- Batched statements of the engine read their rows from the C++ batch through this function (one
-- tuplestore, instead of an unnest of an array parameter per column). ROWS 100: the estimate of an unnest
-- of array parameters, under which the batched UPDATEs look their rows up by index.
CREATE FUNCTION journey._batch_rows(token bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'journey_batch_rows'
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION journey._batch_rows(bigint) IS
	'internal: the rows of the batch whose statement the engine is running in this session (token), as the column definition list names them';

CREATE FUNCTION journey._invalidate_cache()
RETURNS trigger
AS 'MODULE_PATHNAME', 'journey_invalidate_cache'
LANGUAGE c;
COMMENT ON FUNCTION journey._invalidate_cache() IS
	'internal: tells every backend that journey definitions changed (their rule caches reload)';

CREATE TRIGGER journeys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.journeys
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();
CREATE TRIGGER channels_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.channels
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();

CREATE FUNCTION journey.validate(definition jsonb)
RETURNS TABLE (path text, message text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN QUERY SELECT p.path, p.message FROM journey._problems(definition) AS p;
END
$$;
COMMENT ON FUNCTION journey.validate(jsonb) IS
	'every problem of a journey definition, each with its JSON path; no rows means the definition is valid';

CREATE FUNCTION journey._unknown_journey(name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'journey % does not exist', journey._q(name) USING ERRCODE = '42704';
END
$$;
COMMENT ON FUNCTION journey._unknown_journey(text) IS 'internal: raises the error for an unknown journey name (42704)';

CREATE FUNCTION journey.define(definition jsonb, publish bool DEFAULT false)
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	problems text[];
	first record;
	jname text;
	label text;
	v int;
BEGIN
	IF definition IS NULL THEN
		RAISE EXCEPTION 'definition must not be null' USING ERRCODE = '22004';
	END IF;
	jname := CASE WHEN jsonb_typeof(definition) = 'object' AND jsonb_typeof(definition -> 'name') = 'string'
	              THEN definition ->> 'name' END;
	label := CASE WHEN jname IS NULL THEN 'journey' ELSE 'journey ' || journey._q(jname) END;
	SELECT array_agg(CASE WHEN p.path = '' THEN p.message ELSE p.path || ': ' || p.message END ORDER BY p.ord)
	  INTO problems
	  FROM journey._problems(definition)
	       WITH ORDINALITY AS p(path, message, sqlstate, ord);
	IF problems IS NOT NULL THEN
		SELECT p.sqlstate INTO first
		  FROM journey._problems(definition) AS p
		 LIMIT 1;
		IF cardinality(problems) = 1 THEN
			RAISE EXCEPTION '%: %', label, problems[1] USING ERRCODE = first.sqlstate;
		END IF;
		RAISE EXCEPTION '%: %', label, problems[1] USING ERRCODE = first.sqlstate,
			DETAIL = format('%s problems: %s%s', cardinality(problems), array_to_string(problems[1:20], '; '),
			                CASE WHEN cardinality(problems) > 20 THEN '; ...' ELSE '' END),
			HINT = 'journey.validate(definition) lists every problem';
	END IF;

	INSERT INTO journey.journeys (name) VALUES (jname) ON CONFLICT (name) DO NOTHING;
	PERFORM 1 FROM journey.journeys j WHERE j.name = jname FOR UPDATE;
	SELECT coalesce(max(ver.version), 0) + 1 INTO v FROM journey.versions ver WHERE ver.journey = jname;
	INSERT INTO journey.versions (journey, version, definition) VALUES (jname, v, definition);
	INSERT INTO journey.change_log (action, journey, version) VALUES ('define', jname, v);
	IF publish THEN
		PERFORM journey.publish(jname, v);
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION journey.define(jsonb, bool) IS
	'validates a journey definition and stores it as the next version of its name (22023 with the JSON path when invalid); publishes it when asked';

CREATE FUNCTION journey._migrate(name text, version int)
RETURNS bigint
AS 'MODULE_PATHNAME', 'journey_migrate'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey._migrate(text, int) IS
	'internal: moves active instances of other versions to the same-named nodes of a version (migrated_away when gone); returns how many moved';

CREATE FUNCTION journey.publish(name text, version int DEFAULT NULL, in_flight text DEFAULT 'keep')
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j journey.journeys;
	v int;
	moved int := 0;
	problem text;
	problem_state text;
BEGIN
	SELECT * INTO j FROM journey.journeys jj WHERE jj.name = publish.name FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM journey._unknown_journey(publish.name);
	END IF;
	IF in_flight IS NULL OR in_flight NOT IN ('keep', 'migrate', 'exit') THEN
		RAISE EXCEPTION 'in_flight must be keep, migrate or exit, not %', journey._q(in_flight) USING ERRCODE = '22023';
	END IF;
	IF j.status = 'archived' THEN
		RAISE EXCEPTION 'journey % is archived', journey._q(publish.name) USING ERRCODE = '55000';
	END IF;
	v := coalesce(publish.version,
	              (SELECT max(ver.version) FROM journey.versions ver WHERE ver.journey = publish.name));
	IF NOT EXISTS (SELECT 1 FROM journey.versions ver WHERE ver.journey = publish.name AND ver.version = v) THEN
		RAISE EXCEPTION 'journey % has no version %', journey._q(publish.name), v USING ERRCODE = '42704';
	END IF;
	-- A function called by the version may have been disallowed, or a segment it names dropped, since it was
	-- defined.
	SELECT p.path || ': ' || p.message, p.sqlstate INTO problem, problem_state
	  FROM journey.versions ver, journey._problems(ver.definition) p
	 WHERE ver.journey = publish.name AND ver.version = v AND p.sqlstate IN ('42501', '42704')
	 LIMIT 1;
	IF problem IS NOT NULL THEN
		RAISE EXCEPTION 'journey %: %', journey._q(publish.name), problem USING ERRCODE = problem_state,
			HINT = CASE problem_state WHEN '42501' THEN 'journey.allow_function(fn) allows a function for call nodes'
			            ELSE 'journey.define_segment(name, query) defines a segment, journey.add_topic(name) a topic' END;
	END IF;
	IF in_flight = 'exit' THEN
		UPDATE journey.instance i
		   SET status = 'e', exit_reason = 'republished', ended_at = greatest(now(), i.last_step_at),
		       node = NULL, wake_at = NULL, waiting_event = NULL,
		       history = journey._history_line(i.history, greatest(now(), i.last_step_at), i.node, 'exited',
		                                       jsonb_build_object('reason', 'republished'))
		  FROM journey.versions ver
		 WHERE i.journey_id = (SELECT jj.id FROM journey.journeys jj WHERE jj.name = publish.name) AND i.status = 'a' AND ver.id = i.version_id AND ver.version <> v;
		GET DIAGNOSTICS moved = ROW_COUNT;
	ELSIF in_flight = 'migrate' THEN
		-- History lines name nodes by their index in their version's node order: by id before the instances
		-- change version.
		UPDATE journey.instance i SET history = journey._history_names(i.history, ver.definition, i.id)
		  FROM journey.versions ver
		 WHERE i.journey_id = (SELECT jj.id FROM journey.journeys jj WHERE jj.name = publish.name) AND i.status = 'a'
		   AND ver.id = i.version_id AND ver.version <> v AND i.history IS NOT NULL;
		moved := journey._migrate(publish.name, v);
	END IF;
	UPDATE journey.journeys jj
	   SET live_version = v, status = CASE WHEN jj.status = 'paused' THEN 'paused' ELSE 'live' END, updated_at = now()
	 WHERE jj.name = publish.name;
	INSERT INTO journey.change_log (action, journey, version, detail)
	VALUES ('publish', publish.name, v, jsonb_build_object('in_flight', in_flight,
	        CASE WHEN in_flight = 'migrate' THEN 'migrated' ELSE 'exited' END, moved));
	RETURN v;
END
$$;
COMMENT ON FUNCTION journey.publish(text, int, text) IS
	'makes a version live (default: the latest); in_flight: keep (users finish on their version), migrate (users move to the same-named node; migrated_away when it is gone) or exit';

CREATE FUNCTION journey._note_wake()
RETURNS void
AS 'MODULE_PATHNAME', 'journey_note_wake'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey._note_wake() IS
	'internal: the scheduler workers look for due steps again when this transaction commits';

CREATE FUNCTION journey._set_status(name text, from_status text, to_status text, action text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j journey.journeys;
BEGIN
	SELECT * INTO j FROM journey.journeys jj WHERE jj.name = _set_status.name FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM journey._unknown_journey(_set_status.name);
	END IF;
	IF j.status <> from_status THEN
		RAISE EXCEPTION 'journey % is %, not %', journey._q(_set_status.name), j.status, from_status USING ERRCODE = '55000';
	END IF;
	UPDATE journey.journeys jj SET status = to_status, updated_at = now() WHERE jj.name = _set_status.name;
	IF to_status = 'live' THEN
		PERFORM journey._note_wake();  -- held steps and events are due at once
	END IF;
	INSERT INTO journey.change_log (action, journey, version) VALUES (action, _set_status.name, j.live_version);
END
$$;
COMMENT ON FUNCTION journey._set_status(text, text, text, text) IS 'internal: moves a journey between statuses, with audit';

CREATE FUNCTION journey.pause(name text)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT journey._set_status($1, 'live', 'paused', 'pause') $$;
COMMENT ON FUNCTION journey.pause(text) IS 'pauses a live journey: no entries, no steps; in-flight users hold where they are';

CREATE FUNCTION journey.resume(name text)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT journey._set_status($1, 'paused', 'live', 'resume') $$;
COMMENT ON FUNCTION journey.resume(text) IS 'resumes a paused journey: held steps run (late) on the next run';

CREATE FUNCTION journey.exit(name text, user_id text, reason text DEFAULT 'manual')
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n int;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM journey.journeys j WHERE j.name = exit.name) THEN
		PERFORM journey._unknown_journey(exit.name);
	END IF;
	UPDATE journey.instance i
	   SET status = 'e', exit_reason = coalesce(exit.reason, 'manual'), ended_at = greatest(now(), i.last_step_at),
	       node = NULL, wake_at = NULL, waiting_event = NULL,
	       history = journey._history_line(i.history, greatest(now(), i.last_step_at), i.node, 'exited',
	                                       jsonb_build_object('reason', coalesce(exit.reason, 'manual')))
	 WHERE i.journey_id = (SELECT jj.id FROM journey.journeys jj WHERE jj.name = exit.name) AND i.user_id = exit.user_id AND i.status = 'a';
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION journey.exit(text, text, text) IS
	'ends a user''s active instances of a journey (status exited, with the reason); returns how many';

CREATE FUNCTION journey.archive(name text)
RETURNS int
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j journey.journeys;
	n int;
BEGIN
	SELECT * INTO j FROM journey.journeys jj WHERE jj.name = archive.name FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM journey._unknown_journey(archive.name);
	END IF;
	IF j.status = 'archived' THEN
		RAISE EXCEPTION 'journey % is already archived', journey._q(archive.name) USING ERRCODE = '55000';
	END IF;
	UPDATE journey.instance i
	   SET status = 'e', exit_reason = 'archived', ended_at = greatest(now(), i.last_step_at),
	       node = NULL, wake_at = NULL, waiting_event = NULL,
	       history = journey._history_line(i.history, greatest(now(), i.last_step_at), i.node, 'exited',
	                                       jsonb_build_object('reason', 'archived'))
	 WHERE i.journey_id = j.id AND i.status = 'a';
	GET DIAGNOSTICS n = ROW_COUNT;
	UPDATE journey.journeys jj SET status = 'archived', updated_at = now() WHERE jj.name = archive.name;
	INSERT INTO journey.change_log (action, journey, version, detail)
	VALUES ('archive', archive.name, j.live_version, jsonb_build_object('exited', n));
	RETURN n;
END
$$;
COMMENT ON FUNCTION journey.archive(text) IS
	'archives a journey: its active users exit with reason archived; returns how many';

CREATE FUNCTION journey.enroll(name text, user_id text, context jsonb DEFAULT '{}', at timestamptz DEFAULT now())
RETURNS bigint
AS 'MODULE_PATHNAME', 'journey_enroll'
LANGUAGE c VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION journey.enroll(text, text, jsonb, timestamptz) IS
	'enters a user into a live journey as of at; returns the instance id, or null (with a NOTICE naming the rule) when entry rules refuse';

CREATE FUNCTION journey.run_due(as_of timestamptz DEFAULT now(), max_steps int DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'journey_run_due'
LANGUAGE c VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION journey.run_due(timestamptz, int) IS
	'advances every instance whose wait ended by as_of (a step: one instance moved to its next wait or end); returns the steps executed';

CREATE FUNCTION journey.add_channel(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name !~ '^[a-z][a-z0-9_]*$' THEN
		RAISE EXCEPTION 'channel name % must match [a-z][a-z0-9_]*', journey._q(name) USING ERRCODE = '22023';
	END IF;
	INSERT INTO journey.channels (name) VALUES (add_channel.name) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION journey.add_channel(text) IS 'adds a channel that send nodes may use';

CREATE FUNCTION journey.schedule_scheduler(cron text DEFAULT '* * * * *')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	job bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in this database' USING ERRCODE = '55000',
			HINT = 'CREATE EXTENSION pg_cron (it must be in shared_preload_libraries), or call journey.run_due() yourself';
	END IF;
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
		USING 'pg_journey_run_due', cron, 'SELECT journey.run_due()';
	-- Retention, as the preloaded scheduler does it: a few minutes past every hour.
	EXECUTE 'SELECT cron.schedule($1, $2, $3)'
		USING 'pg_journey_purge', '7 * * * *', 'CALL journey._purge_job()';
	RETURN job;
END
$$;
COMMENT ON FUNCTION journey.schedule_scheduler(text) IS
	'installs a pg_cron job running journey.run_due() (for servers without pg_journey in shared_preload_libraries), and the hourly job pg_journey_purge running retention (journey.purge); returns the first job''s id';

CREATE FUNCTION journey.simulate(definition jsonb, user_id text, events jsonb, until timestamptz)
RETURNS TABLE (at timestamptz, node text, what text, detail jsonb)
AS 'MODULE_PATHNAME', 'journey_simulate'
LANGUAGE c VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION journey.simulate(jsonb, text, jsonb, timestamptz) IS
	'a dry run of a definition for one user over a list of events ([{"name", "at", "props"}]) up to until: what would happen, writing nothing';

CREATE FUNCTION journey.throttle_stats()
RETURNS TABLE (journey text, window_start timestamptz, entered bigint, refused bigint)
AS 'MODULE_PATHNAME', 'journey_throttle_stats'
LANGUAGE c VOLATILE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION journey.throttle_stats() IS
	'entry throttles: for each throttled journey, the current period, the entries counted in it and the refusals (counted in shared memory since the server started)';
