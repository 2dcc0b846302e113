#!/usr/bin/env bash
# Concurrency (issue 12): 8 writers (pgbench) track events of 500 overlapping users, two users per
# statement in random order, while the scheduler takes the wait_for timeouts and two claimers claim and
# ack the outbox in transactions of their own. Afterwards, from the stored events and commit timestamps:
# no deadlock or error reached a writer; every instance ended, none failed; no user entered twice from
# one event; no message was sent although an exit event, or the awaited event before the deadline, had
# committed before the step that sent it (a lost exit or resume); no instance took two paths; no outbox
# row was handed out twice inside its lease, and every one was acked.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=cc_cart
USERS=500
SECONDS_RUN=${CC_SECONDS:-8}
work=$(mktemp -d /tmp/pg_journey_cc.XXXXXX)
chmod 755 "$work"
pg_bindir=$(pg_config --bindir)
cleanup() {
	forget_journeys "$J" 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'cc\_%'" >/dev/null 2>&1
	q "DROP TABLE IF EXISTS public.cc_claims; DROP FUNCTION IF EXISTS public.cc_claim(); DROP FUNCTION IF EXISTS public.cc_ack()" >/dev/null 2>&1
}
restore() {
	q "ALTER SYSTEM RESET track_commit_timestamp" >/dev/null 2>&1
	q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1
	restart
	rm -rf "$work"
}
trap 'cleanup; restore' EXIT
cleanup

q "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null && q "ALTER SYSTEM SET journey.scheduler = on" >/dev/null
restart || { not_ok "the test cluster restarts with track_commit_timestamp on"; fault_finish; }

q "SELECT journey.define('{\"name\": \"$J\", \"trigger\": {\"event\": \"cc_cart\"},
	\"exit_when\": [{\"event\": \"cc_checkout\"}], \"start\": \"w\",
	\"nodes\": {\"w\": {\"wait_for\": {\"event\": \"cc_paid\"}, \"timeout\": \"2 seconds\", \"on_event\": \"done\", \"on_timeout\": \"push\"},
	            \"push\": {\"send\": {\"channel\": \"in_app\", \"template\": \"cc_t\"}, \"next\": \"done\"},
	            \"done\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define $J"; fault_finish; }

# Claimers: a claim commits (logged with its lease), the ack of what this backend claimed commits after.
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { not_ok "claimer functions"; fault_finish; }
CREATE TABLE public.cc_claims (id bigint, lease_id bigint, pid int, acked bool NOT NULL DEFAULT false);
CREATE FUNCTION public.cc_claim() RETURNS int LANGUAGE sql AS $$
	WITH c AS (INSERT INTO public.cc_claims (id, lease_id, pid)
	           SELECT id, lease_id, pg_backend_pid() FROM journey.claim('in_app', 50, '10 minutes') RETURNING 1)
	SELECT count(*)::int FROM c
$$;
CREATE FUNCTION public.cc_ack() RETURNS int LANGUAGE plpgsql AS $$
DECLARE l bigint; n int := 0;
BEGIN
	FOR l IN SELECT DISTINCT lease_id FROM public.cc_claims WHERE pid = pg_backend_pid() AND NOT acked LOOP
		n := n + journey.ack(ARRAY(SELECT id FROM public.cc_claims WHERE lease_id = l), l);
		UPDATE public.cc_claims SET acked = true WHERE lease_id = l;
	END LOOP;
	RETURN n;
END
$$;
SQL

cat >"$work/writer.sql" <<SQL
\set u1 random(1, $USERS)
\set u2 random(1, $USERS)
\set e1 random(1, 10)
\set e2 random(1, 10)
INSERT INTO journey.events (user_id, name)
SELECT 'cc_' || u, CASE WHEN e <= 5 THEN 'cc_cart' WHEN e <= 8 THEN 'cc_paid' ELSE 'cc_checkout' END
  FROM (VALUES (:u1, :e1, random()), (:u2, :e2, random())) v(u, e, r) ORDER BY r;
