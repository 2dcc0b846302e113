-- Retention (issue 14, SPEC §1): journey.purge deletes sent, dead and suppressed outbox rows older than
-- journey.outbox_retention (30 days) and ended instances older than journey.instance_retention (90 days) whose
-- goal window closed — nothing else — and counts them first in the rollups, so that the counts §8 reports
-- (per status, exit reason, split label, conversions, node visits, messages per node and status) do not change.
-- Everything is rolled back.
BEGIN;
SELECT plan(16);

\o /dev/null
SELECT journey.set_contact('rt_' || i, 'email', 'rt' || i || '@example.com') FROM generate_series(1, 30) i;
SELECT journey.unsubscribe('rt_' || i, 'email') FROM generate_series(25, 30) i;	-- their sends are suppressed
SELECT journey.define('{"name": "rt_j", "trigger": {"event": "rt_go"}, "entry": {"max_event_age": "1000 days", "reentry": "always"},
	"goal": {"event": "rt_buy", "within": "7 days"}, "start": "ab",
	"nodes": {"ab": {"split": [{"label": "a", "percent": 50, "next": "mail"}, {"label": "b", "percent": 50, "next": "done"}]},
	          "mail": {"send": {"channel": "email", "template": "rt"}, "next": "vip?"},
	          "vip?": {"if": {"attribute": "vip", "op": "=", "value": true}, "then": "gone", "else": "done"},
	          "gone": {"exit": "vip"},
	          "done": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "rt_long", "trigger": {"event": "rt_go"}, "entry": {"max_event_age": "1000 days"},
	"goal": {"event": "rt_buy", "within": "1000 days"}, "start": "done", "nodes": {"done": {"exit": "completed"}}}', true);
SELECT journey.define('{"name": "rt_wait", "trigger": {"event": "rt_go"}, "entry": {"max_event_age": "1000 days"}, "start": "w",
	"nodes": {"w": {"wait_for": {"event": "rt_never"}, "timeout": "1000 days", "on_event": "done", "on_timeout": "done"},
	          "done": {"exit": "completed"}}}', true);
INSERT INTO journey.profiles (user_id, attributes) SELECT 'rt_' || i, '{"vip": true}' FROM generate_series(1, 30, 3) i
ON CONFLICT (user_id) DO UPDATE SET attributes = excluded.attributes;
-- 200 days ago: 30 users enter; some buy a day later. 10 days ago: 10 of them again.
SELECT journey.track('rt_' || i, 'rt_go', '{}', now() - interval '200 days') FROM generate_series(1, 30) i;
SELECT journey.track('rt_' || i, 'rt_buy', '{}', now() - interval '199 days') FROM generate_series(1, 30, 2) i;
SELECT journey.track('rt_' || i, 'rt_go', '{}', now() - interval '10 days') FROM generate_series(1, 10) i;
\o
-- Old rows: some sent, some dead; one old row still pending (retried), recent ones sent.
UPDATE journey.outbox SET status = 'sent' WHERE journey = 'rt_j' AND status = 'pending' AND user_id IN ('rt_2', 'rt_3', 'rt_4', 'rt_5', 'rt_7', 'rt_8');
UPDATE journey.outbox SET status = 'dead', attempts = 8, last_error = 'bounced' WHERE journey = 'rt_j' AND status = 'pending'
	AND created_at < now() - interval '100 days' AND user_id IN ('rt_10', 'rt_11', 'rt_13');

CREATE TEMP TABLE rt_before AS
SELECT (SELECT jsonb_object_agg(k, n) FROM (SELECT journey || ' ' || status || ' ' || coalesce(exit_reason, '') || ' ' || coalesce(variant, '') AS k, count(*) AS n
          FROM journey.instances WHERE journey LIKE 'rt\_%' GROUP BY 1) x) AS instances,
       (SELECT jsonb_object_agg(k, n) FROM (SELECT journey || ' ' || node || ' ' || status AS k, count(*) AS n
          FROM journey.outbox WHERE journey LIKE 'rt\_%' GROUP BY 1) x) AS messages,
       (SELECT count(*) FROM journey.conversions WHERE journey LIKE 'rt\_%') AS conversions,
       (SELECT count(*) FROM journey.outbox WHERE journey LIKE 'rt\_%') AS outbox_rows,
       (SELECT count(*) FROM journey.instance WHERE user_id LIKE 'rt\_%') AS instance_rows;

SELECT ok((SELECT count(*) FROM journey.outbox WHERE journey = 'rt_j' AND status IN ('sent', 'dead', 'suppressed')
             AND created_at < now() - interval '30 days') > 5, 'old finished rows to delete');

CREATE TEMP TABLE rt_purged AS SELECT * FROM journey.purge(1000);
SELECT is((SELECT outbox FROM rt_purged), (SELECT outbox_rows FROM rt_before) - (SELECT count(*) FROM journey.outbox WHERE journey LIKE 'rt\_%'),
	'purge says how many outbox rows it deleted');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey LIKE 'rt\_%' AND status IN ('sent', 'dead', 'suppressed')
             AND created_at < now() - interval '30 days'), 0, 'every finished row older than 30 days is gone');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'rt_j' AND status = 'pending' AND created_at < now() - interval '100 days'),
	(SELECT (messages ->> 'rt_j mail pending')::int FROM rt_before) -
	(SELECT count(*)::int FROM journey.outbox WHERE journey = 'rt_j' AND status = 'pending' AND created_at > now() - interval '30 days'),
	'an old row still pending is kept');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'rt_j' AND created_at > now() - interval '30 days'),
	(SELECT count(*)::int FROM journey.instances WHERE journey = 'rt_j' AND entered_at > now() - interval '30 days' AND variant = 'a'),
	'recent rows are kept (one per recent instance down arm a)');
