-- Stored templates give the payload a rendered subject and body; update nodes set, add and unset
-- attributes of journey.profiles.
\pset null '(null)'
SET timezone = 'UTC';
INSERT INTO journey.templates (name, channel, subject, body) VALUES
	('renewal', 'email', 'Your {{user.plan}} plan renews soon', 'Hi {{user.name | default: "there"}}, {{journey.name}} reminds you: {{event.days}} days left. {{context.coupon}}');
INSERT INTO journey.profiles (user_id, attributes) VALUES ('tp1', '{"plan": "pro", "name": "Ada", "visits": 2, "trial": true}');
SELECT journey.set_contact('tp1', 'email', 'ada@example.com');
SELECT journey.define($${
  "name": "renewal",
  "trigger": {"manual": true},
  "start": "mail",
  "nodes": {
    "mail":  {"send": {"channel": "email", "template": "renewal", "data": {"plan": "{{user.plan}}"}}, "next": "score"},
    "score": {"update": {"visits": {"add": 1}, "plan": {"set": "pro_plus"}, "trial": {"unset": true},
                        "renew_by": {"set": "2031-01-01T00:00:00Z"}}, "next": "later"},
    "later": {"update": {"renew_by": {"add": "1 mon"}}, "next": "check"},
    "check": {"if": {"attribute": "plan", "op": "=", "value": "pro_plus"}, "then": "done", "else": "odd"},
    "odd":   {"exit": "not_updated"},
    "done":  {"exit": "completed"}
  }}$$, true);
SELECT journey.enroll('renewal', 'tp1', '{"coupon": "SAVE10"}', '2030-12-20 09:00+00') IS NOT NULL AS entered;
SELECT payload->>'subject' AS subject, payload->>'body' AS body, payload->'data' AS data
  FROM journey.outbox WHERE journey = 'renewal';
SELECT attributes FROM journey.profiles WHERE user_id = 'tp1';
SELECT exit_reason FROM journey.instances WHERE journey = 'renewal';
-- A template is text, never code: what looks like SQL or a nested template is copied as it is.
UPDATE journey.profiles SET attributes = attributes || '{"name": "{{user.plan}}; DROP TABLE journey.outbox"}' WHERE user_id = 'tp1';
SELECT journey.exit('renewal', 'tp1');
SELECT journey.enroll('renewal', 'tp1', '{}', '2030-12-21 09:00+00') IS NOT NULL AS entered_again;
SELECT payload->>'body' AS body FROM journey.outbox WHERE journey = 'renewal' ORDER BY id DESC LIMIT 1;
