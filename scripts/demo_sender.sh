#!/usr/bin/env bash
# make demo, last part: journey-sender delivers the demo's outbox to local peers — e-mails to an SMTP sink
# (python3-aiosmtpd), webhooks to an HTTP sink (python3) — and the webhook's answers come back as
# webhook_delivered events that a waiting journey advances on. Run by scripts/demo.sh on the demo cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(scripts/cluster.sh env demo)"
py=/usr/bin/python3
work=$PGHOST/sender-demo
rm -rf "$work"
mkdir -p "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

wait_port() { for _ in $(seq 1 100); do [ -s "$1" ] && { cat "$1"; return 0; }; sleep 0.1; done; return 1; }
"$py" test/sinks/http_sink.py --port-file "$work/http.port" --log "$work/http.log" \
	--respond '{"provider_id": "hook-{n}", "accepted": true}' &
pids+=($!)
"$py" test/sinks/smtp_sink.py --port-file "$work/smtp.port" --log "$work/smtp.log" &
pids+=($!)
http_port=$(wait_port "$work/http.port")
smtp_port=$(wait_port "$work/smtp.port")

echo "== journey-sender: e-mails to an SMTP sink on 127.0.0.1:$smtp_port, webhooks to an HTTP sink on 127.0.0.1:$http_port"
psql -Xq -v ON_ERROR_STOP=1 <<'SQL'
-- A stored template gives the cart e-mails a subject and a body.
INSERT INTO journey.templates (name, channel, subject, body)
VALUES ('cart_similar', 'email', 'Still thinking about it?', E'Hello,\nthe items in your cart are waiting for you.\nThe shop')
ON CONFLICT DO NOTHING;
-- Orders go to the fulfilment partner's webhook; its answer (report_delivery) is the event webhook_delivered,
-- on which the journey confirms the order in the app.
SELECT journey.define($j${
  "name": "order_webhook",
  "trigger": {"event": "order_placed"},
  "start": "notify_partner",
  "nodes": {
    "notify_partner": {"send": {"channel": "webhook", "template": "order_placed",
                                "data": {"order": "{{event.order}}", "total": "{{event.total}}"}}, "next": "await_partner"},
    "await_partner":  {"wait_for": {"event": "webhook_delivered"}, "timeout": "30 seconds",
                       "on_event": "confirm", "on_timeout": "done"},
    "confirm":        {"send": {"channel": "in_app", "template": "order_confirmed"}, "next": "done"},
    "done":           {"exit": "completed"}
  }}$j$, publish => true) AS order_webhook_version \gset
SELECT count(journey.set_contact('user' || i, 'webhook', 'https://partner.example/orders')) AS webhook_contacts,
       count(journey.set_contact('user' || i, 'in_app', 'user' || i)) AS in_app_contacts
  FROM generate_series(1, 20) i;
SELECT count(journey.track('user' || i, 'order_placed', jsonb_build_object('order', 'ORD-' || (1000 + i), 'total', 10 * i)))
       AS orders
  FROM generate_series(1, 20) i;
SQL

sender=$top/journey-sender
"$sender" --webhook "webhook=http://127.0.0.1:$http_port/orders" --channel webhook.secret=demo-secret \
	--channel webhook.report=true \
	--smtp "email=smtp://127.0.0.1:$smtp_port" --channel 'email.from=Demo Shop <shop@demo.example>' \
	--channel 'email.list_unsubscribe=<https://demo.example/unsubscribe?u={user_id}>' --progress 1 \
	2>"$work/sender.log" &
sender_pid=$!
pids+=($sender_pid)
for _ in $(seq 1 100); do
	left=$(psql -XAtc "SELECT count(*) FROM journey.outbox WHERE channel IN ('email', 'webhook') AND status IN ('pending', 'claimed')
	                     AND available_at <= now()")
	[ "$left" -eq 0 ] && break
	sleep 0.2
done
kill -TERM "$sender_pid"
rc=0
wait "$sender_pid" || rc=$?
echo "-- the sender's log (SIGTERM: exit $rc)"
sed 's/^/   /' "$work/sender.log"

echo "-- the SMTP sink received $(wc -l <"$work/smtp.log") e-mails; one from a stored template:"
"$py" - "$work/smtp.log" <<'PY'
import json, sys
mails = [json.loads(line) for line in open(sys.argv[1])]
if not mails:
    sys.exit(0)
r = next((m for m in mails if " " in m["subject"]), mails[0])
for h in ("from", "to", "subject", "message-id", "x-journey-dedup-key", "list-unsubscribe"):
    print("   %s: %s" % (h.title(), r["headers"].get(h)))
print("   " + r["body"].strip().replace("\n", "\n   "))
PY
echo "-- the HTTP sink received $(wc -l <"$work/http.log") webhooks; the first (its signature checked with the secret):"
"$py" - "$work/http.log" <<'PY'
import hashlib, hmac, json, sys
line = open(sys.argv[1]).readline()
if not line:
    sys.exit(0)
r = json.loads(line)
sig = "sha256=" + hmac.new(b"demo-secret", r["body"].encode(), hashlib.sha256).hexdigest()
print("   POST %s  Idempotency-Key: %s  X-Journey-Signature valid: %s" % (
    r["path"], r["headers"]["idempotency-key"], hmac.compare_digest(sig, r["headers"]["x-journey-signature"])))
print("   " + r["body"])
PY
psql -X <<'SQL'
\echo '== the outbox after the sender: e-mails and webhooks by status'
SELECT channel, status, count(*) FROM journey.outbox WHERE channel IN ('email', 'webhook') GROUP BY 1, 2 ORDER BY 1, 2;
\echo '== delivery reports flowing back: webhook_delivered events carry the partner''s answer'
SELECT user_id, name, props->>'provider_id' AS provider_id, props->>'template' AS template
  FROM journey.events WHERE name = 'webhook_delivered' ORDER BY id LIMIT 3;
\echo '== order_webhook: each instance waited for webhook_delivered, then confirmed the order in the app'
SELECT i.status, i.exit_reason, count(*) AS instances,
       count(o.id) AS in_app_confirmations
  FROM journey.instances i
  LEFT JOIN journey.outbox o ON o.instance_id = i.id AND o.template = 'order_confirmed'
 WHERE i.journey = 'order_webhook' GROUP BY 1, 2;
SQL