SELECT is((SELECT instances FROM rt_purged), (SELECT instance_rows FROM rt_before) - (SELECT count(*) FROM journey.instance WHERE user_id LIKE 'rt\_%'),
	'purge says how many instances it deleted');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'rt_j' AND entered_at < now() - interval '100 days'), 0,
	'rt_j''s instances of 200 days ago are gone (their 7-day goal window closed)');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'rt_long'), 30 + 10,
	'rt_long''s are kept: their goal may still convert for 800 days');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'rt_wait' AND status = 'active'), 30,
	'active instances are kept');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'rt_j' AND entered_at > now() - interval '30 days'), 10,
	'instances ended 10 days ago are kept');
SELECT is((SELECT count(*) FROM journey.conversions WHERE journey LIKE 'rt\_%'), (SELECT conversions FROM rt_before),
	'conversions are kept');

-- The counts §8 reports: live rows plus rollups equal what they were.
SELECT is((SELECT jsonb_object_agg(k, n) FROM (
	SELECT k, sum(n) AS n FROM (
		SELECT journey || ' ' || status || ' ' || coalesce(exit_reason, '') || ' ' || coalesce(variant, '') AS k, count(*) AS n
		  FROM journey.instances WHERE journey LIKE 'rt\_%' GROUP BY 1
		UNION ALL
		SELECT journey || ' ' || status || ' ' || exit_reason || ' ' || variant, sum(instances) FROM journey.instance_rollup
		 WHERE journey LIKE 'rt\_%' GROUP BY 1) y GROUP BY k) x),
	(SELECT instances FROM rt_before), 'instances by journey, status, exit reason and split label: unchanged');
SELECT is((SELECT jsonb_object_agg(k, n) FROM (
	SELECT k, sum(n) AS n FROM (
		SELECT journey || ' ' || node || ' ' || status AS k, count(*) AS n FROM journey.outbox WHERE journey LIKE 'rt\_%' GROUP BY 1
		UNION ALL
		SELECT journey || ' ' || node || ' ' || status, sum(messages) FROM journey.outbox_rollup WHERE journey LIKE 'rt\_%' GROUP BY 1) y
	GROUP BY k) x),
	(SELECT messages FROM rt_before), 'messages by journey, node and status: unchanged');
SELECT is((SELECT sum(converted)::int FROM journey.instance_rollup WHERE journey = 'rt_j'),
	(SELECT count(*)::int FROM journey.conversions WHERE journey = 'rt_j' AND converted_at < now() - interval '100 days'),
	'the rollup counts the deleted instances that converted');
SELECT is((SELECT jsonb_object_agg(node, visits ORDER BY node) FROM journey.visit_rollup WHERE journey = 'rt_j'),
	(SELECT jsonb_build_object('ab', 30, 'done', count(*) FILTER (WHERE exit_reason = 'completed'),
	                           'gone', count(*) FILTER (WHERE exit_reason = 'vip'),
	                           'mail', count(*) FILTER (WHERE variant = 'a'), 'vip?', count(*) FILTER (WHERE variant = 'a'))
	   FROM journey.instance_rollup r, generate_series(1, r.instances::int) WHERE journey = 'rt_j'),
	'node visits of the deleted instances, by node');
SELECT is((SELECT (outbox, instances)::text FROM journey.purge(1000)), '(0,0)', 'a second purge finds nothing');

SELECT * FROM finish();
ROLLBACK;
