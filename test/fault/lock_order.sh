#!/usr/bin/env bash
# Lock order (issue 12): two sessions insert events of the same users in opposite orders, concurrently,
# 200 statements each, for each kind of lock an entry takes. Every row a statement needs (journey.entries rows of keyed and unkeyed journeys, new
# instances under the one-active index) is locked in one sorted order, so no deadlock reaches the
# application.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

USERS=40
ROUNDS=200
work=$(mktemp -d /tmp/pg_journey_lock_order.XXXXXX)
chmod 755 "$work"
cleanup() {
	forget_journeys lo_keyed lo_plain lo_active 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'lo\_%'" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"; chmod 755 "$work"

# Three phases, each its own event: a keyed journey and an unkeyed one whose entry rules read past entries
# (their journey.entries rows are locked), and one whose active instances the one-active index guards (a
# statement's entry of a user waits for the other statement's uncommitted one).
q "SELECT journey.define('{\"name\": \"lo_keyed\", \"trigger\": {\"event\": \"lo_k\"},
	\"entry\": {\"key\": \"cart\", \"max_entries\": 1000000000, \"reentry\": \"always\"}, \"start\": \"d\",
	\"nodes\": {\"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define lo_keyed"; fault_finish; }
q "SELECT journey.define('{\"name\": \"lo_plain\", \"trigger\": {\"event\": \"lo_p\"},
	\"entry\": {\"max_entries\": 1000000000, \"reentry\": \"always\"}, \"start\": \"d\",
	\"nodes\": {\"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define lo_plain"; fault_finish; }
q "SELECT journey.define('{\"name\": \"lo_active\", \"trigger\": {\"event\": \"lo_a\"}, \"start\": \"w\",
	\"nodes\": {\"w\": {\"wait\": \"1 hour\", \"next\": \"x\"}, \"x\": {\"exit\": \"completed\"}}}', true)" >/dev/null ||
	{ not_ok "define lo_active"; fault_finish; }

pgbench=$(pg_config --bindir)/pgbench
# run EVENT ROUNDS: two sessions, ROUNDS statements each, the same users in opposite orders.
run() {
	local ev=$1 rounds=$2 dir order
	for dir in asc desc; do
		order=$([ $dir = asc ] && echo "g" || echo "g DESC")
		cat >"$work/$ev-$dir.sql" <<SQL
INSERT INTO journey.events (user_id, name, props)
SELECT 'lo_' || g || CASE WHEN '$ev' = 'lo_a' THEN '_' || (extract(epoch FROM clock_timestamp()) * 20)::bigint ELSE '' END,
       '$ev', jsonb_build_object('cart', 'c' || (g % 3)) FROM generate_series(1, $USERS) g ORDER BY $order;
SQL
		chmod 644 "$work/$ev-$dir.sql"
	done
	( "$pgbench" -n --verbose-errors -c 1 -t "$rounds" -f "$work/$ev-asc.sql" >"$work/$ev-asc.out" 2>&1 ) &
	( "$pgbench" -n --verbose-errors -c 1 -t "$rounds" -f "$work/$ev-desc.sql" >"$work/$ev-desc.out" 2>&1 ) &
	wait
	for dir in asc desc; do
		done_tx=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/$ev-$dir.out")
		check "$ev $dir: all $rounds statements committed" "${done_tx:-none}" "$rounds"
	done
	check "$ev: no deadlock reached either session" "$(cat "$work/$ev-asc.out" "$work/$ev-desc.out" | grep -ci deadlock)" 0
	grep -ih "error" "$work/$ev-asc.out" "$work/$ev-desc.out" | head -n 2 | while read -r line; do note "$line"; done
}

run lo_k $ROUNDS
check "every statement entered every user into the keyed journey" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = 'lo_keyed'")" "$((2 * ROUNDS * USERS))"
run lo_p $ROUNDS
check "every statement entered every user into the unkeyed journey" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = 'lo_plain'")" "$((2 * ROUNDS * USERS))"
check "the entries counts say so" \
	"$(q "SELECT sum(entries) FROM journey.entries WHERE journey IN ('lo_keyed', 'lo_plain') AND user_id LIKE 'lo\_%'")" \
	"$((4 * ROUNDS * USERS))"
# (new users every 50 ms, so that the two sessions' first entries of a user race under the one-active index)
run lo_a $ROUNDS
fault_finish
