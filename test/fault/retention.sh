#!/usr/bin/env bash
# Retention by the scheduler (issue 14, SPEC §1) while senders work: with journey.outbox_retention = '1 hour',
# the scheduler's purge (5 s after it starts, then about once a minute, a batch of 1,000 at a time until none is
# left) deletes the 10,000 finished rows older than an hour — counted in journey.outbox_rollup — while 4 claimers
# claim and ack the 10,000 pending rows of the same channel (5,000 of them as old): no claimer waits or fails, no
# row is deleted while claimed (every claimed row's ack counts), no pending or recent row is deleted, and rows
# + rollup always add up to what was written. A bad retention setting is refused.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

work=$(mktemp -d /tmp/pg_journey_rt.XXXXXX)
chmod 755 "$work"
pg_bindir=$(pg_config --bindir)
cleanup() {
	q "DELETE FROM journey.outbox WHERE channel = 'rt_chan'; DELETE FROM journey.outbox_rollup WHERE channel = 'rt_chan';
	   DROP TABLE IF EXISTS public.rt_claims; DROP FUNCTION IF EXISTS public.rt_claim_ack()" >/dev/null 2>&1
}
restore() {
	q "ALTER SYSTEM RESET journey.outbox_retention" >/dev/null 2>&1
	restart
	rm -rf "$work"
}
trap 'cleanup; restore' EXIT
cleanup

if q "ALTER SYSTEM SET journey.outbox_retention = 'soon'" >/dev/null 2>&1; then
	not_ok "journey.outbox_retention = 'soon' is refused"
else
	ok "journey.outbox_retention = 'soon' is refused"
fi
q "SELECT journey.add_channel('rt_chan')" >/dev/null
# 10,000 finished rows of two hours ago (sent, dead, suppressed), 5,000 pending of two hours ago, 5,000 pending now,
# and 1,000 sent a minute ago.
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, payload, dedup_key, created_at, available_at, status)
   SELECT 'rt_j', 1, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i, 'rt_' || i, 'rt_chan', '{}', 'rt:' || i, t, t,
          CASE WHEN i <= 10000 THEN (ARRAY['sent', 'dead', 'suppressed'])[1 + i % 3] WHEN i <= 20000 THEN 'pending' ELSE 'sent' END
     FROM generate_series(1, 21000) i,
          LATERAL (SELECT CASE WHEN i <= 15000 THEN now() - interval '2 hours' WHEN i <= 20000 THEN now() ELSE now() - interval '1 minute' END AS t) x" \
	>/dev/null || { not_ok "outbox rows"; fault_finish; }
before=$(q "SELECT string_agg(node || ' ' || n, ', ' ORDER BY node) FROM (SELECT node, count(*) n FROM journey.outbox WHERE channel = 'rt_chan' GROUP BY 1) x")
before_dead=$(q "SELECT count(*) FROM journey.outbox WHERE channel = 'rt_chan' AND status IN ('dead', 'suppressed')")

psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { not_ok "claimer function"; fault_finish; }
CREATE TABLE public.rt_claims (ids bigint[], instance_ids bigint[], acked int);
CREATE FUNCTION public.rt_claim_ack() RETURNS void LANGUAGE plpgsql AS $$
DECLARE l bigint; ids bigint[]; insts bigint[];
BEGIN
	SELECT array_agg(id), array_agg(instance_id), min(lease_id) INTO ids, insts, l FROM journey.claim('rt_chan', 100, '1 minute');
	IF ids IS NOT NULL THEN
		INSERT INTO public.rt_claims VALUES (ids, insts, journey.ack(ids, l));
	END IF;
END
$$;
SQL
q "ALTER SYSTEM SET journey.outbox_retention = '1 hour'" >/dev/null
restart || { not_ok "the test cluster restarts"; fault_finish; }
echo 'SELECT public.rt_claim_ack();' >"$work/claim.sql"
chmod 644 "$work/claim.sql"
"$pg_bindir/pgbench" -n -c 4 -j 2 -T 10 -f "$work/claim.sql" >"$work/claimers.out" 2>&1 &
claimers=$!
if poll 30 "SELECT count(*) = 0 FROM journey.outbox WHERE channel = 'rt_chan' AND created_at < now() - interval '1 hour'
              AND status IN ('sent', 'dead', 'suppressed')"; then
	ok "the scheduler deleted every finished row older than an hour, while the claimers ran"
else
	not_ok "the scheduler deleted every finished row older than an hour" \
		"left: $(q "SELECT count(*) FROM journey.outbox WHERE channel = 'rt_chan' AND created_at < now() - interval '1 hour' AND status IN ('sent', 'dead', 'suppressed')")"
fi
wait $claimers
check "no claimer statement failed" "$(grep -ciE 'error|deadlock' "$work/claimers.out")" 0
check "every claimed row was acked (none was deleted under a lease)" \
	"$(q "SELECT sum(cardinality(ids)) = sum(acked) AND sum(acked) > 0 FROM public.rt_claims")" "t"
check "no pending row was deleted unless a claimer acked it first" \
	"$(q "SELECT count(*) FROM generate_series(10001, 20000) i
	       WHERE NOT EXISTS (SELECT 1 FROM journey.outbox o WHERE o.channel = 'rt_chan' AND o.instance_id = i)
	         AND i NOT IN (SELECT unnest(instance_ids) FROM public.rt_claims)")" "0"
check "recent finished rows are kept" "$(q "SELECT count(*) FROM journey.outbox WHERE channel = 'rt_chan' AND instance_id > 20000")" "1000"
check "rows and rollup add up to what was written, per node" \
	"$(q "SELECT string_agg(node || ' ' || n, ', ' ORDER BY node) FROM (SELECT node, sum(n) n FROM (
	        SELECT node, count(*) n FROM journey.outbox WHERE channel = 'rt_chan' GROUP BY 1
	        UNION ALL SELECT node, sum(messages) FROM journey.outbox_rollup WHERE channel = 'rt_chan' GROUP BY 1) y GROUP BY 1) x")" "$before"
check "dead and suppressed rows: rows and rollup add up" \
	"$(q "SELECT (SELECT count(*) FROM journey.outbox WHERE channel = 'rt_chan' AND status IN ('dead', 'suppressed'))
	          + (SELECT coalesce(sum(messages), 0) FROM journey.outbox_rollup WHERE channel = 'rt_chan' AND status IN ('dead', 'suppressed'))")" "$before_dead"
# What schedule_scheduler's pg_cron job runs without the preload: CALL journey._purge_job(), a transaction per batch.
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, payload, dedup_key, created_at, available_at, status)
   SELECT 'rt_j', 1, 'a', 30000 + i, 'rt_' || i, 'rt_chan', '{}', 'rt:job:' || i, now() - interval '2 hours', now() - interval '2 hours', 'sent'
     FROM generate_series(1, 2500) i" >/dev/null
if out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "CALL journey._purge_job()" 2>&1); then ok "CALL journey._purge_job() runs (it commits per batch)"; else
	not_ok "CALL journey._purge_job() runs" "$out"; fi
check "it deleted the 2,500 old rows in batches" "$(q "SELECT count(*) FROM journey.outbox WHERE dedup_key LIKE 'rt:job:%'")" "0"
fault_finish
