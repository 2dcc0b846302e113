# Workload 13 — what journey.user_history costs the hot paths, and how fast SPEC §8's reports are (issue 15;
# targets: ingest and run_due with history kept — journey.history = steps, the default — at most 10 % slower
# than with it off, ≤ 1.10x; journey.summary, node_stats and split_report over 1,000,000 instances under 1 s each).
#
# Measures (history): the ingest of N add_to_cart events (statements of 5,000 rows) entering the cart journey,
# and journey.run_due over workload 3's N due cart instances (10 % checked out, push and e-mail to the others),
# each with journey.history = steps: the engine appends the step's history lines (JSON text) to the instance row
# it writes anyway — no other row, no other index.
# Baseline (history): the same statements with journey.history = off in the same session (the same rows are
# written, without the history column's lines).
# Checks: with steps every instance has history lines and with off none of the ingest's; the outbox is the same.
#
# Measures (reports): journey.summary, node_stats and split_report, each the median of 3 calls, over
# BENCH_W13_INSTANCES (default 1,000,000) instances of a journey with a 50/50 split (arm a sends an e-mail),
# 10 % of them converted, 100,000 delivery reports. No baseline: the target is absolute (< 1,000 ms).

# BENCH_W13_PARTS=history or reports runs one half (default both).
W13_INSTANCES=${BENCH_W13_INSTANCES:-1000000}
W13_PARTS=${BENCH_W13_PARTS:-history,reports}

workload_13() {
	say "== workload 13: history kept vs off (ingest and run_due of $N), and §8's reports over $W13_INSTANCES instances"
	scheduler off
	[[ ",$W13_PARTS," == *",history,"* ]] && w13_history
	[[ ",$W13_PARTS," == *",reports,"* ]] && w13_reports
	return 0
}

w13_history() {
	local -A t=([ingest_off]="" [ingest_steps]="" [due_off]="" [due_steps]="")
	local r v lines written outbox_off="" outbox_steps=""
	for ((r = 0; r < REPEAT; r++)); do
		for v in $(rotate $r off steps); do
			reset_state
			ins_chunks "$out/w13.sql" journey.events add_to_cart "$T0"
			sed -i "1i SET journey.history = $v;" "$out/w13.sql"
			q "CHECKPOINT" >/dev/null
			timed_chunks "$out/w13.sql"
			[ -z "$T_ERR" ] || { say "   ingest $v: $T_ERR"; exit 1; }
			t[ingest_$v]="${t[ingest_$v]} $T_MS"
			lines=$(q "SELECT count(*) FILTER (WHERE history IS NOT NULL) || ' of ' || count(*) FROM journey.instance")
			note "   ingest with history $v: $lines instances keep lines"
			if [ "$v" = off ]; then [ "${lines%% *}" = 0 ] || say "   warning: history off, yet $lines instances keep lines"
			else [ "${lines%% *}" = "$N" ] || say "   warning: history kept, yet only $lines instances keep lines"; fi
		done
		for v in $(rotate $r off steps); do
			setup_due
			q "CHECKPOINT" >/dev/null
			timed "SET journey.history = $v; SELECT journey.run_due($T3)"
			[ -z "$T_ERR" ] || { say "   run_due $v: $T_ERR"; exit 1; }
			t[due_$v]="${t[due_$v]} $T_MS"
			written=$(q "SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE status = 'pending') || ' pending' FROM journey.outbox")
			if [ "$v" = off ]; then outbox_off=$written; else outbox_steps=$written; fi
		done
	done
	[ "$outbox_off" = "$outbox_steps" ] || say "   warning: the outboxes differ: off $outbox_off, steps $outbox_steps"
	note "   history kept: $(q "SELECT pg_size_pretty(sum(pg_column_size(history))) || ' of lines in ' || count(history) || ' instances' FROM journey.instance")"
	local off steps
	off=$(median ${t[ingest_off]}); steps=$(median ${t[ingest_steps]})
	detail "w13 ingest ms, runs: history kept${t[ingest_steps]}; off${t[ingest_off]}"
	row 13a "ingest of N with history kept vs off (ms)" "$(calc "$steps" 0) ms" "$(calc "$off" 0) ms" \
		"$(calc "$steps / $off")x" "≤ 1.10x" "$(verdict "$(calc "$steps / $off")" '<=' 1.10)"
	off=$(median ${t[due_off]}); steps=$(median ${t[due_steps]})
	detail "w13 run_due ms, runs: history kept${t[due_steps]}; off${t[due_off]}; outbox: $outbox_steps"
	row 13b "run_due of N with history kept vs off (ms)" "$(calc "$steps" 0) ms" "$(calc "$off" 0) ms" \
		"$(calc "$steps / $off")x" "≤ 1.10x" "$(verdict "$(calc "$steps / $off")" '<=' 1.10)"
}

