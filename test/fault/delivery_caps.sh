#!/usr/bin/env bash
# Frequency caps under concurrency (issue 14, SPEC §6): two transactions sending to one user on one channel
# cannot both pass a cap of 1 — the second waits for the first (the user's row of journey.frequency_cap_locks,
# locked until the first commits) and then sees its row; and 8 clients sending to 20 users through three
# journeys for a few seconds never give a user more rows than the cap allows, every other send suppressed; the
# scheduler's batches against application sends; statements of two events in either order never deadlock.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

work=$(mktemp -d /tmp/pg_journey_dc.XXXXXX)
chmod 755 "$work"
cleanup() {
	forget_journeys dc_a dc_b dc_c dc_w 2>/dev/null
	q "SELECT journey.clear_frequency_cap('email'); DELETE FROM journey.events WHERE user_id LIKE 'dc\_%';
	   DELETE FROM journey.contacts WHERE user_id LIKE 'dc\_%'" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work" && chmod 755 "$work"

for j in a b c; do
	q "SELECT journey.define('{\"name\": \"dc_$j\", \"trigger\": {\"event\": \"dc_$j\"}, \"entry\": {\"reentry\": \"always\"}, \"start\": \"s\",
		\"nodes\": {\"s\": {\"send\": {\"channel\": \"email\", \"template\": \"dc_$j\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}', true)" \
		>/dev/null || { not_ok "define dc_$j"; fault_finish; }
done
q "SELECT journey.set_contact('dc_' || i, 'email', 'dc' || i || '@example.com') FROM generate_series(0, 20) i" >/dev/null
q "SELECT journey.set_frequency_cap('email', 1, '1 day')" >/dev/null || { not_ok "set_frequency_cap"; fault_finish; }

# 1. Two transactions, cap 1: A sends and holds its transaction open; B's send waits on A's lock.
psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT journey.track('dc_0', 'dc_a')" -c "SELECT pg_sleep(3)" -c "COMMIT" \
	>"$work/a.out" 2>&1 &
a=$!
poll 10 "SELECT EXISTS (SELECT 1 FROM journey.outbox WHERE false) OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%' AND state = 'active')" ||
	not_ok "transaction A is open"
psql -XAtq -v ON_ERROR_STOP=1 -c "SELECT journey.track('dc_0', 'dc_b')" >"$work/b.out" 2>&1 &
b=$!
if poll 10 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.wait_event_type = 'Lock' AND s.query LIKE '%dc_b%'
                            AND pg_blocking_pids(s.pid) <> '{}')"; then
	ok "B waits for A (A holds the user's row of journey.frequency_cap_locks)"
else
	not_ok "B waits for A" "$(q "SELECT wait_event_type, wait_event, query FROM pg_stat_activity WHERE query LIKE '%dc_b%'")"
fi
wait $a || not_ok "transaction A" "$(cat "$work/a.out")"
wait $b || not_ok "transaction B" "$(cat "$work/b.out")"
check "A's send is pending, B's suppressed by the cap" \
	"$(q "SELECT string_agg(journey || ' ' || status, ', ' ORDER BY journey) FROM journey.outbox WHERE user_id = 'dc_0'")" \
	"dc_a pending, dc_b suppressed"

# 2. 8 clients, 20 users, three journeys, cap 2 a day: per user at most 2 rows not suppressed, the rest suppressed.
q "SELECT journey.set_frequency_cap('email', 2, '1 day')" >/dev/null
cat >"$work/send.pgbench" <<'SQL'
\set u random(1, 20)
\set j random(1, 3)
SELECT journey.track('dc_' || :u, 'dc_' || (ARRAY['a', 'b', 'c'])[:j]);
SQL
"$(pg_config --bindir)/pgbench" -n -c 8 -j 2 -T "${DC_SECONDS:-4}" -f "$work/send.pgbench" >"$work/pgbench.out" 2>&1 ||
	not_ok "pgbench ran without errors" "$(tail -n 5 "$work/pgbench.out")"
sends=$(q "SELECT count(*) FROM journey.outbox WHERE user_id ~ '^dc_([1-9]|1[0-9]|20)$'")
note "$sends sends to 20 users"
check "every user got exactly 2 rows not suppressed" \
	"$(q "SELECT string_agg(DISTINCT n::text, ',') FROM (SELECT user_id, count(*) FILTER (WHERE status <> 'suppressed') AS n
	        FROM journey.outbox WHERE user_id ~ '^dc_([1-9]|1[0-9]|20)$' GROUP BY user_id) x")" "2"
