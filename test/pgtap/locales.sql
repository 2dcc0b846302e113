-- Localized stored templates (issue 14, SPEC §5 Templates): the payload's subject and body come from the
-- template row of the user's locale (the profile attribute named by journey.locale_attribute, default
-- "locale"), falling back from pt-BR to pt to the default row ''. Everything is rolled back.
BEGIN;
SELECT plan(7);

SELECT is(current_setting('journey.locale_attribute'), 'locale', 'journey.locale_attribute defaults to locale');
INSERT INTO journey.templates (name, channel, locale, subject, body) VALUES
	('lc_hello', 'in_app', '',      'Hello',  'Hi {{user.name}}'),
	('lc_hello', 'in_app', 'pt',    'Olá',    'Oi {{user.name}}'),
	('lc_hello', 'in_app', 'pt-BR', 'Oi',     'E aí, {{user.name}}'),
	('lc_hello', 'in_app', 'fr',    'Salut',  'Bonjour {{user.name}}');
SELECT throws_ok($$INSERT INTO journey.templates (name, channel, subject) VALUES ('lc_hello', 'in_app', 'again')$$,
	'23505', NULL, 'one row per name, channel and locale');
INSERT INTO journey.profiles (user_id, attributes) VALUES
	('lc_br', '{"name": "Ana", "locale": "pt-BR"}'), ('lc_pt', '{"name": "Rui", "locale": "pt-PT"}'),
	('lc_fr', '{"name": "Léa", "locale": "fr"}'), ('lc_de', '{"name": "Jan", "locale": "de-AT"}'),
	('lc_none', '{"name": "Sam"}'), ('lc_odd', '{"name": "Kim", "locale": 42}');
\o /dev/null
SELECT journey.define('{"name": "lc_j", "trigger": {"event": "lc_go"}, "start": "s",
	"nodes": {"s": {"send": {"channel": "in_app", "template": "lc_hello"}, "next": "d"}, "d": {"exit": "completed"}}}', true);
SELECT journey.track(u, 'lc_go') FROM unnest(ARRAY['lc_br', 'lc_pt', 'lc_fr', 'lc_de', 'lc_none', 'lc_odd']) u;
\o
SELECT is((SELECT payload ->> 'subject' || ' / ' || (payload ->> 'body') FROM journey.outbox WHERE journey = 'lc_j' AND user_id = 'lc_br'),
	'Oi / E aí, Ana', 'pt-BR: its own row');
SELECT is((SELECT payload ->> 'subject' FROM journey.outbox WHERE journey = 'lc_j' AND user_id = 'lc_pt'), 'Olá',
	'pt-PT: no row of its own, the language''s (pt)');
SELECT is((SELECT payload ->> 'body' FROM journey.outbox WHERE journey = 'lc_j' AND user_id = 'lc_fr'), 'Bonjour Léa', 'fr');
SELECT is((SELECT array_agg(user_id || ' ' || (payload ->> 'subject') ORDER BY user_id) FROM journey.outbox
            WHERE journey = 'lc_j' AND user_id IN ('lc_de', 'lc_none', 'lc_odd')),
	ARRAY['lc_de Hello', 'lc_none Hello', 'lc_odd Hello'], 'no row of the locale or language, no locale, a locale that is not text: the default row');
-- A batch of due steps (run_due) reads each locale's row once, and still each user's own.
\o /dev/null
SELECT journey.define('{"name": "lc_later", "trigger": {"event": "lc_later"}, "start": "w",
	"nodes": {"w": {"wait": "1 hour", "next": "s"}, "s": {"send": {"channel": "in_app", "template": "lc_hello"}, "next": "d"},
	          "d": {"exit": "completed"}}}', true);
SELECT journey.track(u, 'lc_later', '{}', '2031-01-01 00:00+00') FROM unnest(ARRAY['lc_br', 'lc_pt', 'lc_none']) u;
SELECT journey.run_due('2031-01-01 02:00+00');
\o
SELECT is((SELECT array_agg(user_id || ' ' || (payload ->> 'subject') ORDER BY user_id) FROM journey.outbox WHERE journey = 'lc_later'),
	ARRAY['lc_br Oi', 'lc_none Hello', 'lc_pt Olá'], 'in a batch too');

SELECT * FROM finish();
ROLLBACK;
