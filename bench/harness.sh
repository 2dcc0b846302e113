# bench/harness.sh: the run around the workloads, sourced by scripts/bench.sh (nothing runs here):
# what is missing installed, the extension built and installed, the bench cluster started and set,
# pg_journey installed afresh in its database; at the end, the record appended to RESULTS.

# install_missing: dependencies, the packages the harness runs (pgbench, jq; Node and npm for
# workload 5), the build and install of the extension (unless BENCH_BUILD=0), the peer's npm install.
install_missing() {
	scripts/deps.sh
	extra=()
	command -v pgbench >/dev/null || extra+=(postgresql-client-15)
	command -v jq >/dev/null || extra+=(jq)
	if want 5; then
		command -v node >/dev/null || extra+=(nodejs)
		command -v npm >/dev/null || extra+=(npm)
	fi
	if [ ${#extra[@]} -gt 0 ]; then
		[ "$(id -u)" -eq 0 ] || { echo "bench: missing ${extra[*]} (run as root to install them)" >&2; exit 1; }
		say "bench: installing ${extra[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null
	fi
	if [ "$BUILD" = 1 ]; then
		say "bench: building and installing the extension"
		if ! { make -s -j2 >"$out/build.log" 2>&1 && make -s install >>"$out/build.log" 2>&1; }; then
			tail -n 40 "$out/build.log"
			echo "bench: build failed" >&2
			exit 1
		fi
	fi
	if want 5 && [ ! -d bench/peer/node_modules/graphile-worker ]; then
		say "bench: npm install (bench/peer)"
		(cd bench/peer && npm ci --no-audit --no-fund --loglevel=error >"$out/npm.log" 2>&1) ||
			(cd bench/peer && npm install --no-audit --no-fund --loglevel=error >>"$out/npm.log" 2>&1) ||
			say "bench: npm install failed (see bench/out/npm.log)"
	fi
}

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
restart_cluster() {
	as_pg "$pg_bindir/pg_ctl" -D "$data_dir" -l "$PGHOST/server.log" -m fast -w -t 60 restart >/dev/null
}
# start_cluster: the bench cluster, its settings for this run (commit timestamps, workers, profiling),
# and which library it runs (so_note).
start_cluster() {
	scripts/cluster.sh start bench
	eval "$(scripts/cluster.sh env bench)"
	export PGHOST PGPORT PGUSER PGDATABASE

	data_dir=$(q "SHOW data_directory")
	pg_bindir=$(pg_config --bindir)
	# Commit timestamps time workload 4 from commit to commit (reset by the next cluster.sh start).
	if [ "$(q "SHOW track_commit_timestamp")" != on ]; then
		q "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
		restart_cluster
	fi
	# The scheduler's workers (workloads 4 and 6): one per core unless BENCH_WORKERS says otherwise.
	WORKERS=${BENCH_WORKERS:-$(nproc)}
	[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_WORKERS is a number of workers" >&2; exit 2; }
	if [ "$(q "SHOW journey.workers")" != "$WORKERS" ]; then
		q "ALTER SYSTEM SET journey.workers = $WORKERS" >/dev/null
		restart_cluster
	fi
	# BENCH_PROFILE=1: pg_stat_statements (track = all: the statements the extension runs through SPI) is
	# loaded, and the statements of pg_journey's timed runs of workloads 1 and 3 go to RESULTS.md. It
	# slows every statement a little, the baselines' too: figures of such a run are marked.
	if [ "$PROFILE" = 1 ] && ! q "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
		q "ALTER SYSTEM SET shared_preload_libraries = pg_journey, pg_cron, pg_stat_statements" >/dev/null
		restart_cluster
	fi
	if [ "$PROFILE" = 1 ]; then
		q "ALTER SYSTEM SET pg_stat_statements.track = 'all'" >/dev/null
		q "SELECT pg_reload_conf()" >/dev/null
		q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
	fi
	# The cluster preloads the library as installed when it (re)started: make sure it is this build.
	so_note="installed extension as found"
	if [ "$BUILD" = 1 ]; then
		if cmp -s pg_journey.so "$(pg_config --pkglibdir)/pg_journey.so"; then
			so_note="extension built from this checkout"
		else
			so_note="WARNING: the installed pg_journey.so is not this checkout's build (another make install ran meanwhile)"
			echo "bench: $so_note" >&2
		fi
	fi
}

# install_afresh: pg_journey dropped and created again in the bench database, the bench schema and the
# PL/pgSQL baseline, the cart journey published; the scheduler off for the workloads.
install_afresh() {
	say "bench: installing pg_journey afresh in database $PGDATABASE"
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<'SQL'
DROP EXTENSION IF EXISTS pg_journey CASCADE;
DROP SCHEMA IF EXISTS journey CASCADE;
DROP SCHEMA IF EXISTS graphile_worker CASCADE;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION pg_journey;
SQL
	qf -f bench/setup.sql
	qf -f bench/baseline_plpgsql.sql
	cart_def=$(cat examples/cart_abandonment.json)
	define "$cart_def"
	scheduler off
}

# write_record: the section of this run appended to RESULTS (the table, then every figure).
write_record() {
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	changed=$(git status --porcelain 2>/dev/null | awk '{print $NF}' || true)
	if [ -z "$changed" ]; then
		tree=clean
	elif [ -z "$(echo "$changed" | grep -vE '^(bench/|scripts/bench\.sh$)' || true)" ]; then
		tree="dirty (bench harness only)"
	else
		tree="dirty ($(echo "$changed" | grep -vcE '^(bench/|scripts/bench\.sh$)') files outside the harness)"
	fi
	mem=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
	cpu=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n1)
	pgv=$(q "SHOW server_version")
	{
		echo
		echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — N = $(fmt_int "$N"), $([ "$REPEAT" = 1 ] && echo "one run" || echo "medians of $REPEAT runs")"
		echo
		echo "Machine: $(nproc) cores, $mem, $cpu. Commit $commit, tree $tree ($so_note). PostgreSQL $pgv (bench profile:"
		echo "durable settings, shared_buffers 2GB, track_commit_timestamp on, journey.workers $WORKERS$([ "$PROFILE" = 1 ] && echo ", PROFILED: pg_stat_statements loaded")). Workloads: $ONLY."
		echo
		echo "| # | workload | ours | baseline | ratio | target | result |"
		echo "|---|---|---|---|---|---|---|"
		printf '%s\n' "${rows[@]}"
		echo
		echo "Every figure:"
		echo
		printf '%s\n' "${details[@]}"
	} >>"$RESULTS"
	say "== bench: appended to ${RESULTS#$top/}"
}
