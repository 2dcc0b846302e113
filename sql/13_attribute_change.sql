-- attribute_change triggers: on insert when the new value is not null, on update when the value is
-- distinct from the old one; a change made by a journey's own update node never enters that journey.
\pset null '(null)'
SET timezone = 'UTC';
SELECT count(*) AS profile_tables FROM journey.profile_source;
SELECT journey.define($${
  "name": "vip_welcome",
  "trigger": {"attribute_change": "plan", "where": {"prop": "new", "op": "=", "value": "vip"}},
  "entry": {"reentry": "always"},
  "start": "hello",
  "nodes": {
    "hello": {"send": {"channel": "in_app", "template": "vip", "data": {"was": "{{event.old | default: \"nothing\"}}"}}, "next": "done"},
    "done":  {"exit": "completed"}
  }}$$, true);
INSERT INTO journey.profiles (user_id, attributes) VALUES ('ac1', '{"plan": "vip"}'), ('ac2', '{"plan": "free"}'),
                                                          ('ac3', '{"name": "no plan"}');
UPDATE journey.profiles SET attributes = '{"plan": "vip"}' WHERE user_id = 'ac2';
UPDATE journey.profiles SET attributes = '{"plan": "vip", "name": "same plan"}' WHERE user_id = 'ac1';
UPDATE journey.profiles SET attributes = '{"name": "renamed"}' WHERE user_id = 'ac3';
SELECT user_id, payload->'data' AS data FROM journey.outbox WHERE journey = 'vip_welcome' ORDER BY user_id;

-- A loyalty journey adds a point on each purchase; its own update does not re-enter it (no loop), but it
-- does enter another journey that watches the same attribute.
SELECT journey.define($${
  "name": "loyalty",
  "trigger": [{"event": "purchase"}, {"attribute_change": "points"}],
  "entry": {"reentry": "always"},
  "start": "add",
  "nodes": {"add": {"update": {"points": {"add": 1}}, "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${
  "name": "points_watch",
  "trigger": {"attribute_change": "points"},
  "entry": {"reentry": "always"},
  "start": "done",
  "nodes": {"done": {"exit": "seen"}}}$$, true);
SELECT journey.track('ac4', 'purchase', '{}', now());
SELECT journey, count(*) FROM journey.instances WHERE user_id = 'ac4' GROUP BY 1 ORDER BY 1;
SELECT attributes FROM journey.profiles WHERE user_id = 'ac4';

-- The application's own profile table: its columns are the attributes.
CREATE TABLE public.members (member_id bigint PRIMARY KEY, plan text, points int);
SELECT journey.track_profiles('public.members', 'member_id');
INSERT INTO public.members VALUES (7, 'free', 0);
UPDATE public.members SET plan = 'vip' WHERE member_id = 7;
UPDATE public.members SET plan = 'vip', points = 5 WHERE member_id = 7;
SELECT user_id, payload->'data' AS data FROM journey.outbox WHERE journey = 'vip_welcome' AND user_id = '7';
-- The insert entered loyalty (points 0) and points_watch; loyalty's own +1 entered points_watch only. The
-- second update (points 1 -> 5) entered loyalty again, whose +1 (5 -> 6) entered points_watch again.
SELECT journey, count(*) FROM journey.instances WHERE user_id = '7' GROUP BY 1 ORDER BY 1;
SELECT points FROM public.members WHERE member_id = 7;
SELECT journey.untrack_profiles();
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'public.members'::regclass AND NOT tgisinternal;
-- journey.profiles counts again.
UPDATE journey.profiles SET attributes = '{"plan": "vip"}' WHERE user_id = 'ac3';
SELECT count(*) AS ac3_welcomed FROM journey.outbox WHERE journey = 'vip_welcome' AND user_id = 'ac3';
SELECT journey.archive('loyalty'), journey.archive('points_watch'), journey.archive('vip_welcome');
