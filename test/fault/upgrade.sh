#!/usr/bin/env bash
# ALTER EXTENSION pg_journey UPDATE from 0.1.0 (issue 12): a database made at 0.1.0, with users entered and
# messages in the outbox, is updated to the current version. Afterwards it describes exactly as a fresh
# install (test/fault/describe_extension.sql: functions, tables, columns in order, constraints, indexes,
# views, triggers, privileges, comments, dump configuration, extension members), its instances and outbox
# rows are kept, and the engine carries on (due steps, claims with leases, new entries).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

old_db=pg_journey_up_old_$$
new_db=pg_journey_up_new_$$
cleanup() { psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $old_db" -c "DROP DATABASE IF EXISTS $new_db" >/dev/null 2>&1; }
trap cleanup EXIT
at() { psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

psql -XAtq -d postgres -c "CREATE DATABASE $old_db" -c "CREATE DATABASE $new_db" >/dev/null ||
	{ not_ok "create the databases"; fault_finish; }
at "$old_db" "CREATE EXTENSION pg_journey VERSION '0.1.0'" >/dev/null || { not_ok "CREATE EXTENSION pg_journey VERSION '0.1.0'"; fault_finish; }
at "$new_db" "CREATE EXTENSION pg_journey" >/dev/null || { not_ok "CREATE EXTENSION pg_journey"; fault_finish; }
version=$(at "$new_db" "SELECT extversion FROM pg_extension WHERE extname = 'pg_journey'")
note "current version: $version"

# Live at 0.1.0: a journey that sends at once and one that waits; three users entered.
at "$old_db" "SELECT journey.define('{\"name\": \"up_now\", \"trigger\": {\"event\": \"up_go\"}, \"start\": \"s\",
	\"nodes\": {\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"hello\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}', true),
	journey.define('{\"name\": \"up_wait\", \"trigger\": {\"event\": \"up_go\"}, \"start\": \"w\",
	\"nodes\": {\"w\": {\"wait\": \"1 hour\", \"next\": \"s\"}, \"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"later\"}, \"next\": \"d\"},
	            \"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define journeys at 0.1.0"; fault_finish; }
at "$old_db" "SELECT journey.track('up_' || g, 'up_go', '{}', now() - interval '2 hours') FROM generate_series(1, 3) g" >/dev/null ||
	{ not_ok "track events at 0.1.0"; fault_finish; }
before=$(at "$old_db" "SELECT (SELECT count(*) FROM journey.instances WHERE status = 'active') || ' active, ' ||
	(SELECT count(*) FROM journey.outbox) || ' messages, ' || (SELECT count(*) FROM journey.events) || ' events'")
check "at 0.1.0: three users wait, three messages were written" "$before" "3 active, 3 messages, 3 events"

if at "$old_db" "ALTER EXTENSION pg_journey UPDATE" >/dev/null; then ok "ALTER EXTENSION pg_journey UPDATE"; else not_ok "ALTER EXTENSION pg_journey UPDATE"; fi
check "the database is at the current version" "$(at "$old_db" "SELECT extversion FROM pg_extension WHERE extname = 'pg_journey'")" "$version"

psql -XAtq -v ON_ERROR_STOP=1 -d "$old_db" -f test/fault/describe_extension.sql >"$PGHOST/up_updated.txt" 2>&1
psql -XAtq -v ON_ERROR_STOP=1 -d "$new_db" -f test/fault/describe_extension.sql >"$PGHOST/up_fresh.txt" 2>&1
lines=$(wc -l <"$PGHOST/up_fresh.txt")
if [ "$lines" -gt 500 ] && diff -q "$PGHOST/up_updated.txt" "$PGHOST/up_fresh.txt" >/dev/null; then
	ok "the updated database describes exactly as a fresh install ($lines facts)"
else
	not_ok "the updated database describes exactly as a fresh install" \
		"$(diff "$PGHOST/up_updated.txt" "$PGHOST/up_fresh.txt" | head -n 20 | cut -c1-160)"
fi
rm -f "$PGHOST/up_updated.txt" "$PGHOST/up_fresh.txt"

check "instances, messages and events are kept" \
	"$(at "$old_db" "SELECT (SELECT count(*) FROM journey.instances WHERE status = 'active') || ' active, ' ||
	(SELECT count(*) FROM journey.outbox) || ' messages, ' || (SELECT count(*) FROM journey.events) || ' events'")" \
	"3 active, 3 messages, 3 events"
check "the waiting users' steps run after the update" "$(at "$old_db" "SELECT journey.run_due()")" 3
check "and write their messages" "$(at "$old_db" "SELECT count(*) FROM journey.outbox WHERE template = 'later'")" 3
check "a claim hands out the old and new rows with one lease" \
	"$(at "$old_db" "SELECT count(*) || ' ' || count(DISTINCT lease_id) FROM journey.claim('in_app', 10)")" "6 1"
check "ack with the lease" \
	"$(at "$old_db" "SELECT journey.ack(array_agg(id), min(lease_id)) FROM journey.outbox WHERE status = 'claimed'")" 6
at "$old_db" "SELECT journey.track('up_9', 'up_go', '{}')" >/dev/null
check "new events enter users" "$(at "$old_db" "SELECT count(*) FROM journey.instances WHERE user_id = 'up_9'")" 2
fault_finish
