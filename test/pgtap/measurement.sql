-- Measurement (issue 15, SPEC §8): summary, node_stats, split_report / split_uplift, timeseries, promote_winner
-- and the definition diff of journey.changes, over a journey with known traffic and exact numbers; then the same
-- numbers after retention deleted the old rows. Everything is rolled back.
--
-- Traffic: version 1 of ms_ab sends everyone to the holdout "control" (500 users, 2026-06-02 10:00 UTC, 40 of
-- them buy a day later); version 2 sends everyone down arm "b" (500 users, 2026-06-04 10:00 UTC) to an e-mail
-- (450 reachable, 50 suppressed) and a long wait; 60 of them buy the next day. The split's statistics are the
-- case worked by hand in test/unit/statistics_test.cpp: 60/500 against 40/500 → uplift 0.04, 95 % interval
-- [0.002895, 0.077105], z 2.108185, p 0.035015.
BEGIN;
SELECT plan(39);
SET LOCAL TimeZone = 'UTC';

\o /dev/null
SELECT journey.set_contact('ms_' || i, 'email', 'ms' || i || '@example.com') FROM generate_series(501, 950) i;
SELECT journey.define('{"name": "ms_ab", "trigger": {"event": "ms_go"}, "entry": {"max_event_age": "1000 days"},
	"goal": {"event": "ms_buy", "within": "7 days"}, "start": "ab",
	"nodes": {"ab": {"split": [{"label": "control", "percent": 100, "next": null}, {"label": "b", "percent": 0, "next": "mail"}]},
	          "mail": {"send": {"channel": "email", "template": "ms"}, "next": "w"},
	          "w": {"wait": "1000 days", "next": "done"},
	          "done": {"exit": "completed"}}}', true);
SELECT journey.track('ms_' || i, 'ms_go', '{}', '2026-06-02 10:00+00') FROM generate_series(1, 500) i;
SELECT journey.track('ms_' || i, 'ms_buy', '{}', '2026-06-03 10:00+00') FROM generate_series(1, 40) i;
SELECT journey.define('{"name": "ms_ab", "trigger": {"event": "ms_go"}, "entry": {"max_event_age": "1000 days"},
	"goal": {"event": "ms_buy", "within": "7 days"}, "start": "ab",
	"nodes": {"ab": {"split": [{"label": "control", "percent": 0, "next": null}, {"label": "b", "percent": 100, "next": "mail"}]},
	          "mail": {"send": {"channel": "email", "template": "ms"}, "next": "w"},
	          "w": {"wait": "1000 days", "next": "done"},
	          "done": {"exit": "completed"}}}', true);
SELECT journey.track('ms_' || i, 'ms_go', '{}', '2026-06-04 10:00+00') FROM generate_series(501, 1000) i;
SELECT journey.track('ms_' || i, 'ms_buy', '{}', '2026-06-05 10:00+00') FROM generate_series(501, 560) i;
-- The sender sent the 450 rows; the provider reports back: 400 delivered, 100 opened, 10 complaints (5 of them
-- by users who also opened: 105 opened), 30 clicks, 20 bounces, 5 unsubscriptions.
UPDATE journey.outbox SET status = 'sent', attempts = 1 WHERE journey = 'ms_ab' AND status = 'pending';
CREATE TEMP TABLE ms_sent AS
SELECT o.id, row_number() OVER (ORDER BY o.user_id COLLATE "C") AS k FROM journey.outbox o WHERE o.journey = 'ms_ab' AND o.status = 'sent';
SELECT journey.report_delivery(id, 'delivered', '2026-06-05 12:00+00') FROM ms_sent WHERE k <= 400;
SELECT journey.report_delivery(id, 'opened', '2026-06-05 12:00+00') FROM ms_sent WHERE k <= 100;
SELECT journey.report_delivery(id, 'opened', '2026-06-05 13:00+00') FROM ms_sent WHERE k <= 10;	-- twice: once
SELECT journey.report_delivery(id, 'complained', '2026-06-05 12:00+00') FROM ms_sent WHERE k BETWEEN 96 AND 105;
SELECT journey.report_delivery(id, 'clicked', '2026-06-05 12:00+00') FROM ms_sent WHERE k <= 30;
SELECT journey.report_delivery(id, 'bounced', '2026-06-05 12:00+00') FROM ms_sent WHERE k BETWEEN 401 AND 420;
SELECT journey.report_delivery(id, 'unsubscribed', '2026-06-05 12:00+00') FROM ms_sent WHERE k BETWEEN 421 AND 425;
\o

