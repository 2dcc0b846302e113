#!/usr/bin/env bash
# journey-sender's webhook channel against a local HTTP sink (test/sinks/http_sink.py), on its own database:
# 300 users enter a journey that sends a webhook and waits for webhook_delivered. A sender started before
# the rows exist delivers them on NOTIFY (its poll is a minute): each once, Idempotency-Key = dedup_key,
# the envelope's fields, a valid HMAC-SHA256 signature; report => webhook_delivered events carrying the
# provider's answer resume every waiting instance; SIGTERM stops it with exit 0. A row deferred to a later
# available_at (no NOTIFY when it falls due) is found by the poll.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"
n=300
secret='s3cret-key'

sender_db sender_webhook
q "SELECT journey.define(\$j\${
	\"name\": \"wh_order\",
	\"trigger\": {\"event\": \"wh_go\"},
	\"start\": \"hook\",
	\"nodes\": {
		\"hook\":  {\"send\": {\"channel\": \"webhook\", \"template\": \"order_placed\", \"data\": {\"order\": \"{{event.order}}\"}},
		           \"next\": \"await\"},
		\"await\": {\"wait_for\": {\"event\": \"webhook_delivered\"}, \"timeout\": \"1 day\",
		           \"on_event\": \"done\", \"on_timeout\": \"late\"},
		\"done\":  {\"exit\": \"completed\"},
		\"late\":  {\"exit\": \"timed_out\"}
	}}\$j\$, publish => true)" >/dev/null || not_ok "define wh_order"
q "SELECT count(journey.set_contact('u' || i, 'webhook', 'https://hooks.example.com/u' || i)) FROM generate_series(1, $n) i" >/dev/null

export HOOK_SECRET=$secret # the sender reads it at start (secret = env:HOOK_SECRET)
http_sink hooks --respond '{"provider_id": "p-{n}", "accepted": true}'
sender_bg "$work/sender1.log" --webhook "webhook=http://127.0.0.1:$http_port/orders" \
	--channel "webhook.secret=env:HOOK_SECRET" --channel webhook.report=true --poll 60 --batch 50
sleep 0.5
check_true "the sender is running" kill -0 "$sender_pid"

start=$(now_ms)
q "SELECT count(journey.track('u' || i, 'wh_go', jsonb_build_object('order', 'ord-' || i))) FROM generate_series(1, $n) i" >/dev/null
if poll 10 "SELECT count(*) = $n FROM journey.outbox WHERE status = 'sent'"; then
	ok "the $n rows written after the sender started are sent (on NOTIFY: its poll is 60 s) in $(($(now_ms) - start)) ms"
else
	not_ok "the $n rows are sent on NOTIFY" "$(q "SELECT status, count(*) FROM journey.outbox GROUP BY 1")"
fi
check "the sink received $n requests" "$(wc -l <"$work/hooks.log")" "$n"
check "one request per dedup key, its Idempotency-Key" \
	"$(json_lines "$work/hooks.log" "r['headers']['idempotency-key']" | sort | uniq | wc -l) $(json_lines "$work/hooks.log" "r['headers']['idempotency-key']" | sort | md5sum)" \
	"$n $(q "SELECT dedup_key FROM journey.outbox ORDER BY 1" | LC_ALL=C sort | md5sum)"
check "every request's signature is the HMAC-SHA256 of its body with the secret" \
	"$(HOOK_SECRET=$secret json_lines "$work/hooks.log" "__import__('hmac').compare_digest(r['headers']['x-journey-signature'], 'sha256=' + __import__('hmac').new(__import__('os').environ['HOOK_SECRET'].encode(), r['body'].encode(), 'sha256').hexdigest()) or None" | wc -l)" \
	"$n"
check "a wrong key would not verify" \
	"$(json_lines "$work/hooks.log" "__import__('hmac').compare_digest(r['headers']['x-journey-signature'], 'sha256=' + __import__('hmac').new(b'other', r['body'].encode(), 'sha256').hexdigest()) or None" | wc -l)" \
	0
check "the envelope: id, user_id, channel, template, dedup_key = Idempotency-Key, payload.data rendered" \
	"$(json_lines "$work/hooks.log" "(lambda b: (b['dedup_key'] == r['headers']['idempotency-key'] and b['channel'] == 'webhook' and b['template'] == 'order_placed' and b['journey'] == 'wh_order' and b['payload']['data']['order'] == 'ord-' + b['user_id'][1:] and b['payload']['to'] == 'https://hooks.example.com/' + b['user_id'] and isinstance(b['id'], int)) or None)(__import__('json').loads(r['body']))" | wc -l)" \
	"$n"
check "every request was a POST to the configured path with Content-Type application/json" \
	"$(json_lines "$work/hooks.log" "(r['path'], r['headers']['content-type'])" | sort -u)" "('/orders', 'application/json')"
check "rows acked once each (attempts 1, no error)" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE status = 'sent' AND attempts = 1 AND last_error IS NULL")" "$n"
if poll 5 "SELECT count(*) = $n FROM journey.events WHERE name = 'webhook_delivered'"; then
	ok "report => journey.report_delivery: $n webhook_delivered events"
else
	not_ok "report => $n webhook_delivered events" "$(q "SELECT count(*) FROM journey.events WHERE name = 'webhook_delivered'")"
fi
check "the event's props are the provider's answer and the row's facts" \
	"$(q "SELECT count(*) FROM journey.events e JOIN journey.outbox o ON o.id = (e.props->>'outbox_id')::bigint
	      WHERE e.name = 'webhook_delivered' AND e.props->>'provider_id' LIKE 'p-%' AND e.props->>'accepted' = 'true'
	        AND e.props->>'template' = 'order_placed' AND e.user_id = o.user_id")" "$n"
check "the waiting instances resumed on webhook_delivered and completed" \
	"$(q "SELECT status || ' ' || exit_reason || ' ' || count(*) FROM journey.instances GROUP BY status, exit_reason")" "completed completed $n"

kill -TERM "$sender_pid"
wait "$sender_pid"
check "SIGTERM: the sender exits 0" "$?" 0
check "it says it stopped, with its totals" "$(grep -c "stopped: claimed $n sent $n retried 0 dead 0 released 0 reported $n" "$work/sender1.log")" 1

# A row deferred to later gets no NOTIFY when it falls due: the poll finds it.
sender_bg "$work/sender2.log" --webhook "webhook=http://127.0.0.1:$http_port/orders" --poll 0.5
sleep 0.3
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                               created_at, available_at)
   VALUES ('wh_order', 1, 'hook', 0, 'late', 'webhook', 'order_placed', '{\"to\": \"x\"}', 'deferred:hook:1',
           now(), clock_timestamp() + interval '1 second')" >/dev/null
if poll 6 "SELECT status = 'sent' FROM journey.outbox WHERE dedup_key = 'deferred:hook:1'"; then
	ok "a row deferred by 1 s (no NOTIFY when due) is sent by the poll"
else
	not_ok "a deferred row is sent by the poll" "$(q "SELECT status, available_at, now() FROM journey.outbox WHERE dedup_key = 'deferred:hook:1'")"
fi
kill -INT "$sender_pid"
wait "$sender_pid"
check "SIGINT: exit 0 as well" "$?" 0
fault_finish
