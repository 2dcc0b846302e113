#!/usr/bin/env bash
# The scheduler worker on the real clock (SPEC §1, §9):
#  - with journey.naptime at 10 minutes, a committed 1-second wait still advances within seconds,
#    with no call from the test (a commit wakes the worker; it sleeps until the step is due);
#  - one user's failing step marks that instance failed with its error; the others advance and the
#    worker process survives; an error outside a step is logged and the same worker carries on;
#  - after pg_terminate_backend the postmaster starts a new worker, which works.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=sc_clock
JF=sc_fail
JR=sc_restart
JP=sc_pause
# journey.scheduler as ALTER SYSTEM left it (restored at the end): this test needs the scheduler on.
saved_scheduler=$(q "SELECT setting FROM pg_file_settings WHERE name = 'journey.scheduler' AND sourcefile LIKE '%postgresql.auto.conf' AND applied" 2>/dev/null)
restore_settings() {
	q "ALTER SYSTEM RESET journey.naptime" >/dev/null 2>&1
	if [ -n "$saved_scheduler" ]; then
		q "ALTER SYSTEM SET journey.scheduler = '$saved_scheduler'" >/dev/null 2>&1
	else
		q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1
	fi
	q "SELECT pg_reload_conf()" >/dev/null 2>&1
}
cleanup() {
	q "ALTER TABLE journey.outbox DROP CONSTRAINT IF EXISTS sc_reject_user" >/dev/null 2>&1
	q "ALTER TABLE journey.instance RENAME COLUMN wake_at_gone TO wake_at" >/dev/null 2>&1
	q "ROLLBACK PREPARED 'sc_prep_gid'" >/dev/null 2>&1
	forget_journeys "$J" "$JF" "$JR" "$JP" 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'sc\_%'" >/dev/null 2>&1
}
trap 'cleanup; restore_settings' EXIT
cleanup

worker_pid() { q "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'"; }

# define NAME EVENT: wait 1 second, then send in_app (needs no contact), then end.
define() {
	q "SELECT journey.define(jsonb_build_object('name', '$1', 'trigger', jsonb_build_object('event', '$2'),
		'start', 'w', 'nodes', '{\"w\": {\"wait\": \"1 second\", \"next\": \"s\"},
		\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"sc_tpl\"}, \"next\": \"done\"},
		\"done\": {\"exit\": \"completed\"}}'::jsonb), true)" >/dev/null
}

pid0=$(worker_pid)
if [ -n "$pid0" ]; then ok "a scheduler worker is running (pid $pid0)"; else not_ok "a scheduler worker is running"; fault_finish; fi

[ "$(q "SHOW journey.scheduler")" == on ] || note "journey.scheduler was off (ALTER SYSTEM: '$saved_scheduler'): on for this test, restored after"
q "ALTER SYSTEM SET journey.naptime = '10min'" >/dev/null && q "ALTER SYSTEM SET journey.scheduler = on" >/dev/null &&
	q "SELECT pg_reload_conf()" >/dev/null
sleep 1 # the worker takes the reload and goes back to sleep, now for up to 10 minutes
check "journey.naptime is 10 minutes" "$(q "SHOW journey.naptime")" 10min
check "journey.scheduler is on" "$(q "SHOW journey.scheduler")" on

# 1. A committed 1-second wait advances on its own.
define "$J" sc_clock_go || { not_ok "define $J"; fault_finish; }
sleep 0.5 # the worker woke for the definition change (if at all) and sleeps again
t0=$(now_ms)
q "SELECT journey.track('sc_u1', 'sc_clock_go')" >/dev/null
if poll 15 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE journey = '$J' AND user_id = 'sc_u1')"; then
	t1=$(now_ms)
	ok "the 1-second wait advanced with no call from the test (after $((t1 - t0)) ms wall clock)"
	note "latency: $(q "SELECT round(extract(epoch FROM o.created_at - e.occurred_at)::numeric * 1000 - 1000) || ' ms after the step fell due (created_at ' || o.created_at || ')'
		FROM journey.outbox o, journey.events e WHERE o.journey = '$J' AND o.user_id = 'sc_u1' AND e.user_id = 'sc_u1' AND e.name = 'sc_clock_go'")"
	lat=$((t1 - t0))
	if [ "$lat" -le 6000 ]; then ok "it advanced within a few seconds (${lat} ms; the wait was 1000 ms)"; else
		not_ok "it advanced within a few seconds" "took ${lat} ms"; fi
else
	not_ok "the 1-second wait advanced with no call from the test" "no outbox row after 15 s" \
		"instance: $(q "SELECT status || ' ' || coalesce(node, '-') || ' ' || coalesce(wake_at::text, '-') FROM journey.instances WHERE journey = '$J'")"
	not_ok "it advanced within a few seconds"
fi
check "the instance completed" "$(q "SELECT status FROM journey.instances WHERE journey = '$J' AND user_id = 'sc_u1'")" completed
check "the step ran as of its due time, not early" \
	"$(q "SELECT o.created_at >= e.occurred_at + interval '1 second' FROM journey.outbox o, journey.events e
	      WHERE o.journey = '$J' AND o.user_id = 'sc_u1' AND e.user_id = 'sc_u1' AND e.name = 'sc_clock_go'")" t

# 1b. A step committed by COMMIT PREPARED wakes the worker then (at PREPARE it was not visible yet).
q "BEGIN; SELECT journey.track('sc_prep', 'sc_clock_go'); PREPARE TRANSACTION 'sc_prep_gid';" >/dev/null ||
	not_ok "prepare a transaction that tracks an event"
