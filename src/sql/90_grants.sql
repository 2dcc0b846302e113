-- Privileges: everything is revoked from PUBLIC, then granted per role.

REVOKE ALL ON ALL TABLES IN SCHEMA journey FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA journey FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA journey FROM PUBLIC;

-- journey_app: the application.
GRANT EXECUTE ON FUNCTION journey.track(text, text, jsonb, timestamptz),
                          journey.set_contact(text, text, text, bool),
                          journey.unsubscribe(text, text),
                          journey.enroll(text, text, jsonb, timestamptz)
      TO journey_app;
GRANT INSERT ON journey.events TO journey_app;

-- journey_sender: the senders.
GRANT EXECUTE ON FUNCTION journey.claim(text, int, interval),
                          journey.ack(bigint[]),
                          journey.fail(bigint, text, interval),
                          journey.report_delivery(bigint, text, timestamptz),
                          journey.max_attempts()
      TO journey_sender;

-- journey_admin: everything, and reading every table and view.
GRANT journey_app, journey_sender TO journey_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA journey TO journey_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA journey TO journey_admin;
GRANT INSERT, UPDATE, DELETE ON journey.profiles, journey.contacts, journey.templates, journey.allowed_functions
      TO journey_admin;
