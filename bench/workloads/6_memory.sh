# Workload 6 — memory and size (targets: ≤ 250 B per active instance; RSS flat within 10%).
#
# Measures: pg_total_relation_size of pg_journey's instance tables / active instances (after workload
# 3's set-up, vacuumed), next to the naive table's (bench.naive_instance); the scheduler's RSS
# (/proc/PID/status of the pg_journey scheduler backend) after a warm-up and after rounds of N steps; a
# backend's RSS over BENCH_TRIGGER_CALLS page_view trigger calls after a warm-up of 200,000.
# Baseline: a backend doing the same into the PL/pgSQL trigger's table (bench.pl_events). Judged on
# RssAnon (private memory): VmRSS also counts the pages of shared_buffers the process touched, which
# grow with the data it reads.

rss() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }	# rss PID VmRSS|RssAnon: kB

workload_6() {
	say "== workload 6: memory and size"
	if [ -z "$instance_bytes" ]; then
		scheduler off
		setup_due
		measure_sizes
	fi
	row 6 "bytes per active cart instance (table + indexes)" "$instance_bytes B" "$naive_bytes B" "$(calc "$instance_bytes / $naive_bytes")x" "≤ 250 B" "$(verdict "$instance_bytes" '<=' 250)"

	# The scheduler: RSS after a warm-up of min(N, 10,000) steps, then after each of ROUNDS rounds of N
	# steps on the real clock (N users due in the same second, as in workload 4).
	rounds=${BENCH_SCHED_ROUNDS:-2}
	sched_round() {	# sched_round COUNT: COUNT steps by the scheduler
		local lead=$((5 + $1 / 5000)) d
		reset_state
		until d=$(burst_due "$1" "$lead"); do lead=$((lead * 2)); reset_state; done
		wait_outbox "$(($1 + $1 / 2))" $(($1 / 1000 + 120)) || say "   warning: the scheduler did not finish"
		sleep 1
	}
	scheduler on
	pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler' ORDER BY pid LIMIT 1")
	sched_round $((N < 10000 ? N : 10000))
	rss0=$(rss "$pid" VmRSS); anon0=$(rss "$pid" RssAnon)
	anons="$anon0" rsss="$rss0"
	for ((k = 1; k <= rounds; k++)); do
		sched_round "$N"
		anons="$anons → $(rss "$pid" RssAnon)"; rsss="$rsss → $(rss "$pid" VmRSS)"
	done
	pid2=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler' ORDER BY pid LIMIT 1")
	[ "$pid2" = "$pid" ] || say "   warning: the scheduler restarted during the run ($pid → $pid2)"
	rss1=$(rss "$pid" VmRSS); anon1=$(rss "$pid" RssAnon)
	scheduler off
	g=$(pct "($anon1 - $anon0) * 100 / $anon0")
	gv=$(pct "($rss1 - $rss0) * 100 / $rss0")
	detail "w6 scheduler (pid $pid) after a warm-up of $((N < 10000 ? N : 10000)) steps, then after each round of $N steps: RssAnon $anons kB; VmRSS $rsss kB"
	row 6 "scheduler private RSS (RssAnon) over $(fmt_int $((N * rounds))) steps" "$anon0 → $anon1 kB" "-" "$g%" "≤ +10%" "$(verdict "$g" '<=' 10)"
	row 6 "  its VmRSS (counts the shared buffers it touched)" "$rss0 → $rss1 kB" "-" "$gv%" "-" "info"

	# A backend: its RSS after a warm-up of two statements of 100,000 page_view inserts (glibc keeps
	# the second statement's after-trigger queue: a one-time step, the same with a PL/pgSQL trigger),
	# then after TRIGGER_CALLS more trigger calls in statements of 100,000; the same for a backend
	# inserting into the PL/pgSQL baseline's table. RssAnon after every statement goes to the log.
	backend_rss() {	# backend_rss TABLE: prints "VmRSS0 RssAnon0 VmRSS1 RssAnon1" (kB)
		local batch=100000 k o status="substring(pg_read_file('/proc/' || pg_backend_pid() || '/status')"
		for ((k = 0; k < 2 + TRIGGER_CALLS / batch; k++)); do
			echo "INSERT INTO $1 (user_id, name, props, occurred_at) SELECT 'u' || (g % $N + 1), 'page_view', '{\"path\": \"/\"}', $T0 FROM generate_series(1, $batch) g;"
			echo "SELECT 'rss', $status FROM 'VmRSS:\\s+(\\d+)'), $status FROM 'RssAnon:\\s+(\\d+)');"
		done >"$out/backend_rss.sql"
		o=$(psql -XAtq -v ON_ERROR_STOP=1 -f "$out/backend_rss.sql" | grep '^rss|')
		note "   $1: RssAnon after each statement of $batch: $(echo "$o" | cut -d'|' -f3 | tr '\n' ' ')"
		echo $(echo "$o" | sed -n '2p;$p' | cut -d'|' -f2,3 | tr '|' ' ')
	}
	reset_state
	read -r brss0 banon0 brss1 banon1 < <(backend_rss journey.events)
	read -r prss0 panon0 prss1 panon1 < <(backend_rss bench.pl_events)
	g=$(pct "($banon1 - $banon0) * 100 / $banon0")
	gp=$(pct "($panon1 - $panon0) * 100 / $panon0")
	gv=$(pct "($brss1 - $brss0) * 100 / $brss0")
	detail "w6 backend over $TRIGGER_CALLS page_view trigger calls after a warm-up of 200,000: VmRSS $brss0 → $brss1 kB, RssAnon $banon0 → $banon1 kB; PL/pgSQL trigger's backend: VmRSS $prss0 → $prss1 kB, RssAnon $panon0 → $panon1 kB"
	row 6 "backend private RSS (RssAnon) over $(fmt_int "$TRIGGER_CALLS") trigger calls" "$banon0 → $banon1 kB" "$panon0 → $panon1 kB" "$g% (base $gp%)" "≤ +10%" "$(verdict "$g" '<=' 10)"
	row 6 "  its VmRSS (counts the shared buffers it touched)" "$brss0 → $brss1 kB" "$prss0 → $prss1 kB" "$gv%" "-" "info"
	reset_state
}
