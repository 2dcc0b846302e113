-- journey.user_history (issue 15, SPEC §8): every step a user took and why — entries, waits with their
-- deadlines, condition results, a split's arm, sends and suppressions with the reason, exits by SQL, failures,
-- conversions, and (journey.history = all) the rule that refused an entry; off keeps nothing; retention clears
-- old history. Everything is rolled back.
BEGIN;
SELECT plan(18);
SET LOCAL TimeZone = 'UTC';

\o /dev/null
SELECT journey.set_contact('uh_1', 'email', 'uh1@example.com');
SELECT journey.define('{"name": "uh_cart", "trigger": {"event": "uh_add"}, "entry": {"reentry": "never", "max_event_age": "1000 days"},
	"goal": {"event": "uh_buy", "within": "7 days"}, "start": "w",
	"nodes": {"w": {"wait": "2 hours", "next": "check"},
	          "check": {"if": {"event": "uh_buy", "since": "entry"}, "then": "done", "else": "ab"},
	          "ab": {"split": [{"label": "all", "percent": 100, "next": "mail"}]},
	          "mail": {"send": {"channel": "email", "template": "cart"}, "next": "push"},
	          "push": {"send": {"channel": "push", "template": "cart"}, "next": "done"},
	          "done": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "uh_wait", "trigger": {"event": "uh_add"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait_for": {"event": "uh_never"}, "timeout": "30 days", "on_event": "e", "on_timeout": "e"},
	          "e": {"exit": "completed"}}}', true);
SELECT journey.track('uh_1', 'uh_add', '{}', '2026-11-01 10:00+00');
SELECT journey.run_due('2026-11-01 12:00+00');
SELECT journey.track('uh_1', 'uh_buy', '{}', '2026-11-01 13:00+00');
SELECT journey.exit('uh_wait', 'uh_1', 'support_ticket');
\o

SELECT results_eq($$SELECT at, journey, version, node, what, detail - 'instance' - 'dedup_key' FROM journey.user_history('uh_1') WHERE journey = 'uh_cart'$$,
	$$VALUES ('2026-11-01 10:00+00'::timestamptz, 'uh_cart', 1, 'w', 'entered', '{}'::jsonb),
	         ('2026-11-01 10:00+00', 'uh_cart', 1, 'w', 'waiting', '{"until": "2026-11-01T12:00:00Z"}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'w', 'resumed', '{"by": "time"}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'check', 'branch', '{"next": "ab", "result": false}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'ab', 'branch', '{"next": "mail", "label": "all"}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'mail', 'sent', '{"channel": "email", "template": "cart"}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'push', 'suppressed', '{"channel": "push", "template": "cart", "reason": "not reachable on channel push: no contact"}'),
	         ('2026-11-01 12:00+00', 'uh_cart', 1, 'done', 'completed', '{"reason": "completed"}'),
	         ('2026-11-01 13:00+00', 'uh_cart', 1, NULL, 'converted', '{"event": "uh_buy"}')$$,
	'the cart journey step by step: the wait''s deadline, the condition''s result, the arm, the send, the suppression''s reason, the end, the conversion');
SELECT is((SELECT string_agg(DISTINCT (detail ->> 'instance') || ' ' || coalesce(detail ->> 'dedup_key', '-'), ', ')
             FROM journey.user_history('uh_1') WHERE journey = 'uh_cart' AND what IN ('sent', 'suppressed', 'entered')),
	(SELECT format('%s -, %s %s:mail:1, %s %s:push:1', id, id, id, id, id) FROM journey.instances WHERE journey = 'uh_cart'),
	'each line names its instance; sends their dedup key');
SELECT results_eq($$SELECT node, what, detail - 'instance' FROM journey.user_history('uh_1') WHERE journey = 'uh_wait'$$,
	$$VALUES ('w', 'entered', '{}'::jsonb), ('w', 'waiting', '{"event": "uh_never", "until": "2026-12-01T10:00:00Z"}'),
	         ('w', 'exited', '{"reason": "support_ticket"}')$$,
	'a wait_for''s event and timeout, and an exit by journey.exit with its reason');
SELECT ok((SELECT bool_and(a.at <= b.at) FROM (SELECT at, row_number() OVER () AS k FROM journey.user_history('uh_1')) a
            JOIN (SELECT at, row_number() OVER () AS k FROM journey.user_history('uh_1')) b ON b.k = a.k + 1), 'lines come in time order');
SELECT is_empty($$SELECT * FROM journey.user_history('uh_nobody')$$, 'a user with no history: no rows');

-- Refused entries are kept only with journey.history = all.
\o /dev/null
SELECT journey.track('uh_1', 'uh_add', '{}', '2026-11-02 10:00+00');	-- reentry never: refused, not kept
SET LOCAL journey.history = 'all';
SELECT journey.track('uh_1', 'uh_add', '{}', '2026-11-03 10:00+00');	-- refused, kept
SELECT journey.enroll('uh_cart', 'uh_1', '{}', '2026-11-03 11:00+00');
\o
SELECT results_eq($$SELECT at, journey, what, detail FROM journey.user_history('uh_1') WHERE what = 'not_entered'$$,
	$$VALUES ('2026-11-03 10:00+00'::timestamptz, 'uh_cart', 'not_entered', '{"reason": "reentry is never and the user entered before"}'::jsonb),
	         ('2026-11-03 10:00+00', 'uh_wait', 'not_entered', '{"reason": "the user is already in the journey (reentry after_exit)"}'),
	         ('2026-11-03 11:00+00', 'uh_cart', 'not_entered', '{"reason": "reentry is never and the user entered before"}')$$,
	'journey.history = all: the rule that refused an entry (by an event, by the one-active index, by enroll), not before it was set');

-- Off: nothing is kept for new steps; the lines already kept stay.
SET LOCAL journey.history = 'off';
\o /dev/null
SELECT journey.set_contact('uh_2', 'email', 'uh2@example.com');
SELECT journey.track('uh_2', 'uh_add', '{}', '2026-11-01 10:00+00');
SELECT journey.run_due('2026-11-01 12:00+00');
\o
SELECT is((SELECT count(*)::int FROM journey.instance WHERE user_id = 'uh_2' AND history IS NOT NULL), 0, 'journey.history = off keeps no lines');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE user_id = 'uh_2'), 2, 'and the journey ran the same');
-- uh_1's lines: 9 of uh_cart, 3 of its first uh_wait, 2 of the uh_wait it entered again on 2026-11-02.
SELECT is((SELECT count(*)::int FROM journey.user_history('uh_1') WHERE what <> 'not_entered'), 14, 'earlier lines stay');
RESET journey.history;
SELECT is(current_setting('journey.history'), 'steps', 'the default keeps steps');
SELECT throws_ok($$SET journey.history = 'everything'$$, '22023', NULL, 'an unknown level is refused');

