-- Geofence triggers: an event named location with props lat, lon moves the user across a circle's edge
-- (great-circle distance from the user's last known position).
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define($${
  "name": "near_store",
  "trigger": {"geofence_enter": {"lat": 48.8566, "lon": 2.3522, "radius_m": 1000}},
  "entry": {"reentry": "always"},
  "start": "hi",
  "nodes": {"hi": {"send": {"channel": "in_app", "template": "store_nearby"}, "next": "done"}, "done": {"exit": "completed"}}}$$, true);
SELECT journey.define($${
  "name": "left_store",
  "trigger": {"geofence_exit": {"lat": 48.8566, "lon": 2.3522, "radius_m": 1000}},
  "entry": {"reentry": "always"},
  "start": "bye",
  "nodes": {"bye": {"send": {"channel": "in_app", "template": "come_back"}, "next": "done"}, "done": {"exit": "completed"}}}$$, true);
-- Far away (Lyon), then 800 m from the centre (inside), then 500 m (still inside), then 3 km away, then inside.
SELECT journey.track('walker', 'location', '{"lat": 45.7640, "lon": 4.8357}', '2030-11-01 10:00+00');
SELECT journey.track('walker', 'location', '{"lat": 48.8638, "lon": 2.3522}', '2030-11-01 10:10+00');
SELECT journey.track('walker', 'location', '{"lat": 48.8611, "lon": 2.3522}', '2030-11-01 10:20+00');
SELECT journey.track('walker', 'location', '{"lat": 48.8836, "lon": 2.3522}', '2030-11-01 10:30+00');
SELECT journey.track('walker', 'location', '{"lat": 48.8600, "lon": 2.3530}', '2030-11-01 10:40+00');
SELECT journey, template, created_at FROM journey.outbox WHERE user_id = 'walker' ORDER BY created_at;
SELECT user_id, lat, lon, at FROM journey.positions;
-- An older position arriving late does not replace the last known one.
SELECT journey.track('walker', 'location', '{"lat": 45.7640, "lon": 4.8357}', '2030-11-01 09:00+00');
SELECT lat, at FROM journey.positions WHERE user_id = 'walker';
-- Bad circles are refused at define with their path.
SELECT * FROM journey.validate($${"name": "bad_fence", "trigger": {"geofence_enter": {"lat": 95, "lon": 2, "radius_m": 0}},
  "start": "done", "nodes": {"done": {"exit": "completed"}}}$$);
