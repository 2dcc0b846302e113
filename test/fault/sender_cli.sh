#!/usr/bin/env bash
# journey-sender as an init system sees it: --once drains every configured channel and exits 0; settings
# from a config file, the environment (JOURNEY_SENDER_*) and flags, flags first; exit 1 for a configuration
# error, 2 when the database cannot be reached within --reconnect, 3 when the database has no pg_journey;
# --help documents every option; progress lines.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$fault_top/test/sinks/sender_lib.sh"
cd "$fault_top"

sender_db sender_cli
q "INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                               created_at, available_at)
   SELECT 'cli', 1, 'n', i, 'u' || i, CASE WHEN i % 2 = 0 THEN 'webhook' ELSE 'sms' END, 't', '{\"to\": \"x\"}',
          i || ':n:1', now(), now()
     FROM generate_series(1, 400) i" >/dev/null
http_sink hooks
cat >"$work/sender.conf" <<CONF
# journey-sender settings
batch = 7
progress = 0.2
webhook.kind = webhook
webhook.url = http://127.0.0.1:1/not-this-one
sms.kind = exec
sms.command = cat >/dev/null
CONF
start=$(now_ms)
JOURNEY_SENDER_BATCH=100 "$sender_bin" --config "$work/sender.conf" --channel "webhook.url=http://127.0.0.1:$http_port/x" \
	--once 2>"$work/once.log"
check "--once over two channels exits 0" "$?" 0
note "--once drained 400 rows over a webhook and an exec channel in $(($(now_ms) - start)) ms"
check "every row of both channels is sent" "$(q "SELECT channel || ' ' || status || ' ' || count(*) FROM journey.outbox GROUP BY channel, status ORDER BY 1")" \
	"$(printf 'sms sent 200\nwebhook sent 200')"
check "the flag's url won over the config file's" "$(wc -l <"$work/hooks.log")" 200
check "the environment's batch won over the file's (claims of 100: 2 leases for 200 rows)" \
	"$(q "SELECT count(DISTINCT lease_id) FROM journey.outbox WHERE channel = 'webhook'")" 2
check_true "progress lines: claimed, sent, retried, dead, rate" grep -qE 'claimed [0-9]+ sent [0-9]+ retried 0 dead 0 released 0 reported 0 in [0-9.]+ s: [0-9.]+ sent/s' "$work/once.log"
check "the last line says drained, with the totals" "$(tail -1 "$work/once.log" | grep -o 'drained: claimed 400 sent 400')" "drained: claimed 400 sent 400"

q "UPDATE journey.outbox SET status = 'pending', available_at = now() + interval '1 hour'" >/dev/null
start=$(now_ms)
sender --once --webhook "webhook=http://127.0.0.1:$http_port/x" 2>/dev/null
check "--once with nothing available now exits 0 at once (rows due later are left)" \
	"$? $(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending'")" "0 400"
elapsed=$(($(now_ms) - start))
if [ "$elapsed" -lt 2000 ]; then ok "... in $elapsed ms"; else not_ok "--once returns at once" "$elapsed ms"; fi

sender --webhook "webhook=ftp://x" >/dev/null 2>"$work/e1"
check "exit 1: a webhook url that is not http(s)" "$? $(grep -c 'url must be http' "$work/e1")" "1 1"
sender --no-such-option 1 >/dev/null 2>"$work/e2"
check "exit 1: an unknown option" "$? $(grep -c 'unknown option --no-such-option' "$work/e2")" "1 1"
sender --once >/dev/null 2>"$work/e3"
check "exit 1: no channel" "$? $(grep -c 'no channel configured' "$work/e3")" "1 1"
sender --smtp "email=smtp://127.0.0.1:25" >/dev/null 2>"$work/e4"
check "exit 1: smtp without from" "$? $(grep -c 'from is required' "$work/e4")" "1 1"
sender --webhook "webhook=http://127.0.0.1:1/" --channel webhook.secret=env:SENDER_CLI_UNSET >/dev/null 2>"$work/e5"
check "exit 1: a secret from an unset variable" "$? $(grep -c 'SENDER_CLI_UNSET is not set' "$work/e5")" "1 1"
start=$(now_ms)
sender --db "host=$work/nowhere dbname=x" --reconnect 1 --webhook "webhook=http://127.0.0.1:1/" >/dev/null 2>"$work/e6"
check "exit 2: the database unreachable for --reconnect 1" "$? $(grep -c 'giving up' "$work/e6")" "2 1"
elapsed=$(($(now_ms) - start))
if [ "$elapsed" -lt 4000 ]; then ok "... after about a second ($elapsed ms)"; else not_ok "--reconnect 1" "$elapsed ms"; fi
sender --db "dbname=postgres" --webhook "webhook=http://127.0.0.1:1/" >/dev/null 2>"$work/e7"
check "exit 3: a database without pg_journey" "$?" 3
"$sender_bin" --help >"$work/help"
check "--help exits 0" "$?" 0
missing=
for opt in db batch lease concurrency poll reconnect backoff-base backoff-max once progress verbose config webhook smtp exec channel; do
	grep -q -- "--$opt" "$work/help" || missing="$missing $opt"
done
for key in kind url timeout concurrency body secret signature_header header report from user list_unsubscribe host insecure command; do
	grep -qE "^ +$key|, $key" "$work/help" || missing="$missing $key"
done
check "--help names every option and channel setting" "$missing" ""
check "--version" "$("$sender_bin" --version | grep -c '^journey-sender [0-9]')" 1
fault_finish
