# Workload 5 — the peer, graphile-worker (target: our advance rate ≥ 20x its tuned jobs/s).
#
# Measures: our rate is workload 3's run_due steps/s (measured once here when workload 3 did not run).
# Baseline: graphile-worker on the same cluster (bench/peer): N add_to_cart rows into bench.gw_events,
# whose statement-level trigger enqueues one job per row with graphile_worker.add_jobs (timed vs a bare
# insert); then its worker (concurrency 24) runs the cart step as one SQL statement per job (checkout
# since entry, push if reachable, e-mail), writing bench.gw_outbox. Jobs/s from the first job's start to
# the empty queue, with defaults and tuned (local queue of 500, completion batched 10 ms); once with a
# task doing nothing, for the queue's own ceiling.

workload_5() {
	say "== workload 5: the peer, graphile-worker $(jq -r .version bench/peer/node_modules/graphile-worker/package.json 2>/dev/null || echo '?')"
	if [ -z "$ours_rate" ]; then	# our advance rate, measured once when workload 3 did not run
		scheduler off
		setup_due
		timed "SELECT journey.run_due($T3)"
		ours_rate=$(calc "$N * 1000 / $T_MS" 0)
		detail "w5 our advance rate (one run of workload 3's run_due): $ours_rate steps/s"
	fi
	if (cd bench/peer && node peer.js migrate) >>"$log" 2>&1 && qf -f bench/peer/setup.sql; then
		scheduler off
		enq_t="" bare_t=""
		declare -A gw_t=([defaults]="" [tuned]="" [tuned-noop]="")
		gw_run() {	# gw_run MODE: N jobs enqueued by the trigger, then worked off; appends jobs/s to gw_t[MODE]
			local res
			reset_state
			q "TRUNCATE bench.gw_events, bench.gw_outbox, graphile_worker._private_jobs" >/dev/null
			q "CHECKPOINT" >/dev/null
			timed "$(ins_events bench.bare_events add_to_cart "now()")"
			bare_t="$bare_t $T_MS"
			q "CHECKPOINT" >/dev/null
			timed "$(ins_events bench.gw_events add_to_cart "now()")"
			enq_t="$enq_t $T_MS"
			[ -z "$T_ERR" ] || { say "   graphile-worker enqueue: $T_ERR"; exit 1; }
			q "SET session_replication_role = replica; $(ins_events bench.gw_events checkout "now()" "WHERE g % 10 = 0")" >/dev/null
			vacuum_all
			q "VACUUM ANALYZE graphile_worker._private_jobs" >/dev/null
			res=$(cd bench/peer && node peer.js work "$1" "$N" 2>>"$log" | tail -n1)
			note "   $res; outbox $(q "SELECT count(*) FROM bench.gw_outbox") rows"
			gw_t[$1]="${gw_t[$1]} $(echo "$res" | jq -r '.jobs_per_s | floor')"
		}
		for ((r = 0; r < REPEAT; r++)); do
			for mode in $(rotate $r defaults tuned); do gw_run "$mode"; done
		done
		gw_run tuned-noop	# once: the queue's own ceiling, for reference
		gw_def=$(median ${gw_t[defaults]}); gw_tuned=$(median ${gw_t[tuned]})
		enq=$(median $enq_t); bare=$(median $bare_t)
		detail "w5 graphile-worker jobs/s, runs: defaults${gw_t[defaults]}; tuned (local queue ${BENCH_GW_LOCAL_QUEUE:-500}, completion batched ${BENCH_GW_COMPLETE_DELAY:-10} ms)${gw_t[tuned]}; tuned with a task doing nothing${gw_t[tuned-noop]}; concurrency ${BENCH_GW_CONCURRENCY:-24}"
		detail "w5 enqueue from a statement-level trigger (graphile_worker.add_jobs) ms, runs:$enq_t; bare:$bare_t"
		row 5 "peer: our advance rate vs graphile-worker, tuned (steps or jobs per s)" "$(fmt_int "$ours_rate")/s" "$(fmt_int "$gw_tuned")/s" "$(calc "$ours_rate / $gw_tuned" 1)x" "≥ 20x" "$(verdict "$(calc "$ours_rate / $gw_tuned")" '>=' 20)"
		row 5 "  graphile-worker with its defaults (jobs/s)" "$(fmt_int "$ours_rate")/s" "$(fmt_int "$gw_def")/s" "$(calc "$ours_rate / $gw_def" 1)x" "-" "info"
		row 5 "  graphile-worker tuned, task doing nothing (jobs/s, one run)" "$(fmt_int "$ours_rate")/s" "$(fmt_int "${gw_t[tuned-noop]}")/s" "$(calc "$ours_rate / ${gw_t[tuned-noop]}" 1)x" "-" "info"
		row 5 "  its enqueue: statement trigger + add_jobs vs bare insert (ms)" "$(calc "$enq" 0) ms" "$(calc "$bare" 0) ms" "$(calc "$enq / $bare")x" "-" "info"
	else
		say "   graphile-worker could not be installed or run (see bench/out/bench.log)"
		row 5 "peer: graphile-worker" "-" "-" "-" "≥ 20x" "not run: graphile-worker unavailable"
	fi
}
