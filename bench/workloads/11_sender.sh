# Workload 11 — journey-sender to a local webhook sink (issue 14; target: ≥ 2,000 messages/s).
#
# Measures: BENCH_SENDER_N (50,000) pending rows of channel webhook, delivered by `journey-sender --once`
# (this checkout's build; batches of 200, 16 deliveries at once over keep-alive connections, HMAC signature
# on) to test/sinks/http_sink.py on 127.0.0.1 (python3 ThreadingHTTPServer, answering 200, counting):
# messages/s from the wall time of the sender, start to exit. Checks: every row sent, the sink counted each.
# No baseline: the target is absolute.

workload_11() {
	local n=${BENCH_SENDER_N:-50000}
	say "== workload 11: journey-sender --once, $n webhooks to a local HTTP sink"
	make -s journey-sender >>"$log" 2>&1 || { say "   journey-sender does not build"; exit 1; }
	local runs="" r ok_all=1 sink port start end
	for ((r = 0; r < REPEAT; r++)); do
		psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<SQL
DELETE FROM journey.outbox WHERE channel = 'webhook';
INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                            created_at, available_at)
SELECT 'bench_sender', 1, 'hook', g, 'u' || g, 'webhook', 'order_placed',
       jsonb_build_object('to', 'https://partner.example/orders', 'data', jsonb_build_object('order', 'ORD-' || g, 'total', g % 100)),
       'bs' || g || ':hook:1', now() - interval '1 hour', now() - interval '1 hour'
  FROM generate_series(1, $n) g;
VACUUM ANALYZE journey.outbox;
CHECKPOINT;
SQL
		rm -f "$out/sink.port" "$out/sink.count"
		/usr/bin/python3 test/sinks/http_sink.py --port-file "$out/sink.port" --count-file "$out/sink.count" &
		sink=$!
		for _ in $(seq 1 100); do [ -s "$out/sink.port" ] && break; sleep 0.1; done
		port=$(cat "$out/sink.port")
		start=$(date +%s%N)
		./journey-sender --once --progress 0 --webhook "webhook=http://127.0.0.1:$port/hook" \
			--channel webhook.secret=bench-secret >>"$log" 2>&1 || { say "   journey-sender failed"; ok_all=0; }
		end=$(date +%s%N)
		kill "$sink"
		wait "$sink" 2>/dev/null || true
		local sent got
		sent=$(q "SELECT count(*) FROM journey.outbox WHERE channel = 'webhook' AND status = 'sent' AND attempts = 1")
		got=$(cat "$out/sink.count" 2>/dev/null || echo 0)
		detail "w11 run $r: $sent of $n sent, the sink counted $got, $(calc "($end - $start) / 1e6" 0) ms"
		[ "$sent" = "$n" ] && [ "$got" = "$n" ] || ok_all=0
		runs="$runs $(calc "$n / (($end - $start) / 1e9)" 0)"
	done
	local rate
	rate=$(median $runs)
	detail "w11 journey-sender messages/s, runs:$runs"
	row 11 "journey-sender --once: $(fmt_int "$n") webhooks to a local sink (messages/s)" "$(fmt_int "$rate")/s" "-" "-" "≥ 2,000/s" \
		"$([ $ok_all = 1 ] && verdict "$rate" '>=' 2000 || echo "MISS: not every message delivered once")"
	q "DELETE FROM journey.outbox WHERE channel = 'webhook' AND journey = 'bench_sender'" >/dev/null
}
