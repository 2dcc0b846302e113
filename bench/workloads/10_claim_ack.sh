# Workload 10 — the sender protocol in the database: claim + ack with 4 concurrent claimers (issue 14).
#
# Measures: BENCH_CLAIM_N (200,000) pending rows of one channel in journey.outbox, drained by pgbench with 4
# clients running bench/claim_ack.pgbench (journey.claim of 100 rows with a 10-minute lease, committed; then
# journey.ack of those ids with the lease, committed) until none is left: rows/s from the wall time.
# Checks: every row sent, each exactly once: attempts = 1 everywhere (a row handed out twice inside its lease
# would have been claimed twice, attempts 2), one lease per claim, the acks' count = the rows.
# Baseline: the same with 1 client (the ratio is how 4 claimers scale over SKIP LOCKED).

claim_rows() {	# claim_rows COUNT: COUNT pending rows of channel bench_claim, a fresh table's statistics
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<SQL
DELETE FROM journey.outbox WHERE channel = 'bench_claim';
INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                            created_at, available_at)
SELECT 'bench_claim', 1, 'send', g, 'u' || g, 'bench_claim', 'tpl', jsonb_build_object('to', 'u' || g || '@example.com'),
       'bc' || g || ':send:1', now() - interval '1 hour', now() - interval '1 hour'
  FROM generate_series(1, $1) g;
VACUUM ANALYZE journey.outbox;
CHECKPOINT;
SQL
}

workload_10() {
	local n=${BENCH_CLAIM_N:-200000}
	say "== workload 10: claim + ack of $n outbox rows, 4 claimers vs 1"
	local -A t=([4]="" [1]="")
	local r c ok_all=1
	for ((r = 0; r < REPEAT; r++)); do
		for c in $(rotate $r 4 1); do
			claim_rows "$n"
			# Enough rounds for every client to drain its share, and more (an empty claim costs little).
			local rounds=$(((n / 100 + c - 1) / c + 20)) start end
			start=$(date +%s%N)
			pgbench -n -c "$c" -j "$c" -t "$rounds" -f bench/claim_ack.pgbench >>"$log" 2>&1 ||
				{ say "   pgbench failed (see bench/out/bench.log)"; ok_all=0; }
			end=$(date +%s%N)
			local checked
			checked=$(q "SELECT count(*) FILTER (WHERE status = 'sent') || ' ' || count(*) FILTER (WHERE attempts <> 1) || ' '
			               || count(DISTINCT lease_id) FROM journey.outbox WHERE channel = 'bench_claim'")
			read -r sent twice leases <<<"$checked"
			detail "w10 $c claimer(s), run $r: $sent of $n sent, $twice claimed more than once, $leases leases, $(calc "($end - $start) / 1e6" 0) ms"
			[ "$sent" = "$n" ] && [ "$twice" = 0 ] || ok_all=0
			t[$c]="${t[$c]} $(calc "$n / (($end - $start) / 1e9)" 0)"
		done
	done
	local four one
	four=$(median ${t[4]}); one=$(median ${t[1]})
	detail "w10 claim + ack rows/s, runs: 4 claimers${t[4]}; 1 claimer${t[1]}"
	row 10 "claim + ack of $(fmt_int "$n") rows, 4 claimers vs 1 (rows/s)" "$(fmt_int "$four")/s" "$(fmt_int "$one")/s" \
		"$(calc "$four / $one")x" "each row once" "$([ $ok_all = 1 ] && echo PASS || echo "MISS: a row sent twice or not at all")"
	q "DELETE FROM journey.outbox WHERE channel = 'bench_claim'" >/dev/null
}
