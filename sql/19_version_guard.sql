-- Instances pin their version (journey.instance.version_id): versions are immutable, and a version with
-- instances cannot be deleted or truncated away (a trigger does what a foreign key would, without costing
-- every entry a check).
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "vg_one",
  "trigger": {"event": "vg_go"},
  "start": "wait",
  "nodes": {"wait": {"wait": "1 hour", "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.track('vg_u', 'vg_go', '{}', '2031-03-01 10:00+00') IS NOT NULL AS tracked;
SELECT count(*) AS instances FROM journey.instances WHERE journey = 'vg_one';
DO $$
BEGIN
	UPDATE journey.versions SET definition = '{}' WHERE journey = 'vg_one';
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	RAISE NOTICE 'update refused (%): %', SQLSTATE, SQLERRM;
END
$$;
DO $$
BEGIN
	DELETE FROM journey.versions WHERE journey = 'vg_one';
EXCEPTION WHEN foreign_key_violation THEN
	RAISE NOTICE 'delete refused (%): %', SQLSTATE, SQLERRM;
END
$$;
DO $$
BEGIN
	TRUNCATE journey.versions CASCADE;
EXCEPTION WHEN foreign_key_violation THEN
	RAISE NOTICE 'truncate refused (%): %', SQLSTATE, SQLERRM;
END
$$;
SELECT count(*) AS versions FROM journey.versions WHERE journey = 'vg_one';
-- Without instances, the version may go (the fault tests' clean-up does this).
SELECT journey.archive('vg_one');
DELETE FROM journey.instance WHERE journey_id = (SELECT id FROM journey.journeys WHERE name = 'vg_one');
DELETE FROM journey.versions WHERE journey = 'vg_one';
SELECT count(*) AS versions FROM journey.versions WHERE journey = 'vg_one';