-- summary
SELECT results_eq($$SELECT version, entered, active, completed, exited, converted, conversion_rate FROM journey.summary('ms_ab')$$,
	$$VALUES (1, 500::bigint, 0::bigint, 500::bigint, 0::bigint, 40::bigint, 0.08::numeric),
	         (2, 500::bigint, 500::bigint, 0::bigint, 0::bigint, 60::bigint, 0.12::numeric)$$,
	'summary: per version entered, active, completed, exited, converted and the rate');
SELECT throws_ok($$SELECT * FROM journey.summary('ms_nope')$$, '42704', NULL, 'summary of an unknown journey: 42704');

-- node_stats
SELECT results_eq($$SELECT node, visits, waiting, sent, suppressed, delivered, opened, clicked, bounced, unsubscribed, open_rate, click_rate
	FROM journey.node_stats('ms_ab') WHERE version = 2$$,
	$$VALUES ('ab', 500::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, NULL::numeric, NULL::numeric),
	         ('done', 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL),
	         ('mail', 500, 0, 450, 50, 400, 105, 30, 20, 5, 0.233333, 0.066667),
	         ('w', 500, 500, 0, 0, 0, 0, 0, 0, 0, NULL, NULL)$$,
	'node_stats of version 2: visits, waiting, the message funnel (a complaint counts as opened, an open reported twice once) and rates over sent');
SELECT results_eq($$SELECT node, visits, waiting, sent FROM journey.node_stats('ms_ab') WHERE version = 1$$,
	$$VALUES ('ab', 500::bigint, 0::bigint, 0::bigint), ('done', 0, 0, 0), ('mail', 0, 0, 0), ('w', 0, 0, 0)$$,
	'node_stats of version 1: every node, the holdout ended at the split');
SELECT throws_ok($$SELECT * FROM journey.node_stats('ms_nope')$$, '42704', NULL, 'node_stats of an unknown journey: 42704');

-- split_report and split_uplift
SELECT results_eq($$SELECT node, label, entered, converted, conversion_rate, p_value FROM journey.split_report('ms_ab')$$,
	$$VALUES ('ab', 'control', 500::bigint, 40::bigint, 0.08::numeric, NULL::numeric),
	         ('ab', 'b', 500::bigint, 60::bigint, 0.12::numeric, 0.035015::numeric)$$,
	'split_report: the arms in definition order, p-value of b against the holdout (worked by hand: 0.035015)');
SELECT results_eq($$SELECT baseline, uplift, uplift_low, uplift_high, relative_uplift, z FROM journey.split_uplift('ms_ab') WHERE label = 'b'$$,
	$$VALUES ('control', 0.04::numeric, 0.002895::numeric, 0.077105::numeric, 0.5::numeric, 2.108185::numeric)$$,
	'split_uplift: uplift 0.04 with the 95 % interval [0.002895, 0.077105] worked by hand');
SELECT is((SELECT uplift FROM journey.split_uplift('ms_ab') WHERE label = 'control'), NULL, 'the baseline is not compared with itself');
SELECT ok(journey.render('ms_ab', 'mermaid', 1) LIKE '%40/500 converted (8.0%)%' AND journey.render('ms_ab', 'mermaid', 2) LIKE '%60/500 converted (12.0%)%',
	'render draws each version''s own arms');
SELECT is_empty($$SELECT * FROM journey.split_report('ms_nosplit')$$, 'no split node: no rows') FROM
	(SELECT journey.define('{"name": "ms_nosplit", "trigger": {"event": "ms_x"}, "start": "e", "nodes": {"e": {"exit": "completed"}}}')) d;

