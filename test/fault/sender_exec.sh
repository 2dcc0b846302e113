#!/usr/bin/env bash
# journey-sender's exec channel: each message as JSON on a command's stdin, with JOURNEY_* variables.
# Exit 0: sent; 75 (EX_TEMPFAIL): retried with backoff; another exit: dead with the command's stderr;
# a command outliving its timeout is killed and retried. Commands run in parallel (--concurrency).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"

sender_db sender_exec
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                               created_at, available_at)
   SELECT 'ex', 1, 'sms', i, 'u' || i, 'sms', 't', jsonb_build_object('to', '+100' || i, 'data', jsonb_build_object('kind', k)),
          i || ':sms:1', now(), now()
     FROM generate_series(1, 12) i, LATERAL (SELECT CASE WHEN i <= 8 THEN 'ok' WHEN i <= 10 THEN 'busy' WHEN i = 11 THEN 'bad' ELSE 'slow' END AS k) x" >/dev/null

mkdir -p "$work/got"
cat >"$work/deliver.sh" <<'SH'
#!/bin/sh
# reads the message, keeps it as got/<dedup key>; behaves as the message's data.kind says
msg=$(cat)
dir=$(dirname "$0")/got
printf '%s\n%s %s %s %s %s\n' "$msg" "$JOURNEY_OUTBOX_ID" "$JOURNEY_DEDUP_KEY" "$JOURNEY_USER_ID" "$JOURNEY_CHANNEL" "$JOURNEY_ATTEMPT" >"$dir/$JOURNEY_DEDUP_KEY"
case "$msg" in
*'"kind": "busy"'*) echo "gateway busy" >&2; exit 75 ;;
*'"kind": "bad"'*) echo "invalid phone number" >&2; exit 3 ;;
*'"kind": "slow"'*) sleep 30 ;;
esac
exit 0
SH
chmod +x "$work/deliver.sh"

start=$(now_ms)
sender --once --exec "sms=$work/deliver.sh" --channel sms.timeout=1 --concurrency 4 2>"$work/sender.log"
check "--once exits 0" "$?" 0
elapsed=$(($(now_ms) - start))
if [ "$elapsed" -lt 8000 ]; then ok "the slow command was killed at its 1 s timeout ($elapsed ms in all)"; else not_ok "the timeout" "$elapsed ms"; fi
check "exit 0: sent" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent' AND payload->'data'->>'kind' = 'ok'")" 8
check "exit 75: pending again with backoff, stderr in last_error" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending' AND available_at > now() AND last_error = 'exec: exit 75: gateway busy'")" 2
check "another exit: dead with the command's stderr" \
	"$(q "SELECT status || ' ' || last_error FROM journey.outbox WHERE payload->'data'->>'kind' = 'bad'")" \
	"dead exec: exit 3: invalid phone number"
check "the timeout: retried" \
	"$(q "SELECT status || ' ' || last_error FROM journey.outbox WHERE payload->'data'->>'kind' = 'slow'")" "pending exec: timed out"
check "each command read its message as JSON on stdin (the envelope, dedup_key and payload.to)" \
	"$(for f in "$work"/got/*; do head -1 "$f" | "$py" -c 'import json,sys; m=json.load(sys.stdin); print(m["dedup_key"], m["payload"]["to"])'; done | sort -n | head -3 | xargs)" \
	"1:sms:1 +1001 2:sms:1 +1002 3:sms:1 +1003"
check "JOURNEY_OUTBOX_ID, JOURNEY_DEDUP_KEY, JOURNEY_USER_ID, JOURNEY_CHANNEL, JOURNEY_ATTEMPT" \
	"$(tail -1 "$work/got/1:sms:1")" "$(q "SELECT id || ' 1:sms:1 u1 sms 1' FROM journey.outbox WHERE dedup_key = '1:sms:1'")"
check "every message reached the command once" "$(ls "$work/got" | wc -l)" 12
fault_finish
