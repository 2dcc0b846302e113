-- Segments (SPEC §7): who is in each, and the entries and exits of refreshes waiting to be fired.

CREATE TABLE journey.segment_defs (
	name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$' AND length(name) <= 63),
	query             text,					-- null: a static segment (add_to_segment, remove_from_segment)
	run_as            regrole NOT NULL,		-- the journey_admin who defined it: its query runs with its rights
	search_path       text NOT NULL,		-- and with the search_path it had then
	defined_at        timestamptz NOT NULL DEFAULT now(),
	members           bigint NOT NULL DEFAULT 0,
	refreshed_at      timestamptz,			-- the last refresh (or change of a static segment), real clock
	refresh_as_of     timestamptz,			-- its as_of
	refresh_duration  interval,
	entered           bigint,				-- users who entered at the last refresh
	exited            bigint,				-- users who left at it
	cron_job          bigint,				-- journey.schedule_segment's pg_cron job
	cron_schedule     text
);
COMMENT ON TABLE journey.segment_defs IS
	'segments (journey.define_segment): the query (null for a static segment), whose rights it runs with, the last refresh';

CREATE TABLE journey.segment_members (
	segment  text NOT NULL,
	user_id  text NOT NULL,
	since    timestamptz NOT NULL,	-- the as_of of the refresh (or add_to_segment) that added the user
	PRIMARY KEY (segment, user_id)
);
COMMENT ON TABLE journey.segment_members IS
	'each segment''s members as of its last refresh: what {"segment": S} conditions and wait_for read';

-- A refresh stores the new membership and queues who entered and left; the queue is fired as events
-- (segment_enter:S, segment_exit:S in journey.events) in batches, in the refresh's transaction or, from
-- pg_cron, a transaction per batch. A crash between batches leaves the rest queued: the next refresh of
-- the segment fires them first.
CREATE TABLE journey.segment_changes (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	segment  text NOT NULL,
	user_id  text NOT NULL,
	entered  bool NOT NULL,
	at       timestamptz NOT NULL
);
CREATE INDEX segment_changes_segment ON journey.segment_changes (segment, id);
COMMENT ON SEQUENCE journey.segment_changes_id_seq IS 'ids of journey.segment_changes: the order in which changes are fired';
COMMENT ON TABLE journey.segment_changes IS
	'entries into and exits from segments that a refresh found and that are not yet fired as events';

SELECT pg_catalog.pg_extension_config_dump('journey.segment_defs', '');
SELECT pg_catalog.pg_extension_config_dump('journey.segment_members', '');
SELECT pg_catalog.pg_extension_config_dump('journey.segment_changes', '');
SELECT pg_catalog.pg_extension_config_dump('journey.segment_changes_id_seq', '');

CREATE VIEW journey.segments AS
SELECT d.name, d.query, d.query IS NULL AS static, d.run_as AS defined_by, d.members,
       d.refreshed_at AS last_refresh, d.refresh_as_of AS last_refresh_as_of, d.refresh_duration AS last_refresh_duration,
       d.entered, d.exited,
       (SELECT count(*) FROM journey.segment_changes c WHERE c.segment = d.name) AS pending_changes,
       d.cron_job, d.cron_schedule
  FROM journey.segment_defs d;
COMMENT ON VIEW journey.segments IS
	'one row per segment: its query (null: static), members, the last refresh (when, as of, how long, who entered and left), changes not yet fired, the pg_cron job';
COMMENT ON COLUMN journey.segments.static IS 'true for a segment without a query, changed by add_to_segment and remove_from_segment';
COMMENT ON COLUMN journey.segments.defined_by IS 'the journey_admin whose rights the query runs with';
COMMENT ON COLUMN journey.segments.members IS 'members as of the last refresh';
COMMENT ON COLUMN journey.segments.entered IS 'users who entered the segment at the last refresh (or add_to_segment)';
COMMENT ON COLUMN journey.segments.exited IS 'users who left it at the last refresh (or remove_from_segment)';
COMMENT ON COLUMN journey.segments.pending_changes IS 'entries and exits found by a refresh and not yet fired (a scheduled refresh fires them a batch per transaction)';
COMMENT ON COLUMN journey.segments.cron_job IS 'the pg_cron job of journey.schedule_segment (named journey:<segment>)';
