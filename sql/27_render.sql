-- journey.render (issue 15, SPEC §8): the cart journey of SPEC §5 drawn with live counts, as Mermaid and as
-- Graphviz dot (the golden output is this file's expected output). Traffic: 12 users add to cart (10 at 10:00,
-- 2 at 11:30); 2 check out at 11:00 (exit_when); the scheduler runs at 12:05: of the 8 left, 3 are reachable by
-- push (push, then email), 5 not (email); the 2 later users still wait.
\pset null '(null)'
SET timezone = 'UTC';
SELECT journey.define('{
	"name": "render_cart",
	"description": "Remind users who leave items in the cart",
	"trigger": {"event": "add_to_cart"},
	"entry": {"reentry": "after_exit", "cooldown": "1 day", "max_event_age": "1000 days"},
	"exit_when": [{"event": "checkout"}],
	"goal": {"event": "checkout", "within": "7 days"},
	"start": "wait",
	"nodes": {
		"wait":   {"wait": "2 hours", "next": "check"},
		"check":  {"if": {"event": "checkout", "since": "entry"}, "then": "done", "else": "push?"},
		"push?":  {"if": {"reachable": "push"}, "then": "push", "else": "email"},
		"push":   {"send": {"channel": "push", "template": "cart_reminder"}, "next": "email"},
		"email":  {"send": {"channel": "email", "template": "cart_similar", "data": {"sku": "{{event.sku}}"}}, "next": "done"},
		"done":   {"exit": "completed"}
	}}', true);
SELECT count(journey.set_contact('rc_' || i, 'push', 'token-' || i)) FROM generate_series(3, 5) i;
SELECT count(journey.set_contact('rc_' || i, 'email', 'rc' || i || '@example.com')) FROM generate_series(3, 10) i;
SELECT count(journey.track('rc_' || i, 'add_to_cart', '{"sku": "A-1"}', '2026-11-01 10:00+00')) FROM generate_series(1, 10) i;
SELECT count(journey.track('rc_' || i, 'checkout', '{}', '2026-11-01 11:00+00')) FROM generate_series(1, 2) i;
SELECT count(journey.track('rc_' || i, 'add_to_cart', '{"sku": "B-2"}', '2026-11-01 11:30+00')) FROM generate_series(11, 12) i;
SELECT journey.run_due('2026-11-01 12:05+00');
SELECT node, visits, waiting, sent, suppressed FROM journey.node_stats('render_cart') ORDER BY node COLLATE "C";
SELECT journey.render('render_cart');
SELECT journey.render('render_cart', 'dot');
-- A split with a holdout: the arms' conversion and p-value on their edges.
SELECT journey.define('{"name": "render_ab", "trigger": {"event": "rab_go"}, "entry": {"max_event_age": "1000 days"},
	"goal": {"event": "rab_buy", "within": "7 days"}, "start": "ab",
	"nodes": {"ab": {"split": [{"label": "holdout", "percent": 100, "next": null}, {"label": "b", "percent": 0, "next": "done"}]},
	          "done": {"exit": "completed"}}}', true);
SELECT count(journey.track('rab_' || i, 'rab_go', '{}', '2026-11-01 10:00+00')) FROM generate_series(1, 20) i;
SELECT count(journey.track('rab_' || i, 'rab_buy', '{}', '2026-11-01 11:00+00')) FROM generate_series(1, 2) i;
SELECT journey.render('render_ab', 'mermaid', 1);
-- Errors.
SELECT journey.render('render_cart', 'svg');
SELECT journey.render('no_such_journey');
SELECT journey.render('render_cart', 'dot', 7);
