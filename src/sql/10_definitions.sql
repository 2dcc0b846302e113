-- Journeys and their immutable versions; channels; the audit log.

CREATE TABLE journey.journeys (
	name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
	status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'paused', 'archived')),
	live_version int,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE journey.journeys IS 'one row per journey name: its status (draft, live, paused, archived) and live version';

CREATE TABLE journey.versions (
	id          serial PRIMARY KEY,
	journey     text NOT NULL REFERENCES journey.journeys (name),
	version     int NOT NULL CHECK (version > 0),
	definition  jsonb NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	created_by  name NOT NULL DEFAULT current_user,
	UNIQUE (journey, version)
);
COMMENT ON TABLE journey.versions IS 'immutable journey definitions, one row per version; instances pin the version they run';

CREATE TABLE journey.channels (
	name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
	builtin  bool NOT NULL DEFAULT false
);
COMMENT ON TABLE journey.channels IS 'channels a send node may use: the built-in ones and those added with journey.add_channel';
INSERT INTO journey.channels (name, builtin)
SELECT c, true FROM unnest(ARRAY['email', 'sms', 'push', 'web_push', 'in_app', 'web_overlay', 'whatsapp',
                                 'webhook', 'audience', 'survey']) AS c;

CREATE TABLE journey.change_log (
	id       bigserial PRIMARY KEY,
	at       timestamptz NOT NULL DEFAULT now(),
	actor    name NOT NULL DEFAULT session_user,
	action   text NOT NULL,
	journey  text NOT NULL,
	version  int,
	detail   jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE journey.change_log IS 'audit log of definitions and status changes, read through journey.changes';

CREATE VIEW journey.changes AS
	SELECT at, actor, action, journey, version, detail FROM journey.change_log;
COMMENT ON VIEW journey.changes IS 'who defined, published, paused, resumed, archived which journey, and when';

SELECT pg_catalog.pg_extension_config_dump('journey.journeys', '');
SELECT pg_catalog.pg_extension_config_dump('journey.versions', '');
SELECT pg_catalog.pg_extension_config_dump('journey.versions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('journey.channels', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('journey.change_log', '');
SELECT pg_catalog.pg_extension_config_dump('journey.change_log_id_seq', '');
COMMENT ON SEQUENCE journey.versions_id_seq IS 'ids of journey versions';
COMMENT ON SEQUENCE journey.change_log_id_seq IS 'ids of audit log entries';