w13_reports() {	# the reports over a large journey
	reset_state
	q "TRUNCATE journey.outbox_rollup, journey.visit_rollup, journey.delivery_reports, journey.delivery_rollup, journey.refusals" >/dev/null
	q "SELECT journey.define('{\"name\": \"w13_ab\", \"trigger\": {\"event\": \"w13_go\"}, \"entry\": {\"max_event_age\": \"1000 days\"},
	     \"goal\": {\"event\": \"w13_buy\", \"within\": \"7 days\"}, \"start\": \"ab\",
	     \"nodes\": {\"ab\": {\"split\": [{\"label\": \"a\", \"percent\": 50, \"next\": \"mail\"}, {\"label\": \"b\", \"percent\": 50, \"next\": \"w\"}]},
	                 \"mail\": {\"send\": {\"channel\": \"email\", \"template\": \"w13\"}, \"next\": \"w\"},
	                 \"w\": {\"wait\": \"30 days\", \"next\": \"done\"}, \"done\": {\"exit\": \"completed\"}}}', true)" >/dev/null
	enrol journey.events w13_go "$T0" "" "$W13_INSTANCES"
	q "INSERT INTO journey.conversions (user_id, instance_id, journey, version, converted_at, event)
	   SELECT i.user_id, i.id, 'w13_ab', 1, $T0 + interval '1 day', 'w13_buy' FROM journey.instance i
	    WHERE i.journey_id = (SELECT id FROM journey.journeys WHERE name = 'w13_ab') AND i.id % 10 = 0" >/dev/null
	q "INSERT INTO journey.delivery_reports (outbox_id, status, reported_at, journey, version, node, channel)
	   SELECT o.id, s, $T0 + interval '1 hour', o.journey, o.version, o.node, o.channel
	     FROM (SELECT * FROM journey.outbox WHERE journey = 'w13_ab' LIMIT 50000) o, unnest(ARRAY['delivered', 'opened']) s" >/dev/null
	vacuum_all
	q "VACUUM ANALYZE journey.conversions, journey.delivery_reports" >/dev/null
	local f k ms id
	for f in summary node_stats split_report; do
		case $f in summary) id=13c ;; node_stats) id=13d ;; *) id=13e ;; esac
		ms=""
		for ((k = 0; k < 3; k++)); do
			timed "SELECT count(*) FROM journey.$f('w13_ab')"
			[ -z "$T_ERR" ] || { say "   $f: $T_ERR"; exit 1; }
			ms="$ms $T_MS"
		done
		detail "w13 journey.$f over $W13_INSTANCES instances, ms:$ms ($(q "SELECT count(*) FROM journey.$f('w13_ab')") rows)"
		row "$id" "journey.$f over $(fmt_int "$W13_INSTANCES") instances (ms)" "$(calc "$(median $ms)" 0) ms" "—" "—" \
			"< 1,000 ms" "$(verdict "$(median $ms)" '<' 1000)"
	done
	note "   w13 split_report: $(q "SELECT string_agg(label || ' ' || entered || '/' || converted || ' p=' || coalesce(p_value::text, '-'), '; ') FROM journey.split_report('w13_ab')")"
}
