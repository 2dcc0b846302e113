-- Defining journeys: validation errors name the JSON path and carry SQLSTATE 22023 (invalid) or
-- 0A000 (a construct of the contract that is not built yet).
\pset null '(null)'
-- err(sql): the SQLSTATE and message of the error that sql raises ('ok' when none).
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	detail text;
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || CASE WHEN detail <> '' THEN E'\nDETAIL: ' || detail ELSE '' END;
END
$f$;

-- A valid definition: the cart journey of SPEC §5 without goal.
SELECT journey.define($${
  "name": "cart_abandonment",
  "description": "Remind users who leave items in the cart",
  "trigger": {"event": "add_to_cart"},
  "entry": {"reentry": "after_exit", "cooldown": "1 day"},
  "exit_when": [{"event": "checkout"}],
  "start": "wait",
  "nodes": {
    "wait":   {"wait": "2 hours", "next": "check"},
    "check":  {"if": {"event": "checkout", "since": "entry"}, "then": "done", "else": "push?"},
    "push?":  {"if": {"reachable": "push"}, "then": "push", "else": "email"},
    "push":   {"send": {"channel": "push", "template": "cart_reminder"}, "next": "email"},
    "email":  {"send": {"channel": "email", "template": "cart_similar", "data": {"sku": "{{event.sku}}"}}, "next": "done"},
    "done":   {"exit": "completed"}
  }}$$);
SELECT name, status, live_version FROM journey.journeys;
-- Defining the same name again adds a version.
SELECT journey.define(definition) FROM journey.versions WHERE journey = 'cart_abandonment' AND version = 1;
SELECT journey, version FROM journey.versions ORDER BY version;

-- Unknown node target.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "cart", "trigger": {"event": "a"}, "start": "check",
  "nodes": {"check": {"if": {"event": "checkout"}, "then": "chek", "else": "done"}, "done": {"exit": "completed"}}}$$)$q$);
-- Bad duration.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "bad_wait", "trigger": {"event": "a"}, "start": "w",
  "nodes": {"w": {"wait": "2 fortnights please", "next": "done"}, "done": {"exit": "completed"}}}$$)$q$);
-- A loop without a wait.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "loop", "trigger": {"event": "a"}, "start": "a",
  "nodes": {"a": {"if": {"reachable": "email"}, "then": "b", "else": "done"},
            "b": {"send": {"channel": "email", "template": "t"}, "next": "a"},
            "done": {"exit": "completed"}}}$$)$q$);
-- An unknown key.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "unknown_key", "trigger": {"event": "a"}, "start": "done",
  "colour": "blue", "nodes": {"done": {"exit": "completed"}}}$$)$q$);
-- A value of the wrong type: 22023 with its path (ignore_caps is a boolean).
SELECT pg_temp.err($q$SELECT journey.define($${"name": "later", "trigger": {"event": "a"}, "start": "s",
  "nodes": {"s": {"send": {"channel": "sms", "template": "otp", "ignore_caps": "yes"}, "next": "done"},
            "done": {"exit": "completed"}}}$$)$q$);
-- Segments that do not exist: 42704, every path in the detail.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "later", "trigger": {"segment_enter": "vip"}, "start": "s",
  "nodes": {"s": {"if": {"segment": "vip"}, "then": "done", "else": "done"}, "done": {"exit": "completed"}}}$$)$q$);
-- Several problems: the first in the message, all of them in the detail.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "two", "trigger": {"event": "a"}, "start": "w",
  "nodes": {"w": {"wait": "-1 hour", "next": "nope"}}}$$)$q$);
-- A bad name; not an object; null.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "Cart-1", "trigger": {"event": "a"}, "start": "done",
  "nodes": {"done": {"exit": "completed"}}}$$)$q$);
SELECT pg_temp.err($q$SELECT journey.define('[1, 2]')$q$);
SELECT pg_temp.err($q$SELECT journey.define(NULL)$q$);
-- An unknown channel; a channel added with add_channel is accepted.
SELECT pg_temp.err($q$SELECT journey.define($${"name": "pigeon", "trigger": {"event": "a"}, "start": "s",
  "nodes": {"s": {"send": {"channel": "pigeon", "template": "t"}, "next": "done"}, "done": {"exit": "completed"}}}$$)$q$);
SELECT journey.add_channel('pigeon');
SELECT journey.define($${"name": "pigeon", "trigger": {"event": "a"}, "start": "s",
  "nodes": {"s": {"send": {"channel": "pigeon", "template": "t"}, "next": "done"}, "done": {"exit": "completed"}}}$$);
SELECT pg_temp.err($q$SELECT journey.add_channel('Bad Channel')$q$);
-- Publishing: an unknown journey or version.
SELECT pg_temp.err($q$SELECT journey.publish('nope')$q$);
SELECT pg_temp.err($q$SELECT journey.publish('pigeon', 7)$q$);
SELECT pg_temp.err($q$SELECT journey.publish('pigeon', 1, 'later')$q$);

-- validate() returns every problem, not only the first, and nothing for a valid definition.
SELECT * FROM journey.validate($${"name": "many", "trigger": {"event": "a"}, "start": "nowhere", "extra": 1,
  "nodes": {"w": {"wait": "soon", "next": "gone"}, "x": {"exit": "completed"}}}$$);
SELECT count(p.*) AS problems
  FROM journey.versions v, journey.validate(v.definition) p
 WHERE v.version = 1 AND v.journey = 'cart_abandonment';

-- Nothing half-written: the failed defines left no journeys or versions behind.
SELECT name FROM journey.journeys ORDER BY name;