-- timeseries
SELECT results_eq($$SELECT bucket, entered, completed, exited, converted, sent FROM journey.timeseries('ms_ab')$$,
	$$VALUES ('2026-06-02 00:00+00'::timestamptz, 500::bigint, 500::bigint, 0::bigint, 0::bigint, 0::bigint),
	         ('2026-06-03 00:00+00', 0, 0, 0, 40, 0),
	         ('2026-06-04 00:00+00', 500, 0, 0, 0, 450),
	         ('2026-06-05 00:00+00', 0, 0, 0, 60, 0)$$,
	'timeseries by day: entries, ends, conversions and sends, empty days included');
SELECT results_eq($$SELECT bucket, entered, converted FROM journey.timeseries('ms_ab', '1 week', '2026-06-01 00:00+00', '2026-06-15 00:00+00')$$,
	$$VALUES ('2026-06-01 00:00+00'::timestamptz, 1000::bigint, 100::bigint), ('2026-06-08 00:00+00', 0, 0)$$,
	'timeseries by week from since to until');
SELECT results_eq($$SELECT bucket, entered FROM journey.timeseries('ms_ab', '12 hours', '2026-06-04 00:00+00', '2026-06-05 00:00+00')$$,
	$$VALUES ('2026-06-04 00:00+00'::timestamptz, 500::bigint), ('2026-06-04 12:00+00', 0)$$,
	'timeseries by 12 hours, until excluded');
SELECT throws_ok($$SELECT * FROM journey.timeseries('ms_ab', '0 days')$$, '22023', NULL, 'a bucket of 0: 22023');
SELECT throws_ok($$SELECT * FROM journey.timeseries('ms_ab', '1 mon 2 days')$$, '22023', NULL, 'a bucket mixing months: 22023');
SELECT throws_ok($$SELECT * FROM journey.timeseries('ms_ab', '1 day', '2026-06-05', '2026-06-01')$$, '22023', NULL, 'until before since: 22023');
SELECT is_empty($$SELECT * FROM journey.timeseries('ms_nosplit')$$, 'no activity: no buckets');
SET LOCAL TimeZone = 'Europe/Paris';	-- buckets that are not calendar units, across the DST change of 2026-03-29
SELECT results_eq($$SELECT b, sum(t.entered)::int FROM (VALUES ('30 days'::interval), ('24 hours'), ('2 days'), ('360 days')) AS v(b),
	journey.timeseries('ms_ab', v.b) t GROUP BY b ORDER BY b$$,
	$$VALUES ('24 hours'::interval, 1000), ('2 days', 1000), ('30 days', 1000), ('360 days', 1000)$$,
	'buckets of 24 hours, 2, 30 and 360 days in a zone with DST lose no entry (binned and stepped alike)');
SELECT is((SELECT count(*)::int FROM journey.timeseries('ms_ab', '30 days')), 1, '30 days are 30 days, not a calendar month');
SET LOCAL TimeZone = 'UTC';
SELECT throws_ok($$SELECT * FROM journey.timeseries('ms_ab', '1 second', '2026-01-01', '2027-01-01')$$, '54000', NULL,
	'more than 100,000 buckets: 54000, before any is made');

-- The same numbers once retention deleted the old rows (ended instances of June, sent rows, their reports).
CREATE TEMP TABLE ms_before AS
SELECT (SELECT jsonb_agg(s ORDER BY s.version) FROM journey.summary('ms_ab') s) AS summary,
       (SELECT jsonb_agg(n ORDER BY n.version, n.node) FROM journey.node_stats('ms_ab') n) AS nodes,
       (SELECT jsonb_agg(u ORDER BY u.label) FROM journey.split_uplift('ms_ab') u) AS split,
       (SELECT jsonb_agg(t ORDER BY t.bucket) FROM journey.timeseries('ms_ab') t) AS series;
