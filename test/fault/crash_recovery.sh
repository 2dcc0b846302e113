#!/usr/bin/env bash
# Crashes while the scheduler advances 100,000 instances (issue 12): kill -9 of the scheduler worker (the
# postmaster then restarts every process through crash recovery) and two `pg_ctl stop -m immediate` at
# different moments. After the last restart every instance advanced exactly once per step: each completed,
# each with exactly its two messages (dedup keys <id>:s1:1 and <id>:s2:1), nothing failed, nothing twice.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=crash_burst
USERS=${CRASH_USERS:-100000}
data_dir=$(q "SHOW data_directory")
pg_bindir=$(pg_config --bindir)
start() { as_pg "$pg_bindir/pg_ctl" -D "$data_dir" -l "$PGHOST/server.log" -w -t 120 start >/dev/null; }
immediate_stop() { as_pg "$pg_bindir/pg_ctl" -D "$data_dir" -m immediate -w -t 60 stop >/dev/null; }
up() { local k; for k in $(seq 1 300); do q "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
progress() { q "SELECT count(*) FROM journey.outbox WHERE journey = '$J'" 2>/dev/null || echo 0; }
# wait_progress N: until at least N messages were written (at most 60 s).
wait_progress() {
	local deadline=$((SECONDS + 60))
	while [ "$(progress)" -lt "$1" ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
}
cleanup() {
	up >/dev/null 2>&1 || start
	forget_journeys "$J" 2>/dev/null
	q "DELETE FROM journey.events WHERE name = 'crash_go'" >/dev/null 2>&1
	q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1
	q "SELECT pg_reload_conf()" >/dev/null 2>&1
}
trap cleanup EXIT
cleanup
q "ALTER SYSTEM SET journey.scheduler = on" >/dev/null && q "SELECT pg_reload_conf()" >/dev/null

q "SELECT journey.define('{\"name\": \"$J\", \"trigger\": {\"event\": \"crash_go\"}, \"entry\": {\"reentry\": \"always\"},
	\"start\": \"w1\", \"nodes\": {
	\"w1\": {\"wait\": \"1 second\", \"next\": \"s1\"},
	\"s1\": {\"send\": {\"channel\": \"in_app\", \"template\": \"one\"}, \"next\": \"w2\"},
	\"w2\": {\"wait\": \"1 second\", \"next\": \"s2\"},
	\"s2\": {\"send\": {\"channel\": \"in_app\", \"template\": \"two\"}, \"next\": \"done\"},
	\"done\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define $J"; fault_finish; }
q "INSERT INTO journey.events (user_id, name) SELECT 'cr_' || g, 'crash_go' FROM generate_series(1, $USERS) g" >/dev/null
check "every user entered" "$(q "SELECT count(*) FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
	WHERE j.name = '$J'")" "$USERS"

# 1. kill -9 of the worker once a tenth of the messages are written.
wait_progress $((USERS / 5))
pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler' LIMIT 1")
note "kill -9 of the scheduler (pid $pid) at $(progress) of $((2 * USERS)) messages"
[ -n "$pid" ] && kill -9 "$pid"
sleep 1
up || { not_ok "the server came back after kill -9"; fault_finish; }
ok "the server came back after kill -9 of the scheduler (crash recovery)"

# 2. pg_ctl stop -m immediate at about 40 %, then again at about 75 %.
for share in 80 150; do
	wait_progress $((USERS * share / 100))
	note "pg_ctl stop -m immediate at $(progress) of $((2 * USERS)) messages"
	immediate_stop
	start && up || { not_ok "restart after an immediate stop"; fault_finish; }
	ok "restarted after an immediate stop at about $((share / 2)) %"
done

if poll 120 "SELECT count(*) = $USERS FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
             WHERE j.name = '$J' AND i.status <> 'a'"; then
	ok "every instance ended after the crashes"
else
	not_ok "every instance ended after the crashes" "$(q "SELECT i.status || ' ' || count(*) FROM journey.instance i
		JOIN journey.journeys j ON j.id = i.journey_id WHERE j.name = '$J' GROUP BY 1")"
fi
check "every instance completed (none failed)" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND status = 'completed'")" "$USERS"
check "exactly two messages per instance" "$(q "SELECT count(*) FROM journey.outbox WHERE journey = '$J'")" $((2 * USERS))
check "each instance's messages are its two steps, once each" \
	"$(q "SELECT count(*) FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
	      LEFT JOIN (SELECT o.instance_id, array_agg(o.dedup_key ORDER BY o.dedup_key) AS keys FROM journey.outbox o
	                  WHERE o.journey = '$J' GROUP BY o.instance_id) m ON m.instance_id = i.id
	      WHERE j.name = '$J' AND m.keys IS DISTINCT FROM ARRAY[i.id || ':s1:1', i.id || ':s2:1']")" 0
check "every instance visited each node once" \
	"$(q "SELECT count(*) FROM journey.instance i JOIN journey.journeys j ON j.id = i.journey_id
	      WHERE j.name = '$J' AND i.visits <> (SELECT string_agg('1', ',') FROM generate_series(1, 5))")" 0
fault_finish
