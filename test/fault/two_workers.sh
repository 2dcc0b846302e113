#!/usr/bin/env bash
# Two scheduler workers (journey.workers = 2, as the bench runs them: one per core) and a concurrent
# run_due share a burst of due instances with FOR UPDATE SKIP LOCKED: every instance is stepped exactly
# once, every message is written once, nothing fails.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=tw_burst
USERS=4000
cleanup() {
	forget_journeys "$J" 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'tw\_%'" >/dev/null 2>&1
}
restore() {
	q "ALTER SYSTEM RESET journey.workers" >/dev/null 2>&1
	q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1
	restart
}
trap 'cleanup; restore' EXIT
cleanup
rm -f "$PGHOST/tw_run_due.err" "$PGHOST/tw_run_due.out"

q "ALTER SYSTEM SET journey.workers = 2" >/dev/null && q "ALTER SYSTEM SET journey.scheduler = on" >/dev/null
restart || { not_ok "the test cluster restarts with journey.workers = 2"; fault_finish; }
poll 10 "SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'" &&
	ok "two scheduler workers run" ||
	not_ok "two scheduler workers run" "have: $(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'")"

q "SELECT journey.define(jsonb_build_object('name', '$J', 'trigger', jsonb_build_object('event', 'tw_go'),
	'start', 'w', 'nodes', '{\"w\": {\"wait\": \"2 seconds\", \"next\": \"s\"},
	\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"tw_tpl\"}, \"next\": \"done\"},
	\"done\": {\"exit\": \"completed\"}}'::jsonb), true)" >/dev/null || { not_ok "define $J"; fault_finish; }

# One statement enters every user; all fall due in the same second. While the workers take them, two
# sessions call run_due on the real clock too.
q "INSERT INTO journey.events (user_id, name, occurred_at)
   SELECT 'tw_' || g, 'tw_go', date_trunc('second', now()) FROM generate_series(1, $USERS) g" >/dev/null
check "every user entered" "$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J'")" "$USERS"
sleep 0.5
for k in 1 2; do
	(for r in $(seq 1 80); do q "SELECT journey.run_due()" >>"$PGHOST/tw_run_due.out" 2>>"$PGHOST/tw_run_due.err"; sleep 0.05; done) &
done
poll 60 "SELECT count(*) = $USERS FROM journey.instances WHERE journey = '$J' AND status <> 'active'" ||
	note "not every instance ended within 60 s"
wait

check "every instance completed" \
	"$(q "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) AS n FROM journey.instances WHERE journey = '$J' GROUP BY 1) s")" "completed $USERS"
check "one message per instance" "$(q "SELECT count(*) FROM journey.outbox WHERE journey = '$J'")" "$USERS"
check "no instance sent twice" \
	"$(q "SELECT count(*) FROM (SELECT instance_id FROM journey.outbox WHERE journey = '$J' GROUP BY 1 HAVING count(*) > 1) d")" 0
check "no run_due call failed" "$(cat "$PGHOST/tw_run_due.err" 2>/dev/null | grep -c ERROR)" 0
note "the run_due calls stepped $(awk '{s += $1} END {print s + 0}' "$PGHOST/tw_run_due.out" 2>/dev/null) of the $USERS instances, the workers the rest"
rm -f "$PGHOST/tw_run_due.err" "$PGHOST/tw_run_due.out"
fault_finish