SELECT ok((SELECT p.outbox >= 450 AND p.instances = 500 FROM journey.purge(100000) p), 'retention deletes the old rows');
SELECT is((SELECT count(*)::int FROM journey.delivery_reports d WHERE d.journey = 'ms_ab'), 0, 'and their delivery reports');
SELECT is((SELECT jsonb_agg(s ORDER BY s.version) FROM journey.summary('ms_ab') s), (SELECT summary FROM ms_before), 'summary unchanged by retention');
SELECT is((SELECT jsonb_agg(n ORDER BY n.version, n.node) FROM journey.node_stats('ms_ab') n), (SELECT nodes FROM ms_before), 'node_stats unchanged by retention');
SELECT is((SELECT jsonb_agg(u ORDER BY u.label) FROM journey.split_uplift('ms_ab') u), (SELECT split FROM ms_before), 'split_uplift unchanged by retention');
SELECT is((SELECT jsonb_agg(t ORDER BY t.bucket) FROM journey.timeseries('ms_ab') t), (SELECT series FROM ms_before), 'timeseries unchanged by retention');

-- promote_winner
SELECT throws_ok($$SELECT journey.promote_winner('ms_nope', 'ab', 'b')$$, '42704', NULL, 'promote_winner: unknown journey 42704');
SELECT throws_ok($$SELECT journey.promote_winner('ms_ab', 'nope', 'b')$$, '42704', NULL, 'promote_winner: unknown node 42704');
SELECT throws_ok($$SELECT journey.promote_winner('ms_ab', 'mail', 'b')$$, '22023', NULL, 'promote_winner: not a split node 22023');
SELECT throws_ok($$SELECT journey.promote_winner('ms_ab', 'ab', 'c')$$, '22023', NULL, 'promote_winner: no such arm 22023');
SELECT is(journey.promote_winner('ms_ab', 'ab', 'control'), 3, 'promote_winner returns the new version');
SELECT is((SELECT j.live_version FROM journey.journeys j WHERE j.name = 'ms_ab'), 3, 'and publishes it');
SELECT is((SELECT jsonb_agg(a.arm ->> 'label' || ':' || (a.arm ->> 'percent')) FROM journey.versions v,
              jsonb_array_elements(v.definition -> 'nodes' -> 'ab' -> 'split') a(arm) WHERE v.journey = 'ms_ab' AND v.version = 3),
	'["control:100", "b:0"]', 'the winner takes 100 %, the other arms stay at 0 %');
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'ms_ab' AND status = 'active' AND version = 2), 500,
	'users in flight keep their version');
\o /dev/null
SELECT journey.track('ms_' || i, 'ms_go', '{}', now()) FROM generate_series(2001, 2020) i;
\o
SELECT is((SELECT count(*)::int FROM journey.instances WHERE journey = 'ms_ab' AND version = 3 AND variant = 'control'), 20,
	'every new user takes the winning arm');
SELECT is((SELECT detail FROM journey.changes WHERE journey = 'ms_ab' AND action = 'promote_winner'),
	'{"label": "control", "split_node": "ab"}', 'the audit log records the promotion');

-- changes: the diff between consecutive versions
SELECT is((SELECT diff FROM journey.changes WHERE journey = 'ms_ab' AND action = 'define' AND version = 2),
	'[{"op": "changed", "new": [{"label": "control", "next": null, "percent": 0}, {"label": "b", "next": "mail", "percent": 100}],
	   "old": [{"label": "control", "next": null, "percent": 100}, {"label": "b", "next": "mail", "percent": 0}],
	   "path": "nodes.ab.split"}]'::jsonb, 'changes: version 2''s diff names the path that changed, old and new');
SELECT is((SELECT diff FROM journey.changes WHERE journey = 'ms_ab' AND action = 'define' AND version = 1), NULL, 'the first version has no diff');
SELECT is(journey.definition_diff('{"a": 1, "b": {"c": 2}}', '{"b": {"c": 3, "d": 4}, "e": 5}'),
	'[{"op": "removed", "old": 1, "path": "a"}, {"op": "changed", "new": 3, "old": 2, "path": "b.c"},
	  {"op": "added", "new": 4, "path": "b.d"}, {"op": "added", "new": 5, "path": "e"}]',
	'a diff lists keys removed, changed and added, nested paths dotted');

SELECT * FROM finish();
ROLLBACK;
