-- Subscription topics and preferences (issue 14, SPEC §6): a send's "topic", journey.add_topic,
-- journey.set_preference, critical topics, the unsubscription a delivery report makes, and a "to" that
-- renders empty. Everything is rolled back.
BEGIN;
SELECT plan(20);

-- Declaring topics and preferences.
SELECT throws_ok($$SELECT journey.add_topic('Bad Topic')$$, '22023', NULL, 'a topic name must match [a-z][a-z0-9_]*');
SELECT lives_ok($$SELECT journey.add_topic('tp_news')$$, 'a topic');
SELECT lives_ok($$SELECT journey.add_topic('tp_security', critical => true)$$, 'a critical topic');
SELECT is((SELECT array_agg(name || ':' || critical ORDER BY name) FROM journey.topics WHERE name LIKE 'tp\_%'),
	ARRAY['tp_news:false', 'tp_security:true'], 'journey.topics');
SELECT throws_ok($$SELECT journey.set_preference('u', 'tp_nope', NULL, false)$$, '42704', NULL,
	'a preference on an unknown topic: 42704');
SELECT throws_ok($$SELECT journey.define('{"name": "tp_bad", "trigger": {"event": "tp_go"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "email", "template": "t", "topic": "tp_nope"}, "next": "d"}, "d": {"exit": "completed"}}}')$$,
	'42704', 'journey "tp_bad": nodes.s.send.topic: unknown topic "tp_nope" (journey.add_topic declares one)',
	'a send naming an unknown topic: 42704 at its path');

\o /dev/null
SELECT journey.set_contact(u, c, u || '@' || c) FROM unnest(ARRAY['tp_a', 'tp_b', 'tp_c', 'tp_d']) u, unnest(ARRAY['email', 'sms']) c;
-- tp_b: off the news everywhere; tp_c: off the news by e-mail only; tp_d: off everywhere but back on by sms.
SELECT journey.set_preference('tp_b', 'tp_news', NULL, false);
SELECT journey.set_preference('tp_c', 'tp_news', 'email', false);
SELECT journey.set_preference('tp_d', 'tp_news', NULL, false), journey.set_preference('tp_d', 'tp_news', 'sms', true);
SELECT journey.set_preference('tp_d', 'tp_security', NULL, false);
SELECT journey.define('{"name": "tp_j", "trigger": {"event": "tp_go"}, "start": "news_mail",
	"nodes": {"news_mail": {"send": {"channel": "email", "template": "news", "topic": "tp_news"}, "next": "news_sms"},
	          "news_sms":  {"send": {"channel": "sms", "template": "news", "topic": "tp_news"}, "next": "alert"},
	          "alert":     {"send": {"channel": "email", "template": "alert", "topic": "tp_security"}, "next": "d"},
	          "d": {"exit": "completed"}}}', true);
SELECT journey.track(u, 'tp_go', '{}') FROM unnest(ARRAY['tp_a', 'tp_b', 'tp_c', 'tp_d']) u;
\o
SELECT is((SELECT array_agg(user_id || ' ' || node || ' ' || status ORDER BY user_id, node) FROM journey.outbox WHERE journey = 'tp_j'),
	ARRAY['tp_a alert pending', 'tp_a news_mail pending', 'tp_a news_sms pending',
	      'tp_b alert pending', 'tp_b news_mail suppressed', 'tp_b news_sms suppressed',
	      'tp_c alert pending', 'tp_c news_mail suppressed', 'tp_c news_sms pending',
	      'tp_d alert pending', 'tp_d news_mail suppressed', 'tp_d news_sms pending'],
	'unsubscribed everywhere, on one channel, everywhere but one; a critical topic passes every preference');
SELECT is((SELECT last_error FROM journey.outbox WHERE journey = 'tp_j' AND user_id = 'tp_b' AND node = 'news_mail'),
	'unsubscribed from topic tp_news on channel email', 'the reason names the topic');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'tp_j' AND status = 'completed'), 4,
	'the journeys go on');
SELECT is((SELECT array_agg(DISTINCT topic ORDER BY topic) FROM journey.outbox WHERE journey = 'tp_j'),
	ARRAY['tp_news', 'tp_security'], 'the outbox row carries its topic');

-- A delivery report "unsubscribed" on a row with a topic unsubscribes from the topic, not the channel.
UPDATE journey.outbox SET status = 'sent' WHERE journey = 'tp_j' AND user_id = 'tp_a';
\o /dev/null
SELECT journey.report_delivery((SELECT id FROM journey.outbox WHERE journey = 'tp_j' AND user_id = 'tp_a' AND node = 'news_mail'),
	'unsubscribed');
\o
SELECT is((SELECT subscribed::text || ' ' || coalesce(channel, 'every channel') FROM journey.preferences
            WHERE user_id = 'tp_a' AND topic = 'tp_news'), 'false every channel', 'the user left the topic');
SELECT is((SELECT opted_in FROM journey.contacts WHERE user_id = 'tp_a' AND channel = 'email'), true,
	'and still gets the channel''s other mail');
SELECT is((SELECT props ->> 'topic' FROM journey.events WHERE user_id = 'tp_a' AND name = 'email_unsubscribed'), 'tp_news',
	'the event names the topic');
\o /dev/null
SELECT journey.track('tp_a', 'tp_go', '{}');
\o
SELECT is((SELECT array_agg(node || ' ' || status ORDER BY node) FROM journey.outbox
            WHERE journey = 'tp_j' AND user_id = 'tp_a' AND status <> 'sent'),
	ARRAY['alert pending', 'news_mail suppressed', 'news_sms suppressed'], 'the next news is suppressed, the alert is not');
SELECT lives_ok($$SELECT journey.set_preference('tp_a', 'tp_news', NULL, true)$$, 'the user subscribes again');
SELECT is((SELECT count(*)::int FROM journey.preferences WHERE user_id = 'tp_a' AND topic = 'tp_news'), 1,
	'a preference is replaced, not added');

-- A "to" that renders empty makes the user unreachable for that send.
\o /dev/null
SELECT journey.define('{"name": "tp_to", "trigger": {"event": "tp_to_go"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "webhook", "template": "hook", "to": "{{event.url}}"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track('tp_e', 'tp_to_go', '{"url": "https://hooks.example.com/1"}'), journey.track('tp_f', 'tp_to_go', '{}');
\o
SELECT is((SELECT payload ->> 'to' FROM journey.outbox WHERE journey = 'tp_to' AND user_id = 'tp_e'), 'https://hooks.example.com/1',
	'a rendered to is the address');
SELECT is((SELECT status || ': ' || last_error FROM journey.outbox WHERE journey = 'tp_to' AND user_id = 'tp_f'),
	'suppressed: not reachable on channel webhook: "to" rendered empty', 'a to that renders empty: suppressed, with the reason');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'tp_to' AND status = 'suppressed'), 1, 'only that one');
SELECT is((SELECT status FROM journey.instances WHERE journey = 'tp_to' AND user_id = 'tp_f'), 'completed', 'and the journey goes on');

SELECT * FROM finish();
ROLLBACK;
