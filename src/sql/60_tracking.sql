-- The event trigger: every insert into a tracked table is an event for the journeys.

CREATE FUNCTION journey._event_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'journey_event_trigger'
LANGUAGE c;
COMMENT ON FUNCTION journey._event_trigger() IS
	'internal: row trigger on tracked event tables; arguments: user column, name column, constant event name, time column, props column';

CREATE TRIGGER events_track AFTER INSERT ON journey.events
	FOR EACH ROW EXECUTE FUNCTION journey._event_trigger('user_id', 'name', '', 'occurred_at', 'props');
