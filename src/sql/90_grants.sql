-- Privileges: everything is revoked from PUBLIC, then granted per role (README "Security model").
-- Internal tables are written only through the functions that own them; internal functions (named
-- journey._*) are executed only by the extension's owner (through the public functions, triggers and
-- the scheduler).

REVOKE ALL ON ALL TABLES IN SCHEMA journey FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA journey FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA journey FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA journey FROM PUBLIC;

-- journey_app: the application. It may insert events (not choose their ids) and call these functions.
GRANT EXECUTE ON FUNCTION journey.track(text, text, jsonb, timestamptz),
                          journey.set_contact(text, text, text, bool),
                          journey.unsubscribe(text, text),
                          journey.enroll(text, text, jsonb, timestamptz)
      TO journey_app;
GRANT INSERT (user_id, name, props, occurred_at) ON journey.events TO journey_app;

-- journey_sender: the senders.
GRANT EXECUTE ON FUNCTION journey.claim(text, int, interval),
                          journey.ack(bigint[], bigint),
                          journey.fail(bigint, text, interval, bigint),
                          journey.fail(bigint, text, interval, bigint, bool),
                          journey.report_delivery(bigint, text, timestamptz, jsonb),
                          journey.max_attempts()
      TO journey_sender;

-- journey_admin: every public function, reading every table and view, and the user data it manages
-- (profiles, contacts, templates). Not the internal tables: definitions, instances, the outbox, allowed
-- functions, tracked tables, entries and the audit log change only through the functions.
GRANT journey_app, journey_sender TO journey_admin;
DO $grants$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure
		  FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = 'journey'::regnamespace AND p.proname !~ '^_'
	LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO journey_admin', f);
	END LOOP;
END
$grants$;
GRANT SELECT ON ALL TABLES IN SCHEMA journey TO journey_admin;
GRANT INSERT, UPDATE, DELETE ON journey.profiles, journey.contacts, journey.templates TO journey_admin;
