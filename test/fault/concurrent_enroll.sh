#!/usr/bin/env bash
# SPEC §5: "At most one active instance per user (and key) and journey unless reentry is always,
# enforced under concurrency." Two sessions enrol the same user at once and both commit: one
# instance. Session B must wait for A (the unique index decides, not a prior SELECT, which under
# READ COMMITTED would see nothing and create a second instance).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=cc_enroll        # track, default reentry (after_exit)
JN=cc_enroll_never # enroll, reentry never
JA=cc_enroll_always # control: reentry always allows two
JI=cc_enroll_instant # reentry never, and the journey ends at once (no active instance to collide on)
work=$(mktemp -d)
cleanup() {
	forget_journeys "$J" "$JN" "$JA" "$JI" 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'cc\_%'" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

define() {
	q "SELECT journey.define(jsonb_build_object('name', '$1', 'trigger', jsonb_build_object('event', '$2'),
		'entry', jsonb_build_object('reentry', '$3'), 'start', '${4:-w}',
		'nodes', '{\"done\": {\"exit\": \"completed\"}}'::jsonb
		         || CASE WHEN '${4:-w}' = 'w' THEN '{\"w\": {\"wait\": \"1 day\", \"next\": \"done\"}}'::jsonb ELSE '{}' END), true)" >/dev/null
}
define "$J" cc_start after_exit || { not_ok "define $J"; fault_finish; }
define "$JN" cc_never_start never || { not_ok "define $JN"; fault_finish; }
define "$JA" cc_always_start always || { not_ok "define $JA"; fault_finish; }
define "$JI" cc_instant_start never done || { not_ok "define $JI"; fault_finish; }

# session NAME SQL: runs SQL (one transaction, explicit) in the background; output, exit code and
# duration (ms) in $work/NAME.{out,err,rc,ms}.
session() {
	local name=$1 sql=$2
	(
		start=$(now_ms)
		psql -XAtq -v ON_ERROR_STOP=1 >"$work/$name.out" 2>"$work/$name.err" <<<"$sql"
		echo $? >"$work/$name.rc"
		echo $(($(now_ms) - start)) >"$work/$name.ms"
	) &
}

# Four races at once: A holds its new instance uncommitted for 2 s; B starts 0.5 s later.
session track_a "BEGIN; SELECT journey.track('cc_u1', 'cc_start') IS NOT NULL; SELECT pg_sleep(2); COMMIT;"
session enroll_a "BEGIN; SELECT coalesce(journey.enroll('$JN', 'cc_u2')::text, 'null'); SELECT pg_sleep(2); COMMIT;"
session always_a "BEGIN; SELECT journey.track('cc_u3', 'cc_always_start') IS NOT NULL; SELECT pg_sleep(2); COMMIT;"
session instant_a "BEGIN; SELECT coalesce(journey.enroll('$JI', 'cc_u4')::text, 'null'); SELECT pg_sleep(2); COMMIT;"
sleep 0.5
session instant_b "BEGIN; SELECT coalesce(journey.enroll('$JI', 'cc_u4')::text, 'null'); COMMIT;"
session track_b "BEGIN; SELECT journey.track('cc_u1', 'cc_start') IS NOT NULL; COMMIT;"
session enroll_b "BEGIN; SELECT coalesce(journey.enroll('$JN', 'cc_u2')::text, 'null'); COMMIT;"
session always_b "BEGIN; SELECT journey.track('cc_u3', 'cc_always_start') IS NOT NULL; COMMIT;"
wait

for s in track_a track_b enroll_a enroll_b always_a always_b instant_a instant_b; do
	check "session $s committed without error" "$(cat "$work/$s.rc")" 0
	[ "$(cat "$work/$s.rc")" == 0 ] || note "$s: $(cat "$work/$s.out" "$work/$s.err" | tr '\n' ' ')"
done

# B waited on A's uncommitted index entry: it took well over the 0.5 s head start it was given.
for s in track_b enroll_b; do
	ms=$(cat "$work/$s.ms")
	note "$s took ${ms} ms (A held its transaction open for 2000 ms)"
	if [ "$ms" -ge 1200 ]; then ok "$s blocked until A committed"; else not_ok "$s blocked until A committed" "took $ms ms"; fi
done

check "track: exactly one active instance of the user" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND user_id = 'cc_u1' AND status = 'active'")" 1
check "track: exactly one instance at all (B created none)" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND user_id = 'cc_u1'")" 1
check "track: both events were recorded" \
	"$(q "SELECT count(*) FROM journey.events WHERE user_id = 'cc_u1' AND name = 'cc_start'")" 2

a_id=$(head -n1 "$work/enroll_a.out")
check "enroll: A got an instance id" "$(q "SELECT count(*) FROM journey.instance WHERE id = ${a_id//[^0-9]/0} AND user_id = 'cc_u2'")" 1
check "enroll: B was refused (null)" "$(head -n1 "$work/enroll_b.out")" null
if grep -q NOTICE "$work/enroll_b.err"; then ok "enroll: B's refusal came with a NOTICE"; else
	not_ok "enroll: B's refusal came with a NOTICE" "stderr: $(cat "$work/enroll_b.err")"; fi
check "enroll: exactly one instance of the user" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$JN' AND user_id = 'cc_u2'")" 1

check "control: reentry always lets both sessions create an instance" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$JA' AND user_id = 'cc_u3' AND status = 'active'")" 2

# reentry never is a lifetime rule: a second concurrent entry must not get in even though the first
# instance is no longer active when it commits (it ended at once), so no active-instance index catches it.
check "reentry never holds under concurrency when the first instance ended at once: one instance" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = '$JI' AND user_id = 'cc_u4'")" 1

# The rule holds whoever writes: a second active instance of the user, written directly, is refused (23505).
out=$(psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "INSERT INTO journey.instance (entered_at, last_step_at,
	version_id, journey_id, user_id) SELECT entered_at, last_step_at, version_id, journey_id, user_id FROM journey.instance
	WHERE user_id = 'cc_u2' AND journey_id = (SELECT id FROM journey.journeys WHERE name = '$JN') AND status = 'a'" 2>&1)
check "a second active instance written directly is refused by the database (23505)" \
	"$(echo "$out" | sed -nE 's/^ERROR: +([0-9A-Z]{5}):.*/\1/p' | head -n1)" 23505

fault_finish
