-- Playbook 3: course recommendations for an ed-tech business. When a user completes a course: fetch
-- recommendations through an allowed SQL function and send a congratulation e-mail carrying them; wait
-- 2 days and ask for feedback; wait up to 5 days for the user to browse the recommendations, else send
-- them by web push when reachable, else by e-mail; then wait up to 2 days for a course start or purchase
-- (the application's course_activity table, tracked as the event course_engaged), counted as the goal.
\pset null '(null)'
SET timezone = 'UTC';
CREATE SCHEMA school;
CREATE TABLE school.courses (id int PRIMARY KEY, title text, topic text);
INSERT INTO school.courses VALUES (1, 'SQL basics', 'data'), (2, 'Window functions', 'data'),
                                  (3, 'Query tuning', 'data'), (4, 'Watercolour', 'art');
CREATE TABLE school.course_activity (user_id text, course_id int, kind text, at timestamptz);
SELECT journey.track_events('school.course_activity', 'user_id', event_name => 'course_engaged', time_column => 'at');
CREATE FUNCTION school.recommend_courses(user_id text, context jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('titles', jsonb_agg(c.title ORDER BY c.id))
	  FROM school.courses c
	 WHERE c.topic = 'data' AND c.id > 1;
$$;

-- A call of a function that is not allowed is refused: 42501 from define, a row from validate.
\set courses `cat examples/course_recommendations.json`
SELECT set_config('my.courses', :'courses', false) IS NOT NULL AS loaded;
DO $$
BEGIN
	PERFORM journey.define(current_setting('my.courses')::jsonb);
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE '42501: %', SQLERRM;
END
$$;
SELECT * FROM journey.validate(:'courses'::jsonb);
SELECT journey.allow_function('school.recommend_courses(text, jsonb)');
SELECT count(*) AS problems FROM journey.validate(:'courses'::jsonb);
SELECT journey.define(:'courses'::jsonb, true);

SELECT journey.set_contact('stu1', 'email', 'stu1@example.com'), journey.set_contact('stu1', 'web_push', 'wp-1'),
       journey.set_contact('stu2', 'email', 'stu2@example.com'), journey.set_contact('stu3', 'email', 'stu3@example.com');
SELECT journey.track(u, 'course_completed', '{"course_id": 1, "course_title": "SQL basics"}', '2030-09-01 12:00+00')
  FROM unnest(ARRAY['stu1', 'stu2', 'stu3']) u;
-- The congratulation carries the recommendations from the function (stored in the context as "recs").
SELECT user_id, template, payload->'data' AS data FROM journey.outbox WHERE journey = 'course_recommendations' ORDER BY user_id;
SELECT user_id, node, context FROM journey.instances WHERE journey = 'course_recommendations' ORDER BY user_id;

-- Two days later: the feedback e-mail; then the wait for browsing.
SELECT journey.run_due('2030-09-03 12:00+00') AS steps;
-- stu3 browses the recommendations on day 4.
SELECT journey.track('stu3', 'recommendations_viewed', '{}', '2030-09-05 08:00+00');
-- Day 8: stu1 (web push reachable) gets them by web push, stu2 by e-mail.
SELECT journey.run_due('2030-09-08 12:00+00') AS steps;
SELECT user_id, template, channel, created_at FROM journey.outbox
 WHERE journey = 'course_recommendations' AND template <> 'course_congrats' ORDER BY user_id, id;
-- stu1 starts a course on day 9: converted (goal) and the journey ends "converted"; stu2 never does.
INSERT INTO school.course_activity VALUES ('stu1', 2, 'started', '2030-09-09 09:00+00');
SELECT journey.run_due('2030-09-12 12:00+00') AS steps;
SELECT user_id, status, exit_reason FROM journey.instances WHERE journey = 'course_recommendations' ORDER BY user_id;
SELECT user_id, event, converted_at FROM journey.conversions WHERE journey = 'course_recommendations' ORDER BY user_id;

-- A call that raises fails that user's step; the others carry on.
CREATE OR REPLACE FUNCTION school.recommend_courses(user_id text, context jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	IF user_id = 'stu5' THEN
		RAISE EXCEPTION 'recommendation service unavailable';
	END IF;
	RETURN '{"titles": []}';
END
$$;
SELECT journey.track(u, 'course_completed', '{"course_id": 4}', '2030-09-20 12:00+00') FROM unnest(ARRAY['stu4', 'stu5']) u;
SELECT user_id, status, node, error FROM journey.instances
 WHERE journey = 'course_recommendations' AND user_id IN ('stu4', 'stu5') ORDER BY user_id;

-- Disallowing the function: publish refuses the version (42501).
SELECT journey.disallow_function('school.recommend_courses(text, jsonb)');
DO $$
BEGIN
	PERFORM journey.publish('course_recommendations');
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE '42501: %', SQLERRM;
END
$$;
