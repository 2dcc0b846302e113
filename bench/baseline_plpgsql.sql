-- make bench: the hand-written PL/pgSQL baseline — what a team writes without pg_journey. The cart
-- journey of SPEC §5 (examples/cart_abandonment.json) hard-coded on a naive schema:
--   * bench.pl_events: an event table like journey.events (same columns and indexes), with a row
--     trigger that enrols (entry rules after_exit + 1 day cooldown, max_event_age 1 day) and exits on
--     checkout (exit_when);
--   * bench.naive_instance: one wide row per instance, text status and node, updated in place;
--   * bench.naive_outbox: the same columns and indexes as journey.outbox;
--   * bench.naive_tick(as_of): the tick a cron job calls, advancing due instances row by row
--     (wait → check → push? → push → email → done), one SQL statement per decision.
-- It reads the same journey.contacts as pg_journey. It has no per-instance error isolation (no
-- BEGIN … EXCEPTION block, which pg_journey's subtransaction per instance pays for), no templates
-- table lookup and no visit counters: it does a little less than pg_journey does.
\set ON_ERROR_STOP on

CREATE TABLE bench.pl_events (LIKE journey.events INCLUDING ALL);

CREATE TABLE bench.naive_instance (
	id            bigserial PRIMARY KEY,
	user_id       text NOT NULL,
	journey       text NOT NULL,
	version       int NOT NULL,
	status        text NOT NULL DEFAULT 'active',
	node          text,
	wake_at       timestamptz,
	entered_at    timestamptz NOT NULL,
	last_step_at  timestamptz NOT NULL,
	ended_at      timestamptz,
	exit_reason   text,
	context       jsonb NOT NULL DEFAULT '{}',
	event         jsonb NOT NULL DEFAULT '{}'
);
-- One active instance per user and journey; the tick's queue; the entry rules' history lookups.
CREATE UNIQUE INDEX naive_instance_one_active ON bench.naive_instance (journey, user_id) WHERE status = 'active';
CREATE INDEX naive_instance_due ON bench.naive_instance (wake_at) WHERE status = 'active';
CREATE INDEX naive_instance_user ON bench.naive_instance (user_id, journey);

CREATE TABLE bench.naive_outbox (LIKE journey.outbox INCLUDING ALL);

CREATE FUNCTION bench.naive_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	is_active bool;
	last_entry timestamptz;
BEGIN
	IF NEW.name = 'checkout' THEN	-- exit_when
		UPDATE bench.naive_instance i
		   SET status = 'exited', exit_reason = 'exit_event', node = NULL, wake_at = NULL,
		       ended_at = greatest(NEW.occurred_at, i.last_step_at), last_step_at = greatest(NEW.occurred_at, i.last_step_at)
		 WHERE i.user_id = NEW.user_id AND i.journey = 'cart_abandonment' AND i.status = 'active';
		RETURN NULL;
	END IF;
	IF NEW.name <> 'add_to_cart' OR NEW.occurred_at < now() - interval '1 day' THEN
		RETURN NULL;
	END IF;
	-- Entry rules: after_exit, cooldown 1 day (serialized per user, as pg_journey does).
	PERFORM pg_advisory_xact_lock(hashtext('cart_abandonment'), hashtext(NEW.user_id));
	SELECT bool_or(i.status = 'active'), max(i.entered_at) INTO is_active, last_entry
	  FROM bench.naive_instance i WHERE i.user_id = NEW.user_id AND i.journey = 'cart_abandonment';
	IF is_active OR NEW.occurred_at < last_entry + interval '1 day' THEN
		RETURN NULL;
	END IF;
	INSERT INTO bench.naive_instance (user_id, journey, version, node, wake_at, entered_at, last_step_at, event)
	VALUES (NEW.user_id, 'cart_abandonment', 1, 'wait', NEW.occurred_at + interval '2 hours', NEW.occurred_at,
	        NEW.occurred_at, NEW.props)
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;
CREATE TRIGGER pl_events_track AFTER INSERT ON bench.pl_events FOR EACH ROW EXECUTE FUNCTION bench.naive_track();

-- One send: an outbox row (suppressed when the user is not reachable) and a NOTIFY for idle senders.
CREATE FUNCTION bench.naive_send(i bench.naive_instance, node text, chan text, tmpl text, data jsonb, as_of timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	addr text;
BEGIN
	SELECT c.address INTO addr FROM journey.contacts c
	 WHERE c.user_id = i.user_id AND c.channel = chan AND c.address IS NOT NULL AND c.opted_in AND NOT c.bounced;
	INSERT INTO bench.naive_outbox (journey, version, node, instance_id, user_id, channel, template, payload,
	                                dedup_key, created_at, available_at, status, last_error)
	VALUES (i.journey, i.version, node, i.id, i.user_id, chan, tmpl,
	        jsonb_build_object('to', addr, 'template', tmpl, 'data', data),
	        i.id || ':' || node || ':1', as_of, as_of,
	        CASE WHEN addr IS NULL THEN 'suppressed' ELSE 'pending' END,
	        CASE WHEN addr IS NULL THEN 'not reachable on ' || chan END);
	IF addr IS NOT NULL THEN
		PERFORM pg_notify('journey_outbox', chan);
	END IF;
END
$$;

-- The tick: every due instance, row by row, in one transaction; returns the steps executed.
CREATE FUNCTION bench.naive_tick(as_of timestamptz)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	i bench.naive_instance;
	n bigint := 0;
BEGIN
	FOR i IN SELECT * FROM bench.naive_instance
	          WHERE status = 'active' AND wake_at <= as_of ORDER BY wake_at FOR UPDATE SKIP LOCKED
	LOOP
		n := n + 1;
		-- wait → check: {"event": "checkout", "since": "entry"}
		IF NOT EXISTS (SELECT 1 FROM bench.pl_events e
		                WHERE e.user_id = i.user_id AND e.name = 'checkout'
		                  AND e.occurred_at >= i.entered_at AND e.occurred_at <= as_of) THEN
			-- push?: {"reachable": "push"}
			IF EXISTS (SELECT 1 FROM journey.contacts c
			            WHERE c.user_id = i.user_id AND c.channel = 'push' AND c.address IS NOT NULL
			              AND c.opted_in AND NOT c.bounced) THEN
				PERFORM bench.naive_send(i, 'push', 'push', 'cart_reminder', '{}', as_of);
			END IF;
			PERFORM bench.naive_send(i, 'email', 'email', 'cart_similar',
			                         jsonb_build_object('sku', coalesce(i.event ->> 'sku', '')), as_of);
		END IF;
		-- done: {"exit": "completed"}
		UPDATE bench.naive_instance
		   SET status = 'completed', exit_reason = 'completed', node = NULL, wake_at = NULL,
		       ended_at = as_of, last_step_at = as_of
		 WHERE id = i.id;
	END LOOP;
	RETURN n;
END
$$;