sleep 1.5 # the step is due now, but not visible
q "COMMIT PREPARED 'sc_prep_gid'" >/dev/null
if poll 5 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE journey = '$J' AND user_id = 'sc_prep')"; then
	ok "a step committed by COMMIT PREPARED advances within seconds (naptime 10 minutes)"
else
	not_ok "a step committed by COMMIT PREPARED advances within seconds (naptime 10 minutes)"
	q "ROLLBACK PREPARED 'sc_prep_gid'" >/dev/null 2>&1
fi

# 1c. Resuming a journey wakes the worker: its held steps are due at once.
define "$JP" sc_pause_go || not_ok "define $JP"
q "SELECT journey.track('sc_held', 'sc_pause_go')" >/dev/null
q "SELECT journey.pause('$JP')" >/dev/null
sleep 1.5 # due, but paused: the worker goes back to sleep for the naptime
check "a paused journey's due step waits" "$(q "SELECT count(*) FROM journey.outbox WHERE journey = '$JP'")" 0
q "SELECT journey.resume('$JP')" >/dev/null
if poll 5 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE journey = '$JP' AND user_id = 'sc_held')"; then
	ok "after resume the held step advances within seconds (naptime 10 minutes)"
else
	not_ok "after resume the held step advances within seconds (naptime 10 minutes)"
fi

# 2. One user's step fails; the others advance; the worker survives.
define "$JF" sc_fail_go || { not_ok "define $JF"; fault_finish; }
q "ALTER TABLE journey.outbox ADD CONSTRAINT sc_reject_user CHECK (user_id <> 'sc_bad') NOT VALID" >/dev/null ||
	not_ok "add the CHECK constraint that rejects sc_bad"
pid1=$(worker_pid)
q "SELECT journey.track(u, 'sc_fail_go') FROM unnest(ARRAY['sc_ok1', 'sc_bad', 'sc_ok2', 'sc_ok3']) u" >/dev/null
if poll 15 "SELECT count(*) FILTER (WHERE status = 'completed') = 3 AND count(*) FILTER (WHERE status = 'failed') = 1
            FROM journey.instances WHERE journey = '$JF'"; then
	ok "with one failing step, the other users advanced and the failing one is marked failed"
else
	not_ok "with one failing step, the other users advanced and the failing one is marked failed" \
		"$(q "SELECT string_agg(user_id || '=' || status || '@' || coalesce(node, '-'), ' ' ORDER BY user_id) FROM journey.instances WHERE journey = '$JF'")"
fi
check "the failed instance is sc_bad" \
	"$(q "SELECT string_agg(user_id, ',') FROM journey.instances WHERE journey = '$JF' AND status = 'failed'")" sc_bad
check "the failed instance keeps its error" \
	"$(q "SELECT error IS NOT NULL AND error <> '' FROM journey.instances WHERE journey = '$JF' AND user_id = 'sc_bad'")" t
note "error: $(q "SELECT error FROM journey.instances WHERE journey = '$JF' AND user_id = 'sc_bad'")"
check "the failed step wrote no outbox row (nothing half-written)" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE journey = '$JF' AND user_id = 'sc_bad'")" 0
check "the others' sends were written" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE journey = '$JF' AND status = 'pending'")" 3
check "the worker survived the failing step (same pid)" "$(worker_pid)" "$pid1"
q "ALTER TABLE journey.outbox DROP CONSTRAINT sc_reject_user" >/dev/null

# 2b. An error outside a step (here the due query fails: a column of journey.instance renamed meanwhile):
#     logged, and the same worker carries on after a backoff once the cause is gone.
pid1=$(worker_pid)
q "SELECT journey.track('sc_later', 'sc_fail_go')" >/dev/null
q "ALTER TABLE journey.instance RENAME COLUMN wake_at TO wake_at_gone" >/dev/null
sleep 3 # the step fell due: the worker's pass failed, at least once
check "after an error outside a step the worker lives on (same pid)" "$(worker_pid)" "$pid1"
q "ALTER TABLE journey.instance RENAME COLUMN wake_at_gone TO wake_at" >/dev/null
if poll 20 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE journey = '$JF' AND user_id = 'sc_later')"; then
	ok "once the cause is gone, the same worker advances the step (after its backoff)"
else
	not_ok "once the cause is gone, the same worker advances the step (after its backoff)" \
		"$(q "SELECT status || ' ' || coalesce(node, '-') FROM journey.instances WHERE journey = '$JF' AND user_id = 'sc_later'")"
fi
check "still the same worker" "$(worker_pid)" "$pid1"

# 3. The worker restarts after pg_terminate_backend, and the new one works.
old=$(worker_pid)
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'" >/dev/null
if poll 10 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler' AND pid NOT IN ($old))"; then
	ok "a new scheduler worker started within 10 s of pg_terminate_backend (old $old, new $(worker_pid))"
else
	not_ok "a new scheduler worker started within 10 s of pg_terminate_backend" "workers now: $(worker_pid)"
fi
define "$JR" sc_restart_go || not_ok "define $JR"
q "SELECT journey.track('sc_u2', 'sc_restart_go')" >/dev/null
if poll 15 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE journey = '$JR' AND user_id = 'sc_u2')"; then
	ok "the restarted worker advances due steps"
else
	not_ok "the restarted worker advances due steps" \
		"$(q "SELECT status || ' ' || coalesce(node, '-') FROM journey.instances WHERE journey = '$JR'")"
fi

fault_finish
