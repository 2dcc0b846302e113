-- Segments (SPEC §7): defining, refreshing, static members, enrolling members, pg_cron schedules.
-- A refresh records each user who entered or left as an event of journey.events named segment_enter:S or
-- segment_exit:S (props {"segment": S}, time as_of): segment triggers, wait_for on a segment and the
-- history of a user are rules on those events, run by the engine as any other event.

CREATE FUNCTION journey._define_segment(caller oid, name text, query text, search_path text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name !~ '^[a-z][a-z0-9_]*$' OR length(name) > 63 THEN
		RAISE EXCEPTION 'segment name % must match [a-z][a-z0-9_]* (at most 63 characters)', journey._q(name)
			USING ERRCODE = '22023';
	END IF;
	INSERT INTO journey.segment_defs AS d (name, query, run_as, search_path)
	VALUES (_define_segment.name, _define_segment.query, caller::regrole, _define_segment.search_path)
	ON CONFLICT ON CONSTRAINT segment_defs_pkey DO UPDATE
		SET query = excluded.query, run_as = excluded.run_as, search_path = excluded.search_path, defined_at = now();
END
$$;
COMMENT ON FUNCTION journey._define_segment(oid, text, text, text) IS
	'internal: journey.define_segment''s work, as the extension''s owner, for the calling role (caller)';

CREATE FUNCTION journey.define_segment(name text, query text)
RETURNS void
AS 'MODULE_PATHNAME', 'journey_define_segment'
LANGUAGE c VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION journey.define_segment(text, text) IS
	'defines (or redefines) a segment: query is one SELECT returning one column of user ids, run with the rights and search_path of the journey_admin who defines it; null makes a static segment. Checked now: it parses, returns one column and runs under LIMIT 0';

CREATE FUNCTION journey._segment_rows(name text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'journey_segment_rows'
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE ROWS 100000;
COMMENT ON FUNCTION journey._segment_rows(text) IS
	'internal: the user ids a segment''s query returns now, run as the role that defined it with its search_path';

CREATE FUNCTION journey._segment_for_update(name text)
RETURNS journey.segment_defs
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d journey.segment_defs;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a segment''s name must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT * INTO d FROM journey.segment_defs s WHERE s.name = _segment_for_update.name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'segment % does not exist', journey._q(name) USING ERRCODE = '42704',
			HINT = 'journey.define_segment(name, query) defines one';
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION journey._segment_for_update(text) IS
	'internal: a segment''s row, locked until the end of the transaction (refreshes of one segment run one at a time); 42704 when unknown';

-- Fires up to max_rows queued changes of a segment (all when null) as events, oldest first; returns how many.
CREATE FUNCTION journey._fire_segment_changes(segment text, max_rows int)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM journey._segment_for_update(segment);
	WITH batch AS (
		DELETE FROM journey.segment_changes c
		 WHERE c.id IN (SELECT q.id FROM journey.segment_changes q
		                 WHERE q.segment = _fire_segment_changes.segment ORDER BY q.id LIMIT max_rows)
		RETURNING c.id, c.user_id, c.entered, c.at
	)
	INSERT INTO journey.events (user_id, name, props, occurred_at)
	SELECT b.user_id, CASE WHEN b.entered THEN 'segment_enter:' ELSE 'segment_exit:' END || _fire_segment_changes.segment,
	       jsonb_build_object('segment', _fire_segment_changes.segment), b.at
	  FROM batch b
	 ORDER BY b.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION journey._fire_segment_changes(text, int) IS
	'internal: records up to max_rows queued entries and exits of a segment as events (segment_enter:S, segment_exit:S), which run the journeys; returns how many';

-- Fires every queued change of a segment, a batch of journey.batch_size events per statement, in the
-- caller's transaction; returns how many.
CREATE FUNCTION journey._fire_all_segment_changes(segment text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	batch int := journey._batch_size();
	n bigint;
	total bigint := 0;
BEGIN
	LOOP
		n := journey._fire_segment_changes(segment, batch);
		EXIT WHEN n = 0;
		total := total + n;
	END LOOP;
	RETURN total;
END
$$;
COMMENT ON FUNCTION journey._fire_all_segment_changes(text) IS
	'internal: fires every queued entry and exit of a segment as events, a batch per statement, in the caller''s transaction';

-- One set-based diff of the query's rows against the stored members: stores the new membership and queues
-- who entered and who left (entries first, so that the first batches bring the first messages, then exits,
-- each by user id). Locks the segment's row.
CREATE FUNCTION journey._refresh_diff(segment text, as_of timestamptz, OUT entered bigint, OUT exited bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d journey.segment_defs;
	total bigint;
BEGIN
	d := journey._segment_for_update(segment);
	IF as_of IS NULL THEN
		RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = '22004';
	END IF;
	IF d.query IS NULL THEN
		RAISE EXCEPTION 'segment % is static: its members change only by journey.add_to_segment and journey.remove_from_segment',
			journey._q(segment) USING ERRCODE = '55000';
	END IF;
	WITH cur AS MATERIALIZED (
		SELECT DISTINCT r.user_id FROM journey._segment_rows(_refresh_diff.segment) AS r(user_id)
	), gone AS (
		DELETE FROM journey.segment_members m
		 WHERE m.segment = _refresh_diff.segment AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.user_id = m.user_id)
		RETURNING m.user_id
	), came AS (
		INSERT INTO journey.segment_members (segment, user_id, since)
		SELECT _refresh_diff.segment, c.user_id, as_of
		  FROM cur c
		 WHERE NOT EXISTS (SELECT 1 FROM journey.segment_members m
		                    WHERE m.segment = _refresh_diff.segment AND m.user_id = c.user_id)
		RETURNING user_id
	), queued AS (
		INSERT INTO journey.segment_changes (segment, user_id, entered, at)
		SELECT _refresh_diff.segment, x.user_id, x.entered, as_of
		  FROM (SELECT g.user_id, false AS entered FROM gone g UNION ALL SELECT c.user_id, true FROM came c) x
		 ORDER BY x.entered DESC, x.user_id
		RETURNING segment_changes.entered
	)
	SELECT count(*) FILTER (WHERE q.entered), count(*) FILTER (WHERE NOT q.entered), (SELECT count(*) FROM cur)
	  INTO entered, exited, total
	  FROM queued q;
	UPDATE journey.segment_defs s
	   SET members = total, refreshed_at = now(), refresh_as_of = as_of,
	       entered = _refresh_diff.entered, exited = _refresh_diff.exited
	 WHERE s.name = _refresh_diff.segment;
END
$$;
COMMENT ON FUNCTION journey._refresh_diff(text, timestamptz) IS
	'internal: runs a segment''s query, stores its members and queues who entered and who left as of as_of';

CREATE FUNCTION journey._batch_size()
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
	SELECT greatest(coalesce(nullif(current_setting('journey.batch_size', true), '')::int, 1000), 1)
$$;
COMMENT ON FUNCTION journey._batch_size() IS 'internal: journey.batch_size (1000 when the library is not loaded yet)';

CREATE FUNCTION journey.refresh_segment(name text, as_of timestamptz DEFAULT now())
RETURNS TABLE (entered bigint, exited bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	-- Changes an interrupted scheduled refresh left queued go first, in their order.
	PERFORM journey._fire_all_segment_changes(name);
	SELECT r.entered, r.exited INTO entered, exited FROM journey._refresh_diff(name, as_of) r;
	PERFORM journey._fire_all_segment_changes(name);
	UPDATE journey.segment_defs s SET refresh_duration = clock_timestamp() - started WHERE s.name = refresh_segment.name;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION journey.refresh_segment(text, timestamptz) IS
	'runs a segment''s query, stores the new members and fires segment_enter/segment_exit journeys as of as_of, all in the caller''s transaction (a second refresh of the segment waits for it); returns how many entered and left';

-- pg_cron's refresh (journey.schedule_segment): the diff in one transaction, then a transaction per batch of
-- journey.batch_size fired changes. Not SECURITY DEFINER (a procedure that commits cannot be): pg_cron runs
-- it as the extension's owner, who scheduled it; its first statement pins the search_path of each
-- transaction.
CREATE PROCEDURE journey._refresh_segment_job(name text)
LANGUAGE plpgsql
AS $$
DECLARE
	started timestamptz;
	batch int;
	n bigint;
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	started := clock_timestamp();
	batch := journey._batch_size();
	LOOP
		n := journey._fire_segment_changes(name, batch);
		COMMIT;
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
		EXIT WHEN n = 0;
	END LOOP;
	PERFORM journey._refresh_diff(name, now());
	COMMIT;
	LOOP
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
		n := journey._fire_segment_changes(name, batch);
		COMMIT;
		EXIT WHEN n = 0;
	END LOOP;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	UPDATE journey.segment_defs s SET refresh_duration = clock_timestamp() - started WHERE s.name = _refresh_segment_job.name;
	COMMIT;
END
$$;
COMMENT ON PROCEDURE journey._refresh_segment_job(text) IS
	'internal: a scheduled refresh of a segment: the diff in one transaction, then a transaction per batch of fired entries and exits';

-- Static segments: members added or removed by the caller, entries and exits fired in its transaction.
CREATE FUNCTION journey._change_static_members(segment text, user_ids text[], at timestamptz, adding bool)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d journey.segment_defs;
	n bigint;
BEGIN
	d := journey._segment_for_update(segment);
	IF d.query IS NOT NULL THEN
		RAISE EXCEPTION 'segment % has a query: its members are the rows it returns at each refresh', journey._q(segment)
			USING ERRCODE = '55000', HINT = 'define a segment with query => null for a list of users';
	END IF;
	IF at IS NULL THEN
		RAISE EXCEPTION 'at must not be null' USING ERRCODE = '22004';
	END IF;
	PERFORM journey._fire_all_segment_changes(segment);
	IF adding THEN
		WITH ids AS (
			SELECT DISTINCT u FROM unnest(user_ids) u WHERE u IS NOT NULL
		), came AS (
			INSERT INTO journey.segment_members (segment, user_id, since)
			SELECT _change_static_members.segment, ids.u, at FROM ids
			ON CONFLICT DO NOTHING
			RETURNING user_id
		)
		INSERT INTO journey.segment_changes (segment, user_id, entered, at)
		SELECT _change_static_members.segment, c.user_id, true, at FROM came c ORDER BY c.user_id;
	ELSE
		WITH gone AS (
			DELETE FROM journey.segment_members m
			 WHERE m.segment = _change_static_members.segment AND m.user_id = ANY (user_ids)
			RETURNING m.user_id
		)
		INSERT INTO journey.segment_changes (segment, user_id, entered, at)
		SELECT _change_static_members.segment, g.user_id, false, at FROM gone g ORDER BY g.user_id;
	END IF;
	GET DIAGNOSTICS n = ROW_COUNT;
	UPDATE journey.segment_defs s
	   SET members = s.members + CASE WHEN adding THEN n ELSE -n END, refreshed_at = now(), refresh_as_of = at,
	       entered = CASE WHEN adding THEN n ELSE 0 END, exited = CASE WHEN adding THEN 0 ELSE n END,
	       refresh_duration = NULL
	 WHERE s.name = _change_static_members.segment;
	PERFORM journey._fire_all_segment_changes(segment);
	RETURN n;
END
$$;
COMMENT ON FUNCTION journey._change_static_members(text, text[], timestamptz, bool) IS
	'internal: adds (adding) or removes users of a static segment and fires their segment_enter/segment_exit journeys as of at';

CREATE FUNCTION journey.add_to_segment(name text, user_ids text[], at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	SELECT journey._change_static_members($1, coalesce($2, '{}'), $3, true);
$$;
COMMENT ON FUNCTION journey.add_to_segment(text, text[], timestamptz) IS
	'adds users to a static segment and fires its segment_enter journeys for them as of at; returns how many were not members yet';

CREATE FUNCTION journey.remove_from_segment(name text, user_ids text[], at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	SELECT journey._change_static_members($1, coalesce($2, '{}'), $3, false);
$$;
COMMENT ON FUNCTION journey.remove_from_segment(text, text[], timestamptz) IS
	'removes users from a static segment and fires its segment_exit journeys for them as of at; returns how many were members';

-- Every current member enters (entry rules apply per user, as for journey.enroll; its NOTICEs of refusal
-- are not shown, one per member).
CREATE FUNCTION journey.enroll_segment(journey text, segment text, at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = warning
AS $$
DECLARE
	n bigint;
BEGIN
	IF $2 IS NULL OR NOT EXISTS (SELECT 1 FROM journey.segment_defs s WHERE s.name = $2) THEN
		RAISE EXCEPTION 'segment % does not exist', journey._q($2) USING ERRCODE = '42704';
	END IF;
	SELECT count(e.id) INTO n
	  FROM (SELECT m.user_id FROM journey.segment_members m WHERE m.segment = $2 ORDER BY m.user_id) m,
	       LATERAL journey.enroll($1, m.user_id, '{}'::jsonb, $3) AS e(id);
	RETURN n;
END
$$;
COMMENT ON FUNCTION journey.enroll_segment(text, text, timestamptz) IS
	'enters every current member of a segment into a live journey as of at (entry rules apply per user); returns how many entered';

-- pg_cron's run of a journey's schedule trigger: every member enters as of the job's start, a transaction
-- per journey.batch_size members (in user id order), so that a segment of a million users never holds one
-- long transaction. Not SECURITY DEFINER (it commits): pg_cron runs it as the extension's owner.
CREATE PROCEDURE journey._enroll_segment_job(journey_name text, segment_name text)
LANGUAGE plpgsql
AS $$
DECLARE
	at timestamptz;
	batch int;
	after text := '';
	last_seen text;
	n bigint;
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	at := now();
	batch := journey._batch_size();
	LOOP
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
		PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);  -- enroll's NOTICE per refusal
		SELECT max(b.user_id), count(e.id) INTO last_seen, n
		  FROM (SELECT m.user_id FROM journey.segment_members m
		         WHERE m.segment = segment_name AND m.user_id > after ORDER BY m.user_id LIMIT batch) b
		  LEFT JOIN LATERAL journey.enroll(journey_name, b.user_id, '{}'::jsonb, at) AS e(id) ON true;
		EXIT WHEN last_seen IS NULL;
		after := last_seen;
		COMMIT;
	END LOOP;
END
$$;
COMMENT ON PROCEDURE journey._enroll_segment_job(text, text) IS
	'internal: a schedule trigger''s pg_cron job: every member of the segment enters the journey, a transaction per batch';

CREATE FUNCTION journey._require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in this database' USING ERRCODE = '55000',
			HINT = 'install it (Debian: apt-get install postgresql-15-cron), add pg_cron to shared_preload_libraries, set cron.database_name to this database and CREATE EXTENSION pg_cron';
	END IF;
END
$$;
COMMENT ON FUNCTION journey._require_pg_cron() IS 'internal: 55000, saying how to install pg_cron, when it is not installed';

-- Schedules a pg_cron job named job_name running command, replacing one of ours of that name; another
-- command under that name (a journey and a segment of the same name) is refused with 42710.
CREATE FUNCTION journey._cron_schedule(job_name text, cron text, command text, ours text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	other text;
	job bigint;
BEGIN
	PERFORM journey._require_pg_cron();
	EXECUTE 'SELECT command FROM cron.job WHERE jobname = $1 AND username = current_user AND command NOT LIKE $2 LIMIT 1'
		INTO other USING job_name, ours;
	IF other IS NOT NULL THEN
		RAISE EXCEPTION 'the pg_cron job % already runs %', journey._q(job_name), journey._q(other) USING ERRCODE = '42710',
			HINT = 'a journey and a segment of the same name would share their job''s name: rename one';
	END IF;
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job USING job_name, cron, command;
	RETURN job;
END
$$;
COMMENT ON FUNCTION journey._cron_schedule(text, text, text, text) IS
	'internal: schedules (or replaces) one of pg_journey''s pg_cron jobs by name';

CREATE FUNCTION journey.schedule_segment(name text, cron text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d journey.segment_defs;
	job bigint;
BEGIN
	PERFORM journey._require_pg_cron();
	d := journey._segment_for_update(name);
	IF d.query IS NULL THEN
		RAISE EXCEPTION 'segment % is static: there is no query to refresh', journey._q(name) USING ERRCODE = '55000';
	END IF;
	IF cron IS NULL THEN
		RAISE EXCEPTION 'cron must not be null' USING ERRCODE = '22004';
	END IF;
	job := journey._cron_schedule('journey:' || name, cron, format('CALL journey._refresh_segment_job(%L)', name),
	                              'CALL journey._refresh_segment_job(%');
	UPDATE journey.segment_defs s SET cron_job = job, cron_schedule = cron WHERE s.name = schedule_segment.name;
	RETURN job;
END
$$;
COMMENT ON FUNCTION journey.schedule_segment(text, text) IS
	'installs (or replaces) a pg_cron job named journey:<segment> that refreshes the segment at each cron time, a transaction per batch; returns the job id';

CREATE FUNCTION journey.drop_segment(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d journey.segment_defs;
	users text;
BEGIN
	d := journey._segment_for_update(name);
	-- Journeys that are not archived and whose live version, or a version with active instances, names it.
	SELECT string_agg(DISTINCT journey._q(v.journey), ', ') INTO users
	  FROM journey.versions v JOIN journey.journeys j ON j.name = v.journey
	 WHERE j.status <> 'archived'
	   AND (v.version = j.live_version
	        OR EXISTS (SELECT 1 FROM journey.instance i WHERE i.version_id = v.id AND i.status = 'a'))
	   AND jsonb_path_exists(v.definition,
	                         '$.** ? (@.segment == $s || @.segment_enter == $s || @.segment_exit == $s)',
	                         jsonb_build_object('s', drop_segment.name));
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'segment % is used by journey %', journey._q(name), users USING ERRCODE = '2BP01',
			HINT = 'archive those journeys, or publish versions without the segment, first';
	END IF;
	IF d.cron_job IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE jobid = $1' USING d.cron_job;
	END IF;
	DELETE FROM journey.segment_changes c WHERE c.segment = drop_segment.name;
	DELETE FROM journey.segment_members m WHERE m.segment = drop_segment.name;
	DELETE FROM journey.segment_defs s WHERE s.name = drop_segment.name;
END
$$;
COMMENT ON FUNCTION journey.drop_segment(text) IS
	'drops a segment, its members and its pg_cron job; refused (2BP01, naming them) while a journey that is not archived uses it';

-- A journey's {"schedule": CRON, "segment": S} triggers: a pg_cron job each while the journey is live
-- (journey:<journey>, then journey:<journey>:2, ...), none while it is draft, paused or archived.
CREATE FUNCTION journey._sync_journey_schedules(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j journey.journeys;
	def jsonb;
	t record;
	ours text := 'CALL journey._enroll_segment_job(' || quote_literal(name) || ',%';
BEGIN
	SELECT * INTO j FROM journey.journeys jj WHERE jj.name = _sync_journey_schedules.name;
	IF j.status = 'live' THEN
		SELECT v.definition INTO def FROM journey.versions v WHERE v.journey = j.name AND v.version = j.live_version;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		IF def IS NOT NULL AND jsonb_path_exists(def, '$.trigger ? (exists(@.schedule))') THEN
			PERFORM journey._require_pg_cron();
		END IF;
		RETURN;
	END IF;
	EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE (jobname = $1 OR jobname LIKE $2) AND command LIKE $3 AND username = current_user'
		USING 'journey:' || name, 'journey:' || name || ':%', ours;
	IF def IS NULL THEN
		RETURN;
	END IF;
	FOR t IN
		SELECT tr ->> 'schedule' AS cron, tr ->> 'segment' AS segment, row_number() OVER () AS k
		  FROM jsonb_path_query(def, '$.trigger ? (exists(@.schedule))') AS tr
	LOOP
		PERFORM journey._cron_schedule(CASE WHEN t.k = 1 THEN 'journey:' || name ELSE 'journey:' || name || ':' || t.k END,
		                               t.cron, format('CALL journey._enroll_segment_job(%L, %L)', name, t.segment), ours);
	END LOOP;
END
$$;
COMMENT ON FUNCTION journey._sync_journey_schedules(text) IS
	'internal: makes the pg_cron jobs of a journey''s schedule triggers match its state (one per trigger while live)';

CREATE FUNCTION journey._journey_schedules_changed()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._sync_journey_schedules(NEW.name);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION journey._journey_schedules_changed() IS
	'internal: after a journey is published, paused, resumed or archived, its schedule triggers'' pg_cron jobs follow';

CREATE TRIGGER journeys_schedules AFTER UPDATE OF status, live_version ON journey.journeys
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.live_version IS DISTINCT FROM NEW.live_version)
	EXECUTE FUNCTION journey._journey_schedules_changed();
