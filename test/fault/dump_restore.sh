#!/usr/bin/env bash
# pg_dump and pg_restore of a database with live journeys (issue 12): definitions, instances, the outbox,
# allowed functions and tracked tables come back as they were, restoring adds no instance and no message
# (the restored events do not enter anyone again), and the journeys carry on in the restored database.
# Uses two databases of the test cluster (not the scheduler's: run_due advances them).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

SRC=journey_dump_src
DST=journey_dump_dst
work=$(mktemp -d /tmp/pg_journey_dump.XXXXXX)
chmod 755 "$work"
qs() { psql -XAtq -v ON_ERROR_STOP=1 -d "$SRC" -c "$1"; }
qd() { psql -XAtq -v ON_ERROR_STOP=1 -d "$DST" -c "$1"; }
cleanup() {
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $SRC" >/dev/null 2>&1
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $DST" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work" && chmod 755 "$work"
psql -XAtq -d postgres -c "CREATE DATABASE $SRC" >/dev/null || { not_ok "create $SRC"; fault_finish; }

psql -XAtq -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<'SQL' || { not_ok "set up $SRC"; fault_finish; }
CREATE EXTENSION pg_journey;
CREATE TABLE public.orders (id bigserial PRIMARY KEY, user_id text NOT NULL, total numeric, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE public.customers (user_id text PRIMARY KEY, score int NOT NULL DEFAULT 0);
CREATE FUNCTION public.enrich(user_id text, context jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"k": 1}'::jsonb $$;
SELECT journey.allow_function('public.enrich(text, jsonb)');
SELECT journey.track_events('public.orders', 'user_id', event_name => 'ordered', time_column => 'at');
SELECT journey.track_profiles('public.customers', 'user_id');
SELECT journey.define('{"name": "dr_cart", "trigger": {"event": "added"}, "exit_when": [{"event": "ordered"}],
	"start": "c", "nodes": {"c": {"call": "enrich", "into": "e", "next": "m"},
	"m": {"send": {"channel": "in_app", "template": "hello"}, "next": "w"},
	"w": {"wait": "1 day", "next": "u"}, "u": {"update": {"score": {"add": 1}}, "next": "m2"},
	"m2": {"send": {"channel": "in_app", "template": "again"}, "next": "done"}, "done": {"exit": "completed"}}}', true);
INSERT INTO public.customers SELECT 'u' || g FROM generate_series(1, 20) g;
SELECT journey.track('u' || g, 'added') FROM generate_series(1, 20) g;
INSERT INTO public.orders (user_id, total) VALUES ('u1', 10), ('u2', 20);
SELECT count(*) FROM journey.claim('in_app', 5);
SQL
snapshot() {	# snapshot DB: what a restore must keep
	psql -XAtq -d "$1" -c "
	SELECT 'journeys ' || string_agg(name || ':' || status || ':' || live_version, ',' ORDER BY name) FROM journey.journeys
	UNION ALL SELECT 'versions ' || count(*) || ' ' || md5(string_agg(definition::text, '' ORDER BY id)) FROM journey.versions
	UNION ALL SELECT 'instances ' || string_agg(user_id || ':' || status || ':' || coalesce(node, '-') || ':' ||
	       coalesce(wake_at::text, '-') || ':' || coalesce(context::text, ''), ',' ORDER BY id) FROM journey.instances
	UNION ALL SELECT 'outbox ' || string_agg(dedup_key || ':' || status || ':' || attempts, ',' ORDER BY id) FROM journey.outbox
	UNION ALL SELECT 'events ' || count(*) FROM journey.events
	UNION ALL SELECT 'allowed ' || string_agg(fn::text || ':' || allowed_by::regrole::text, ',') FROM journey.allowed_functions
	UNION ALL SELECT 'tracked ' || string_agg(tbl::text, ',') FROM journey.tracked_tables
	UNION ALL SELECT 'profiles ' || string_agg(tbl::text, ',') FROM journey.profile_source
	UNION ALL SELECT 'triggers ' || string_agg(tgname || ' on ' || tgrelid::regclass, ',' ORDER BY tgname)
	          FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('public.orders'::regclass, 'public.customers'::regclass)
	UNION ALL SELECT 'orders ' || count(*) FROM public.orders"
}
before=$(snapshot "$SRC")
check "the source has instances, messages, a tracked table and a profile table" \
	"$(echo "$before" | grep -c -E '^(instances|outbox|tracked|profiles|triggers) .')" 5

"$(pg_config --bindir)/pg_dump" -Fc -d "$SRC" -f "$work/src.dump" 2>"$work/dump.err" &&
	ok "pg_dump of a database with live journeys" || not_ok "pg_dump of a database with live journeys" "$(head -n 5 "$work/dump.err")"
psql -XAtq -d postgres -c "CREATE DATABASE $DST" >/dev/null
"$(pg_config --bindir)/pg_restore" -d "$DST" "$work/src.dump" 2>"$work/restore.err" &&
	ok "pg_restore into a new database" || not_ok "pg_restore into a new database" "$(head -n 5 "$work/restore.err")"

after=$(snapshot "$DST")
while read -r line; do
	what=${line%% *}
	check "restored: $what" "$(echo "$after" | grep "^$what ")" "$line"
done <<<"$before"

# The journeys carry on: a day later the waits end (the update node writes the tracked profile table, a
# message is sent); a new order enters the tracked table's trigger; ids continue after the restored ones.
check "run_due in the restored database advances the waiting instances" \
	"$(qd "SELECT journey.run_due(now() + interval '2 days')")" 18
check "their second messages were written" "$(qd "SELECT count(*) FROM journey.outbox WHERE template = 'again'")" 18
check "the update nodes wrote the restored profile table" "$(qd "SELECT sum(score) FROM public.customers")" 18
qd "INSERT INTO journey.events (user_id, name) VALUES ('u99', 'added')" >/dev/null
check "a new event enters, with an id after the restored ones" \
	"$(qd "SELECT count(*) FROM journey.instances WHERE user_id = 'u99' AND id > (SELECT max(id) FROM journey.instances WHERE user_id <> 'u99')")" 1
fault_finish
