#!/usr/bin/env bash
# journey-sender's failure handling against a local HTTP sink: a provider answering 503 to the first
# requests (every row retried with backoff, the channel pauses, then once the backoff has passed each row is
# sent on its second attempt with the same Idempotency-Key); a provider refusing a message with 422 (the row
# goes dead with the HTTP status and the provider's body in last_error, sent to the provider only once,
# while the others of the batch are sent).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"
n=20

sender_db sender_retry
outbox_rows() { # outbox_rows FIRST LAST TAG: rows written as a journey's send would (the journey is not the point)
	q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
	                               created_at, available_at)
	   SELECT 'retry', 1, 'hook', i, 'u' || i, 'webhook', 't', jsonb_build_object('to', 'x', 'data', jsonb_build_object('tag', '$3')),
	          i || ':hook:1', now(), now()
	     FROM generate_series($1, $2) i" >/dev/null
}

# 1. 503 for the first $n requests, then 200.
outbox_rows 1 $n ok
http_sink flaky --fail-first $n
start=$(now_ms)
sender --once --webhook "webhook=http://127.0.0.1:$http_port/h" --backoff-base 0.5 2>"$work/s1.log"
check "--once exits 0 after a batch of 503s" "$?" 0
check "every row is pending again with a backoff, attempts 1, the provider's 503 in last_error" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending' AND attempts = 1 AND available_at > now() + interval '15 seconds'
	        AND last_error LIKE 'HTTP 503: {\"error\": \"unavailable\"%'")" "$n"
check "the sender paused the channel after a batch that failed entirely" "$(grep -c 'every delivery of the batch failed (HTTP 503' "$work/s1.log")" 1
# The backoff of fail() (30 s and more) has passed:
q "UPDATE journey.outbox SET available_at = now()" >/dev/null
sender --once --webhook "webhook=http://127.0.0.1:$http_port/h" 2>"$work/s2.log"
check "after the backoff, the sink recovered: every row sent on its second attempt" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent' AND attempts = 2 AND last_error IS NULL")" "$n"
check "the sink saw each key twice: $n answered 503, then $n answered 200" \
	"$(json_lines "$work/flaky.log" "r['status']" | sort | uniq -c | awk '{print $2 "x" $1}' | xargs)" "200x$n 503x$n"
check "the retry carried the same Idempotency-Key as the failed attempt" \
	"$(json_lines "$work/flaky.log" "r['headers']['idempotency-key'] + ' ' + str(r['status'])" | sort | awk '{k[$1] = k[$1] $2} END {for (x in k) print k[x]}' | sort | uniq -c | xargs)" \
	"$n 200503"

# 2. 422 for the messages tagged "refuse-me", 200 for the others.
q "DELETE FROM journey.outbox" >/dev/null
outbox_rows 101 110 fine
outbox_rows 111 113 refuse-me
http_sink strict --reject refuse-me
sender --once --webhook "webhook=http://127.0.0.1:$http_port/h" 2>"$work/s3.log"
check "--once exits 0" "$?" 0
check "the 10 others are sent" "$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent' AND payload->'data'->>'tag' = 'fine'")" 10
check "the 3 refused (422) are dead, with the status and the provider's body in last_error" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'dead' AND payload->'data'->>'tag' = 'refuse-me'
	        AND last_error LIKE '%HTTP 422: {\"error\": \"rejected: refuse-me\"}'")" 3
check "dead at their first attempt (journey.fail with dead => true)" \
	"$(q "SELECT string_agg(DISTINCT attempts::text, ',') FROM journey.outbox WHERE payload->'data'->>'tag' = 'refuse-me'")" 1
check "the provider received each refused message once (a 4xx is not retried)" \
	"$(json_lines "$work/strict.log" "r['status']" | sort | uniq -c | awk '{print $2 "x" $1}' | xargs)" "200x10 422x3"
fault_finish