check "every other send is suppressed by the cap" \
	"$(q "SELECT count(*) = $sends - 40 FROM journey.outbox WHERE user_id ~ '^dc_([1-9]|1[0-9]|20)$' AND status = 'suppressed'
	        AND last_error = 'frequency cap of 2 per 1 day on channel email reached'")" "t"
check "no instance failed" "$(q "SELECT count(*) FROM journey.instances WHERE journey LIKE 'dc\_%' AND status <> 'completed'")" "0"

# 3. The scheduler's batches against the application's statements, cap 2: 50 users wait 1 s in dc_w (the
#    scheduler then sends, a batch locking its users at its start) while 4 clients send them dc_a (40 a second), from 0.7 s
#    to 3.7 s.
q "SELECT journey.define('{\"name\": \"dc_w\", \"trigger\": {\"event\": \"dc_w\"}, \"start\": \"w\",
	\"nodes\": {\"w\": {\"wait\": \"1 second\", \"next\": \"s\"}, \"s\": {\"send\": {\"channel\": \"email\", \"template\": \"dc_w\"}, \"next\": \"d\"},
	            \"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null || not_ok "define dc_w"
q "SELECT journey.set_contact('dc_w' || i, 'email', 'w' || i || '@example.com') FROM generate_series(1, 50) i" >/dev/null
cat >"$work/app.pgbench" <<'SQL'
\set u random(1, 50)
SELECT journey.track('dc_w' || :u, 'dc_a');
SQL
q "INSERT INTO journey.events (user_id, name) SELECT 'dc_w' || i, 'dc_w' FROM generate_series(1, 50) i" >/dev/null
sleep 0.7
"$(pg_config --bindir)/pgbench" -n -c 4 -j 2 -R 40 -T 3 -f "$work/app.pgbench" >"$work/app.out" 2>&1 ||
	not_ok "pgbench ran without errors" "$(tail -n 5 "$work/app.out")"
poll 30 "SELECT count(*) = 50 FROM journey.instances WHERE journey = 'dc_w' AND status = 'completed'" ||
	not_ok "the scheduler ended the 50 dc_w instances"
check "scheduler and application together: no user got more than 2 e-mails, and none was suppressed below 2" \
	"$(q "SELECT count(*) FROM (SELECT user_id, count(*) FILTER (WHERE status <> 'suppressed') AS n, count(*) FILTER (WHERE status = 'suppressed') AS s
	        FROM journey.outbox WHERE user_id LIKE 'dc\_w%' GROUP BY user_id) x WHERE n > 2 OR (s > 0 AND n < 2)")" "0"
note "dc_w sent $(q "SELECT count(*) FROM journey.outbox WHERE journey = 'dc_w' AND status = 'pending'") of 50; the application $(q "SELECT count(*) FROM journey.outbox WHERE journey = 'dc_a' AND user_id LIKE 'dc\_w%' AND status = 'pending'")"
q "DELETE FROM journey.contacts WHERE user_id LIKE 'dc\_w%'" >/dev/null

# 4. Statements of two events each, users in either order (8 clients, 4 s): a statement locks its users' cap rows
#    sorted before its sends count them, so no two statements deadlock (the application's INSERT never fails).
cat >"$work/pairs.pgbench" <<'SQL'
\set u1 random(1, 20)
\set u2 random(1, 20)
INSERT INTO journey.events (user_id, name)
SELECT 'dc_' || u, 'dc_a' FROM (VALUES (:u1, random()), (:u2, random())) v(u, r) ORDER BY r;
SQL
"$(pg_config --bindir)/pgbench" -n --verbose-errors -c 8 -j 2 -T "${DC_SECONDS:-4}" -f "$work/pairs.pgbench" >"$work/pairs.out" 2>&1
check "two-event statements in either order: no statement failed (no deadlock)" \
	"$(grep -ciE 'deadlock|error' "$work/pairs.out")" "0"
check "and still never over the cap" \
	"$(q "SELECT count(*) FROM (SELECT user_id FROM journey.outbox WHERE user_id ~ '^dc_([1-9]|1[0-9]|20)$' AND status <> 'suppressed'
	        GROUP BY user_id HAVING count(*) > 2) x")" "0"
fault_finish
