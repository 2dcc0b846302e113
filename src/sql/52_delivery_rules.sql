-- Delivery rules (SPEC §6): frequency caps and quiet hours per channel, and the slots of journeys' send rates.
-- The engine reads caps and quiet hours with its rule cache (the triggers below make every backend reload it).

CREATE TABLE journey.frequency_caps (
	channel       text PRIMARY KEY REFERENCES journey.channels ON DELETE CASCADE,
	max_messages  int NOT NULL CHECK (max_messages > 0),
	per           interval NOT NULL CHECK (per > interval '0'),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE journey.frequency_caps IS
	'per channel: at most max_messages non-suppressed outbox rows per user with created_at in (now - per, now], every journey''s (journey.set_frequency_cap)';

CREATE TABLE journey.quiet_hours (
	channel     text PRIMARY KEY REFERENCES journey.channels ON DELETE CASCADE,
	starts      time NOT NULL,
	ends        time NOT NULL CHECK (ends <> starts),
	fallback    text NOT NULL DEFAULT 'defer' CHECK (fallback IN ('defer', 'drop')),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE journey.quiet_hours IS
	'per channel: sends at a time of day in [starts, ends) in the user''s time zone (wrapping midnight when starts > ends) wait until ends (defer) or are suppressed (drop) (journey.set_quiet_hours)';

CREATE TABLE journey.send_rate_slots (
	journey       text PRIMARY KEY,
	window_start  timestamptz NOT NULL,
	used          int NOT NULL
);
COMMENT ON TABLE journey.send_rate_slots IS
	'internal: per journey with a send_rate, the current window of its rows'' availability (it starts at window_start, lasts the rate''s period, and holds used of its max rows)';
CREATE TABLE journey.frequency_cap_locks (
	user_id  text PRIMARY KEY
);
COMMENT ON TABLE journey.frequency_cap_locks IS
	'internal: a row per user some frequency cap counted for; a transaction counting a user''s rows locks it (FOR NO KEY UPDATE) until it ends, so that two cannot both pass a cap';
SELECT pg_catalog.pg_extension_config_dump('journey.frequency_caps', '');
SELECT pg_catalog.pg_extension_config_dump('journey.frequency_cap_locks', '');
SELECT pg_catalog.pg_extension_config_dump('journey.quiet_hours', '');
SELECT pg_catalog.pg_extension_config_dump('journey.send_rate_slots', '');

CREATE TRIGGER frequency_caps_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.frequency_caps
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();
CREATE TRIGGER quiet_hours_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON journey.quiet_hours
	FOR EACH STATEMENT EXECUTE FUNCTION journey._invalidate_cache();

CREATE FUNCTION journey._require_channel(channel text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF channel IS NULL THEN
		RAISE EXCEPTION 'channel must not be null' USING ERRCODE = '22004';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM journey.channels c WHERE c.name = _require_channel.channel) THEN
		RAISE EXCEPTION 'channel % does not exist', journey._q(channel) USING ERRCODE = '42704',
			HINT = 'journey.add_channel(name) adds one';
	END IF;
END
$$;
COMMENT ON FUNCTION journey._require_channel(text) IS 'internal: raises 42704 for a channel that does not exist';

CREATE FUNCTION journey.set_frequency_cap(channel text, max_messages int, per interval)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._require_channel(channel);
	IF max_messages IS NULL OR per IS NULL THEN
		RAISE EXCEPTION 'max_messages and per must not be null' USING ERRCODE = '22004';
	END IF;
	IF max_messages < 1 THEN
		RAISE EXCEPTION 'max_messages must be at least 1 (it is %)', max_messages USING ERRCODE = '22023',
			HINT = 'journey.clear_frequency_cap(channel) removes a cap';
	END IF;
	IF per <= interval '0' THEN
		RAISE EXCEPTION 'per must be a positive interval (it is %)', per USING ERRCODE = '22023';
	END IF;
	INSERT INTO journey.frequency_caps AS f (channel, max_messages, per)
	VALUES (set_frequency_cap.channel, set_frequency_cap.max_messages, set_frequency_cap.per)
	ON CONFLICT ON CONSTRAINT frequency_caps_pkey DO UPDATE
		SET max_messages = excluded.max_messages, per = excluded.per, updated_at = now();
END
$$;
COMMENT ON FUNCTION journey.set_frequency_cap(text, int, interval) IS
	'caps the messages a user gets on a channel: a send finding max_messages non-suppressed rows of the user on the channel with created_at in (now - per, now], rows written before the cap included, is written suppressed';

CREATE FUNCTION journey.clear_frequency_cap(channel text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._require_channel(channel);
	DELETE FROM journey.frequency_caps f WHERE f.channel = clear_frequency_cap.channel;
END
$$;
COMMENT ON FUNCTION journey.clear_frequency_cap(text) IS 'removes the frequency cap of a channel (none: nothing changes)';

CREATE FUNCTION journey.set_quiet_hours(channel text, starts time, ends time, fallback text DEFAULT 'defer')
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._require_channel(channel);
	IF starts IS NULL OR ends IS NULL OR fallback IS NULL THEN
		RAISE EXCEPTION 'starts, ends and fallback must not be null' USING ERRCODE = '22004';
	END IF;
	IF starts = ends THEN
		RAISE EXCEPTION 'quiet hours must not start and end at the same time (%)', starts USING ERRCODE = '22023';
	END IF;
	IF fallback NOT IN ('defer', 'drop') THEN
		RAISE EXCEPTION 'fallback must be ''defer'' or ''drop'' (it is %)', journey._q(fallback) USING ERRCODE = '22023';
	END IF;
	INSERT INTO journey.quiet_hours AS q (channel, starts, ends, fallback)
	VALUES (set_quiet_hours.channel, set_quiet_hours.starts, set_quiet_hours.ends, set_quiet_hours.fallback)
	ON CONFLICT ON CONSTRAINT quiet_hours_pkey DO UPDATE
		SET starts = excluded.starts, ends = excluded.ends, fallback = excluded.fallback, updated_at = now();
END
$$;
COMMENT ON FUNCTION journey.set_quiet_hours(text, time, time, text) IS
	'quiet hours of a channel in each user''s time zone: a send at a time of day in [starts, ends) (wrapping midnight when starts > ends) is written available at their end (defer) or suppressed (drop)';

CREATE FUNCTION journey.clear_quiet_hours(channel text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM journey._require_channel(channel);
	DELETE FROM journey.quiet_hours q WHERE q.channel = clear_quiet_hours.channel;
END
$$;
COMMENT ON FUNCTION journey.clear_quiet_hours(text) IS 'removes the quiet hours of a channel (none: nothing changes)';
