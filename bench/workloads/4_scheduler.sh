# Workload 4 — the scheduler on the real clock (no baseline: absolute targets).
#
# Measures: N users' instances made due in the same second D (events dated D − 2 h, enrolled before D);
# the time from D to the commit of the last outbox row (commit timestamps) must be ≤ N/50,000 s + 1 s.
# Then pgbench inserts 1,000 events/s for 10 s (bench/lag.pgbench, -R 1000 -T 10 -c 16) into a journey
# that sends after a 0-second wait (lag_bench: reentry always, in_app send); the lag of each event is
# its outbox row's commit timestamp minus its own: p50 ≤ 20 ms, p99 ≤ 100 ms.
#
# burst_due and wait_outbox are in bench/lib.sh (workload 6 uses them too).

workload_4() {
	say "== workload 4: the scheduler on the real clock"
	scheduler on
	limit_s=$(calc "$N / 50000 + 1" 2)
	expected=$((N + N / 2))	# every user e-mailed, every other one pushed
	lead=$((10 + N / 5000))
	burst_t="" first_t=""
	for ((r = 0; r < REPEAT; r++)); do
		reset_state
		q "CHECKPOINT" >/dev/null
		start=$(date +%s)
		d=$(burst_due "$N" "$lead") || true
		if [ -z "$d" ]; then
			say "   set-up took longer than the lead of $lead s: retrying with a longer one"
			lead=$((lead * 2)); r=$((r - 1)); continue
		fi
		lead=$(( ($(date +%s) - start) * 3 / 2 + 4 ))	# the next runs: 1.5x this set-up, plus margin
		wait_outbox "$expected" "$(calc "$limit_s * 10 + 60" 0)" || say "   warning: the outbox did not reach $expected rows"
		read -r last first < <(q "SELECT extract(epoch FROM max(pg_xact_commit_timestamp(xmin)) - to_timestamp($d)),
		                                 extract(epoch FROM min(pg_xact_commit_timestamp(xmin)) - to_timestamp($d))
		                            FROM journey.outbox" | tr '|' ' ')
		note "   burst: due at $(q "SELECT to_timestamp($d)"), first outbox commit +${first}s, last +${last}s, active left $(q "SELECT count(*) FROM journey.instances WHERE status = 'active'")"
		burst_t="$burst_t $last"; first_t="$first_t $first"
	done
	burst=$(median $burst_t)
	detail "w4 burst: seconds from the due time to the last outbox row's commit, runs:$burst_t (first row:$first_t)"
	row 4 "scheduler: $(fmt_int "$N") instances due in one second, all advanced (s)" "$(calc "$burst" 2) s" "-" "$(calc "$burst / $limit_s")" "≤ ${limit_s} s" "$(verdict "$burst" '<=' "$limit_s")"

	# Steady load: 1,000 events/s for 10 s (pgbench, rate-limited, 16 clients: with durable commits of
	# ~5 ms here, 4 clients cannot sustain the rate even without a trigger); each event enters a journey that
	# sends after a 0-second wait. Lag: the event's commit to its outbox row's commit.
	lag_def='{"name": "lag_bench", "trigger": {"event": "lag_ping"}, "entry": {"reentry": "always"}, "start": "wait",
	  "nodes": {"wait": {"wait": "0 seconds", "next": "send"},
	            "send": {"send": {"channel": "in_app", "template": "lag"}, "next": "done"}, "done": {"exit": "completed"}}}'
	[ -n "$(q "SELECT 1 FROM journey.journeys WHERE name = 'lag_bench'")" ] ||
		define "$lag_def"
	p50_t="" p99_t="" max_t="" tps_t=""
	for ((r = 0; r < REPEAT; r++)); do
		reset_state
		q "CHECKPOINT" >/dev/null
		pgbench -n -f bench/lag.pgbench -R 1000 -T 10 -c 16 -j 2 >"$out/pgbench.log" 2>&1 || { cat "$out/pgbench.log"; exit 1; }
		cat "$out/pgbench.log" >>"$log"
		sent=$(q "SELECT count(*) FROM journey.events WHERE name = 'lag_ping'")
		wait_outbox "$sent" 30 || say "   warning: $(q "SELECT count(*) FROM journey.outbox") outbox rows for $sent events"
		read -r p50 p99 pmax same < <(q "SELECT round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY lag))::numeric, 1),
		                                       round(1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY lag))::numeric, 1),
		                                       round(1000 * extract(epoch FROM max(lag))::numeric, 1),
		                                       count(*) FILTER (WHERE lag = interval '0')
		                                  FROM (SELECT pg_xact_commit_timestamp(o.xmin) - pg_xact_commit_timestamp(e.xmin) AS lag
		                                          FROM journey.events e JOIN journey.outbox o ON o.user_id = e.user_id
		                                         WHERE e.name = 'lag_ping') l" | tr '|' ' ')
		tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$out/pgbench.log" | head -n1)
		note "   lag run $r: $sent events ($tps/s), p50 $p50 ms, p99 $p99 ms, max $pmax ms, $same sent in the event's own transaction"
		p50_t="$p50_t $p50"; p99_t="$p99_t $p99"; max_t="$max_t $pmax"; tps_t="$tps_t $tps"
	done
	p50=$(median $p50_t); p99=$(median $p99_t)
	detail "w4 lag event commit → outbox commit (ms), runs: p50$p50_t; p99$p99_t; max$max_t; events/s$tps_t"
	row 4 "lag at 1,000 events/s, event commit → outbox commit, p50 (ms)" "$p50 ms" "-" "-" "≤ 20 ms" "$(verdict "$p50" '<=' 20)"
	row 4 "  same, p99 (ms)" "$p99 ms" "-" "-" "≤ 100 ms" "$(verdict "$p99" '<=' 100)"
	scheduler off
}
