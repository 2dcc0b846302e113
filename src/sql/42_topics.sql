-- Subscription topics and users' preferences (SPEC §6): a send with a "topic" to a user unsubscribed from it
-- (on the send's channel, or on every channel) is written suppressed; a critical topic ignores preferences.

CREATE TABLE journey.topics (
	name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$' AND length(name) <= 63),
	critical    bool NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE journey.topics IS
	'topics sends may name (journey.add_topic); a critical one (security alerts, receipts) ignores preferences, frequency caps and quiet hours';

CREATE TABLE journey.preferences (
	user_id     text NOT NULL,
	topic       text NOT NULL REFERENCES journey.topics ON DELETE CASCADE,
	channel     text,			-- null: every channel
	subscribed  bool NOT NULL,
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX preferences_user_topic_channel ON journey.preferences (user_id, topic, (coalesce(channel, '')));
COMMENT ON TABLE journey.preferences IS
	'each user''s subscription to a topic, on one channel or (channel null) on every channel; a preference for the channel wins over one for every channel; none means subscribed';
SELECT pg_catalog.pg_extension_config_dump('journey.topics', '');
SELECT pg_catalog.pg_extension_config_dump('journey.preferences', '');

CREATE FUNCTION journey.add_topic(name text, critical bool DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR name !~ '^[a-z][a-z0-9_]*$' OR length(name) > 63 THEN
		RAISE EXCEPTION 'topic name % must match [a-z][a-z0-9_]* (at most 63 characters)', journey._q(name)
			USING ERRCODE = '22023';
	END IF;
	INSERT INTO journey.topics AS t (name, critical) VALUES (add_topic.name, coalesce(add_topic.critical, false))
	ON CONFLICT ON CONSTRAINT topics_pkey DO UPDATE SET critical = excluded.critical;
END
$$;
COMMENT ON FUNCTION journey.add_topic(text, bool) IS
	'declares a topic that sends may name (or changes whether it is critical: a critical topic ignores preferences, caps and quiet hours)';

CREATE FUNCTION journey.set_preference(user_id text, topic text, channel text DEFAULT NULL, subscribed bool DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF set_preference.user_id IS NULL OR set_preference.topic IS NULL OR set_preference.subscribed IS NULL THEN
		RAISE EXCEPTION 'user_id, topic and subscribed must not be null' USING ERRCODE = '22004';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM journey.topics t WHERE t.name = set_preference.topic) THEN
		RAISE EXCEPTION 'topic % does not exist', journey._q(set_preference.topic) USING ERRCODE = '42704',
			HINT = 'journey.add_topic(name) declares one';
	END IF;
	INSERT INTO journey.preferences AS p (user_id, topic, channel, subscribed)
	VALUES (set_preference.user_id, set_preference.topic, set_preference.channel, set_preference.subscribed)
	ON CONFLICT (user_id, topic, (coalesce(channel, ''))) DO UPDATE
		SET subscribed = excluded.subscribed, updated_at = now();
END
$$;
COMMENT ON FUNCTION journey.set_preference(text, text, text, bool) IS
	'subscribes or unsubscribes a user from a topic on one channel, or (channel null) on every channel';