-- A failure keeps its error.
\o /dev/null
CREATE FUNCTION pg_temp.uh_boom(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'uh boom'; END $$;
SELECT journey.allow_function('pg_temp.uh_boom(text, jsonb)'::regprocedure);
SELECT journey.define(format('{"name": "uh_fail", "trigger": {"event": "uh_f"}, "start": "c",
	"nodes": {"c": {"call": "%s", "into": "r", "next": "e"}, "e": {"exit": "completed"}}}', 'pg_temp.uh_boom'::regproc::text)::jsonb, true);
SELECT journey.track('uh_3', 'uh_f', '{}', now());
\o
SELECT results_eq($$SELECT node, what, detail ->> 'error' FROM journey.user_history('uh_3') WHERE journey = 'uh_fail'$$,
	$$VALUES ('c'::text, 'entered'::text, NULL::text), (NULL, 'failed', 'uh boom')$$,
	'a failed first step: the entry, then the error');

-- Retention: the history of instances that ended before journey.history_retention (90 days) is cleared,
-- refusals older than it deleted; recent history stays.
UPDATE journey.instance SET ended_at = now() - interval '100 days', entered_at = now() - interval '101 days', last_step_at = now() - interval '100 days'
 WHERE user_id = 'uh_1' AND status <> 'a';
UPDATE journey.refusals SET at = now() - interval '100 days' WHERE user_id = 'uh_1';
SELECT lives_ok($$SELECT journey.purge(1000)$$, 'purge');
SELECT results_eq($$SELECT journey, what, count(*)::int FROM journey.user_history('uh_1') GROUP BY 1, 2 ORDER BY 1, 2$$,
	$$VALUES ('uh_cart', 'converted', 1), ('uh_wait', 'entered', 1), ('uh_wait', 'waiting', 1)$$,
	'old history is gone (ended instances deleted or cleared, refusals deleted); the active instance''s and the conversion stay');

-- A switch's case and next, and node names kept across a migration to a version whose node order differs.
\o /dev/null
SELECT journey.define('{"name": "uh_mig", "trigger": {"event": "uh_m"}, "start": "sw",
	"nodes": {"sw": {"switch": [{"when": {"attribute": "nope", "op": "exists"}, "next": "m"}], "default": "m"},
	          "m": {"wait": "10 days", "next": "z"}, "z": {"exit": "completed"}}}', true);
SELECT journey.track('uh_4', 'uh_m', '{}', now());
SELECT journey.define('{"name": "uh_mig", "trigger": {"event": "uh_m"}, "start": "sw",
	"nodes": {"a": {"exit": "completed"}, "sw": {"switch": [{"when": {"attribute": "nope", "op": "exists"}, "next": "m"}], "default": "a"},
	          "m": {"wait": "10 days", "next": "z"}, "z": {"exit": "completed"}}}');
SELECT journey.publish('uh_mig', 2, 'migrate');
\o
SELECT results_eq($$SELECT node, what, detail - 'instance' - 'until' FROM journey.user_history('uh_4') WHERE journey = 'uh_mig'$$,
	$$VALUES ('sw', 'entered', '{}'::jsonb), ('sw', 'branch', '{"case": "default", "next": "m"}'), ('m', 'waiting', '{}')$$,
	'a switch''s default and its next; after a migration the nodes keep their names');

-- An instance's stored lines stay bounded: beyond 32 kB the oldest whole lines give way (down to 24 kB).
SELECT is((SELECT (octet_length(h) <= 32768 AND octet_length(h) > 20000 AND left(h, 10) = '{"k": 202,' AND right(h, 6) = '1999}' || E'\n')
             FROM (SELECT journey._append_history(string_agg(format('{"k": %s, "pad": "%s"}', k, repeat('x', 60)), E'\n') || E'\n',
                                                  '{"k": 1999}' || E'\n') AS h
                     FROM generate_series(1, 500) k) x), true,
	'_append_history keeps the newest whole lines within 32 kB');
SELECT is(journey._append_history('a' || E'\n', ''), 'a' || E'\n', 'nothing to append: unchanged');
SELECT is((SELECT (octet_length(h) <= 32768 AND octet_length(h) > 20000 AND right(h, 11) = '{"k": "ü"}' || E'\n' AND left(h, 6) = '{"k": ')
             FROM (SELECT journey._append_history(string_agg(format('{"k": %s, "pad": "%s"}', k, repeat('é', 60)), E'\n') || E'\n',
                                                  '{"k": "ü"}' || E'\n') AS h
                     FROM generate_series(1, 500) k) x), true,
	'the bound counts bytes: multibyte lines too stay within 32 kB, cut at a line''s end');

SELECT * FROM finish();
ROLLBACK;
