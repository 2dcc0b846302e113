#!/usr/bin/env bash
# SIGTERM in the middle of a batch: journey-sender starts nothing more, lets the deliveries in flight finish
# and acks them, fails the rest of the batch back with retry_in 0 (claimable at once by another sender),
# and exits 0 — no row left claimed, none delivered without being acked.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"
n=60

sender_db sender_stop
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                               created_at, available_at)
   SELECT 'stop', 1, 'hook', i, 'u' || i, 'webhook', 't', '{\"to\": \"x\"}', i || ':hook:1', now(), now()
     FROM generate_series(1, $n) i" >/dev/null
http_sink slow --delay 0.3
sender_bg "$work/sender.log" --webhook "webhook=http://127.0.0.1:$http_port/h" --batch $n --concurrency 2 --poll 60
for _ in $(seq 1 100); do [ "$(wc -l <"$work/slow.log")" -ge 5 ] && break; sleep 0.05; done
kill -TERM "$sender_pid"
start=$(now_ms)
wait "$sender_pid"
check "SIGTERM mid-batch: exit 0" "$?" 0
elapsed=$(($(now_ms) - start))
if [ "$elapsed" -lt 2000 ]; then ok "it stopped after the deliveries in flight ($elapsed ms), not after the batch"; else not_ok "a prompt stop" "$elapsed ms"; fi
delivered=$(wc -l <"$work/slow.log")
note "the sink saw $delivered of $n before the sender stopped"
check "what the sink received is acked (sent), nothing more" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent'")" "$delivered"
check "the rest is pending again at once, the reason in last_error" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending' AND available_at <= now() AND last_error = 'sender stopped before delivering it'")" \
	"$((n - delivered))"
check "nothing left claimed" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'claimed'")" 0
check "the log says so" "$(grep -c "stopped: claimed $n sent $delivered retried 0 dead 0 released $((n - delivered))" "$work/sender.log")" 1
sender --once --webhook "webhook=http://127.0.0.1:$http_port/h" --concurrency 16 2>/dev/null
check "another sender takes the released rows at once (--once)" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent'")" "$n"
fault_finish
