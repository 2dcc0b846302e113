#!/usr/bin/env bash
# kill -9 of journey-sender in the middle of a batch, then a restart: every message is delivered; the only
# messages delivered twice are those the killed sender had sent but not yet acked, and their second delivery
# came after their lease expired (at-least-once, never early); both copies carry the same dedup key.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"
n=400
lease=3

sender_db sender_crash
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                               created_at, available_at)
   SELECT 'crash', 1, 'hook', i, 'u' || i, 'webhook', 't', jsonb_build_object('to', 'x', 'data', jsonb_build_object('i', i)),
          i || ':hook:1', now(), now()
     FROM generate_series(1, $n) i" >/dev/null

http_sink slow --delay 0.05
opts=(--webhook "webhook=http://127.0.0.1:$http_port/h" --lease $lease --batch 50 --concurrency 4 --poll 0.3)
sender_bg "$work/sender1.log" "${opts[@]}"
first=$sender_pid
# Kill it once the sink has seen ~100 requests and a batch is in its hands.
for _ in $(seq 1 100); do
	[ "$(wc -l <"$work/slow.log")" -ge 100 ] && [ "$(q "SELECT count(*) > 0 FROM journey.outbox WHERE status = 'claimed'")" = t ] && break
	sleep 0.05
done
kill -9 "$first"
wait "$first" 2>/dev/null
killed_at=$(q "SELECT extract(epoch FROM clock_timestamp())")
q "SELECT dedup_key || ' ' || extract(epoch FROM claimed_until) FROM journey.outbox WHERE status = 'claimed' ORDER BY 1" >"$work/held"
sent_before=$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent'")
note "killed with $sent_before sent, $(wc -l <"$work/held") held under a lease of $lease s, $(wc -l <"$work/slow.log") requests seen"
check_true "the kill came mid-batch: rows held by the dead sender's lease" test -s "$work/held"

sender_bg "$work/sender2.log" "${opts[@]}"
if poll 20 "SELECT count(*) = $n FROM journey.outbox WHERE status = 'sent'"; then
	ok "after the restart every row is sent"
else
	not_ok "after the restart every row is sent" "$(q "SELECT status, count(*) FROM journey.outbox GROUP BY 1")"
fi
kill -TERM "$sender_pid"
wait "$sender_pid"
check "the restarted sender stops with exit 0" "$?" 0

check "every message reached the sink" "$(json_lines "$work/slow.log" "r['headers']['idempotency-key']" | sort -u | wc -l)" "$n"
json_lines "$work/slow.log" "r['headers']['idempotency-key'] + ' ' + str(r['t'])" | sort -k1,1 -k2n >"$work/received"
awk '{c[$1]++} END {for (k in c) if (c[k] > 1) print k}' "$work/received" | sort >"$work/twice"
check_true "some messages were delivered twice (sent by the killed sender, not acked)" test -s "$work/twice"
check "none more than twice" "$(awk '{c[$1]++} END {m = 0; for (k in c) if (c[k] > m) m = c[k]; print m}' "$work/received")" 2
check "only messages the killed sender held were delivered twice" \
	"$(join "$work/twice" <(cut -d' ' -f1 "$work/held" | sort) | wc -l)" "$(wc -l <"$work/twice")"
# For each message delivered twice: the second delivery's time against the lease the killed sender held.
early=$(awk 'NR == FNR {until[$1] = $2; next} ($1 in until) {if (seen[$1]++ && $2 < until[$1]) print $1, $2, until[$1]}' \
	"$work/held" "$work/received")
check "each second delivery came after the first lease expired" "$early" ""
check "both copies carry the same dedup key (header and envelope)" \
	"$(json_lines "$work/slow.log" "(r['headers']['idempotency-key'] == __import__('json').loads(r['body'])['dedup_key']) or None" | wc -l)" \
	"$(wc -l <"$work/slow.log")"
check "the rows the killed sender held count 2 attempts (claimed again), the others 1" \
	"$(q "SELECT count(*) FILTER (WHERE attempts = 2) || ' ' || count(*) FILTER (WHERE attempts = 1) FROM journey.outbox")" \
	"$(wc -l <"$work/held") $((n - $(wc -l <"$work/held")))"
note "delivered twice: $(wc -l <"$work/twice") of $n (killed at $killed_at)"
fault_finish