SQL
printf 'SELECT public.cc_claim();\nSELECT public.cc_ack();\n' >"$work/claimer.sql"
chmod 644 "$work"/*.sql
pgbench=$pg_bindir/pgbench
"$pgbench" -n --verbose-errors -c 8 -j 2 -T "$SECONDS_RUN" -f "$work/writer.sql" >"$work/writers.out" 2>&1 &
writers=$!
"$pgbench" -n --verbose-errors -c 2 -j 1 -T "$((SECONDS_RUN + 2))" -f "$work/claimer.sql" >"$work/claimers.out" 2>&1 &
claimers=$!
wait $writers
wait $claimers

tx=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/writers.out")
failed_tx=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/writers.out")
note "writers: ${tx:-?} statements of two events in $SECONDS_RUN s"
check_true "the writers committed statements" [ "${tx:-0}" -gt 100 ]
check "no writer statement failed" "${failed_tx:-0}" 0
check "no deadlock or error reached a writer" "$(grep -ciE 'deadlock|error' "$work/writers.out")" 0
grep -iE 'error' "$work/writers.out" | head -n 3 | while read -r line; do note "$line"; done

# The last timeouts (2 s) fall due; the scheduler ends every instance. Then the claimers' last rows.
poll 60 "SELECT count(*) = 0 FROM journey.instances WHERE journey = '$J' AND status = 'active'" ||
	not_ok "every instance ended within 60 s" "active: $(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND status = 'active'")"
for _ in $(seq 1 20); do	# one session: cc_ack acks what this backend claimed
	[ "$(psql -XAtq -v ON_ERROR_STOP=1 -c "SELECT public.cc_claim()" -c "SELECT public.cc_ack()" | head -n1)" = 0 ] && break
done
check "no claimer statement failed" "$(grep -ciE 'error|deadlock' "$work/claimers.out")" 0

instances=$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J'")
note "instances: $(q "SELECT string_agg(status || coalesce(' ' || exit_reason, '') || ' ' || n, ', ') FROM (SELECT status, exit_reason, count(*) n FROM journey.instances WHERE journey = '$J' GROUP BY 1, 2 ORDER BY 1, 2) s"); messages: $(q "SELECT count(*) FROM journey.outbox WHERE journey = '$J'")"
check_true "users entered" [ "${instances:-0}" -gt 100 ]
check "no instance failed" "$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND status = 'failed'")" 0
check "no user entered twice from one event (one instance per entering event's time)" \
	"$(q "SELECT count(*) FROM (SELECT user_id, entered_at FROM journey.instance i WHERE journey_id = (SELECT id FROM journey.journeys WHERE name = '$J') GROUP BY 1, 2 HAVING count(*) > 1) d")" 0
check "every instance was entered by a stored cart event of its user at its time" \
	"$(q "SELECT count(*) FROM journey.instances i WHERE journey = '$J' AND NOT EXISTS (SELECT 1 FROM journey.events e WHERE e.user_id = i.user_id AND e.name = 'cc_cart' AND e.occurred_at = i.entered_at)")" 0
# A message is wrong when, before the transaction that sent it began (its created_at), an event committed
# that should have stopped it: an exit event after the entry, or the awaited event after the entry and
# before the deadline. The step's snapshot saw that event: a lost exit or resume.
lost=$(q "SELECT count(*) FROM journey.outbox o JOIN journey.instances i ON i.id = o.instance_id
	WHERE o.journey = '$J' AND EXISTS (SELECT 1 FROM journey.events e WHERE e.user_id = i.user_id
	  AND e.occurred_at > i.entered_at AND pg_xact_commit_timestamp(e.xmin) < o.created_at
	  AND (e.name = 'cc_checkout' OR (e.name = 'cc_paid' AND e.occurred_at < i.entered_at + interval '2 seconds')))")
check "no message sent after a committed exit or awaited event (no lost exit or resume)" "$lost" 0
check "no instance took two paths (at most one message each)" \
	"$(q "SELECT count(*) FROM (SELECT instance_id FROM journey.outbox WHERE journey = '$J' GROUP BY 1 HAVING count(*) > 1) d")" 0
check "no dedup_key twice" "$(q "SELECT count(*) - count(DISTINCT dedup_key) FROM journey.outbox WHERE journey = '$J'")" 0
check "no outbox row handed out twice inside its lease" \
	"$(q "SELECT count(*) FROM (SELECT id FROM public.cc_claims GROUP BY id HAVING count(*) > 1) d")" 0
check "every message was claimed once and acked (status sent)" \
	"$(q "SELECT count(*) FILTER (WHERE status <> 'sent') || ' ' || (count(*) = (SELECT count(*) FROM public.cc_claims)) FROM journey.outbox WHERE journey = '$J'")" "0 true"
fault_finish
