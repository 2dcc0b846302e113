#!/usr/bin/env bash
# make bench: the benchmark harness of issue 4 (not part of make test).
#
# Installs what is missing, builds and installs the extension, starts the bench cluster
# (scripts/cluster.sh start bench: durable settings), installs pg_journey afresh in it, runs the
# workloads against baselines measured in the same cluster in the same run, prints for each one our
# figure, the baseline's, the ratio, the target and PASS/MISS, and appends a dated section to
# bench/RESULTS.md. Every figure is the median of BENCH_REPEAT runs; scratch output (the log of every
# run) is in bench/out/.
#
#   BENCH_N=100000      users, i.e. rows/instances per workload (1000 .. 1000000)
#   BENCH_ONLY=1,3      workloads to run (default all: 1..7)
#   BENCH_REPEAT=3      runs per figure (medians)
#   BENCH_BUILD=0       do not build and install the extension (use the installed one)
#   BENCH_TRIGGER_CALLS=1000000   trigger calls of workload 6's backend memory check
#   BENCH_SCHED_ROUNDS=2          rounds of N scheduler steps of workload 6's scheduler memory check
#   BENCH_RESULTS=path  where to append the results (default bench/RESULTS.md)
#   BENCH_PROFILE=1     load pg_stat_statements and record the statements of pg_journey's runs
#   BENCH_WORKERS=2     journey.workers of the scheduler (default: one per core)
#
# Workloads (targets from issue 4):
#   1 ingest, enrolling: INSERT … SELECT of N add_to_cart events into journey.events with the cart
#     journey live, vs the same INSERT into bench.bare_events (no trigger)      ≤ 2.0x   (PL/pgSQL: ~4x)
#   2 ingest, no journey interested: N page_view events, vs bare                 ≤ 1.10x
#   3 advance: journey.run_due(as_of) over N due instances, 10% checked out, vs bench.naive_tick
#     (PL/pgSQL, row by row, naive schema)                                       ≥ 2x the steps/s
#   4 scheduler on the real clock: N instances due in one second all advanced within N/50,000 s + 1 s;
#     1,000 events/s for 10 s through a 0-second wait: event commit → outbox commit p50 ≤ 20 ms, p99 ≤ 100 ms
#   5 peer: graphile-worker running the same step; our advance rate ≥ 20x its tuned jobs/s
#   6 memory and size: bytes per active instance ≤ 250; scheduler and backend RSS flat (within 10%)
#   7 Google Benchmark of src/core: node visits/s ≥ 2,000,000
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

N=${BENCH_N:-100000}
ONLY=${BENCH_ONLY:-1,2,3,4,5,6,7}
REPEAT=${BENCH_REPEAT:-3}
BUILD=${BENCH_BUILD:-1}
TRIGGER_CALLS=${BENCH_TRIGGER_CALLS:-1000000}
RESULTS=${BENCH_RESULTS:-$top/bench/RESULTS.md}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1000 ] && [ "$N" -le 1000000 ] ||
	{ echo "bench: BENCH_N must be an integer in 1000..1000000, not $N" >&2; exit 2; }
[[ "$REPEAT" =~ ^[0-9]+$ ]] && [ "$REPEAT" -ge 1 ] || { echo "bench: BENCH_REPEAT must be >= 1" >&2; exit 2; }
[[ "$ONLY" =~ ^[1-7](,[1-7])*$ ]] || { echo "bench: BENCH_ONLY is a list of workloads 1..7, e.g. 1,3" >&2; exit 2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }

out=$top/bench/out
mkdir -p "$out"
log=$out/bench.log
: >"$log"
say() { echo "$*" | tee -a "$log"; }
note() { echo "$*" >>"$log"; }

# Far-future event times: the real clock (and so the background scheduler) never reaches them.
T0="timestamptz '2100-01-01 00:00:00+00'"

# ---------------------------------------------------------------------------------------------- set-up
say "== bench: N=$N, workloads $ONLY, repeat $REPEAT"
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

scripts/cluster.sh start bench
eval "$(scripts/cluster.sh env bench)"
export PGHOST PGPORT PGUSER PGDATABASE

# q SQL: values only; qv NAME SQL: psql with -v n=N, a script on stdin.
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
qf() { psql -XAtq -v ON_ERROR_STOP=1 -v n="$N" "$@" >>"$log" 2>&1; }
# timed SQL: runs the statement in a session of its own (autocommit: the commit is timed). Sets T_MS
# (milliseconds), T_VAL (its first output line) and T_ERR (the error, empty when it succeeded).
timed() {
	local o rc=0
	o=$(psql -XAtq -v ON_ERROR_STOP=1 -c '\timing on' -c "$1" 2>&1) || rc=$?
	T_MS=$(echo "$o" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' | tail -n1)
	T_VAL=$(echo "$o" | grep -v '^Time: ' | head -n1 || true)
	T_ERR=""
	if [ $rc -ne 0 ]; then
		T_ERR=$(echo "$o" | grep -m1 'ERROR:' | sed -E 's/.*ERROR: +//' || true)
		T_ERR=${T_ERR:-psql exited with $rc}
	fi
	note "   ${T_MS:-?} ms  [${T_ERR:-$T_VAL}]  $(echo "$1" | head -n1)"
}
# timed_chunks STATEMENTS_FILE: the statements in one session, one transaction each; T_MS is their sum.
timed_chunks() {
	local o rc=0
	o=$(psql -XAtq -v ON_ERROR_STOP=1 -c '\timing on' -f "$1" 2>&1) || rc=$?
	T_MS=$(echo "$o" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' | awk '{s += $1} END {printf "%.3f", s}')
	T_ERR=""
	[ $rc -eq 0 ] || T_ERR=$(echo "$o" | grep -m1 'ERROR:' | sed -E 's/.*ERROR: +//' || true)
	note "   $T_MS ms in $(grep -c '^INSERT' "$1") statements  [${T_ERR:-ok}]"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
# verdict VALUE OP TARGET: PASS or MISS; a value that is not a finite number (no figure, inf) is a MISS.
verdict() {
	[[ "$1" =~ ^[-+]?[0-9]+(\.[0-9]+)?$ ]] || { echo MISS; return; }
	if awk "BEGIN {exit !($1 $2 $3)}"; then echo PASS; else echo MISS; fi
}
pct() { calc "$1" 1 | sed -E 's/^([0-9])/+\1/'; }	# pct EXPR: a signed percentage
fmt_int() { calc "$1" 0 | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }

data_dir=$(q "SHOW data_directory")
pg_bindir=$(pg_config --bindir)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
restart_cluster() {
	as_pg "$pg_bindir/pg_ctl" -D "$data_dir" -l "$PGHOST/server.log" -m fast -w -t 60 restart >/dev/null
}
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
PROFILE=${BENCH_PROFILE:-0}
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
profile_reset() { [ "$PROFILE" != 1 ] || q "SELECT pg_stat_statements_reset()" >/dev/null; }
PROFILE_LAST=""
profile_capture() {	# the top statements since profile_reset, kept for profile_dump
	[ "$PROFILE" = 1 ] || return 0
	PROFILE_LAST=$(q "
		SELECT calls || ' calls, ' || round(total_exec_time::numeric, 1) || ' ms, ' ||
		       round((1000 * total_exec_time / calls)::numeric, 1) || ' µs/call: ' ||
		       left(regexp_replace(query, '\s+', ' ', 'g'), 120)
		  FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
		 ORDER BY total_exec_time DESC LIMIT 9")
}
profile_dump() {	# profile_dump LABEL: the statements profile_capture kept, as details
	local line
	[ -n "$PROFILE_LAST" ] || return 0
	while IFS= read -r line; do detail "$1: $line"; done <<<"$PROFILE_LAST"
}
scheduler() {	# scheduler on|off: journey.scheduler through ALTER SYSTEM and a reload
	if [ "$1" = on ]; then q "ALTER SYSTEM RESET journey.scheduler" >/dev/null; else q "ALTER SYSTEM SET journey.scheduler = off" >/dev/null; fi
	q "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
}
cleanup() { q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1 && q "SELECT pg_reload_conf()" >/dev/null 2>&1 || true; }
trap cleanup EXIT

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
# define JSON: defines and publishes a journey (without a goal: the workloads measure the cart journey
# of SPEC §5 as issue 4 sets it, with no goal).
define() { echo "SELECT journey.define(:'def'::jsonb - 'goal', publish => true)" | psql -XAtq -v ON_ERROR_STOP=1 -v def="$1" >>"$log"; }
define "$cart_def"
scheduler off

# Per-user state of pg_journey (whatever its tables are named), emptied between runs.
reset_state() {
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<'SQL'
DO $$
DECLARE t text;
BEGIN
	SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO t
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'journey' AND c.relkind IN ('r', 'p')
	   AND (c.relname IN ('events', 'outbox', 'conversions', 'entries') OR c.relname LIKE 'instance%' OR c.relname LIKE 'history%');
	EXECUTE 'TRUNCATE ' || t || ', bench.bare_events, bench.pl_events, bench.naive_instance, bench.naive_outbox RESTART IDENTITY';
END
$$;
SQL
}
# The instance tables of pg_journey (for sizes).
instance_tables="SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'journey' AND c.relkind IN ('r', 'p') AND c.relname LIKE 'instance%'"
vacuum_all() {
	local t
	for t in $(q "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	              WHERE c.relkind = 'r' AND (n.nspname = 'bench' OR (n.nspname = 'journey'
	                AND (c.relname IN ('events', 'outbox') OR c.relname LIKE 'instance%')))"); do
		q "VACUUM ANALYZE $t" >/dev/null
	done
	q "CHECKPOINT" >/dev/null
}
# ins_events TABLE EVENT TIME [WHERE] [FIRST] [LAST]: events of users uFIRST..uLAST (default 1..N) as
# one INSERT … SELECT; TIME is an SQL expression.
ins_events() {
	echo "INSERT INTO $1 (user_id, name, props, occurred_at)
	      SELECT 'u' || g, '$2', jsonb_build_object('sku', 'SKU-' || (g % 1000)), $3
	        FROM generate_series(${5:-1}, ${6:-$N}) g ${4:-};"
}
# The same as statements of CHUNK rows (one transaction each), into a file.
CHUNK=5000
ins_chunks() {	# ins_chunks FILE TABLE EVENT TIME [WHERE] [COUNT]
	local f=$1 k count=${6:-$N}
	: >"$f"
	for ((k = 1; k <= count; k += CHUNK)); do
		ins_events "$2" "$3" "$4" "${5:-}" "$k" "$((k + CHUNK - 1 < count ? k + CHUNK - 1 : count))" >>"$f"
	done
}
# enrol TABLE EVENT TIME [WHERE] [COUNT]: loads events in statements of CHUNK rows (set-up, untimed):
# one statement enrolling more than about 8,000 users fails, see ingest().
enrol() {
	ins_chunks "$out/enrol.sql" "$@"
	psql -XAtq -v ON_ERROR_STOP=1 -f "$out/enrol.sql" >>"$log"
}
# rotate R A B C…: the variants in an order that changes with the run number.
rotate() { local r=$1; shift; local a=("$@") k; for ((k = 0; k < ${#a[@]}; k++)); do echo "${a[$(((k + r) % ${#a[@]}))]}"; done; }

rows=()	# summary table rows
details=()	# every figure
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); printf '%-3s %-58s ours %-14s base %-14s %-9s %-12s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
detail() { details+=("- $*"); note "   $*"; }

# ------------------------------------------------------------------- workloads 1 and 2: ingest
# One INSERT … SELECT of N rows per variant. When it fails (e.g. an enrolling trigger taking one lock
# per user runs out of the shared lock table), the error is recorded, the workload is a MISS, and the
# variant is timed again as statements of CHUNK rows (the sum), so that there is still a figure.
ingest() {	# ingest WORKLOAD EVENT
	local w=$1 ev=$2 r v
	local -A t=([bare]="" [ours]="" [plpgsql]="" [floor]="") err=([bare]="" [ours]="" [plpgsql]="")
	local -A table=([bare]=bench.bare_events [ours]=journey.events [plpgsql]=bench.pl_events)
	say "== workload $w: ingest of $N $ev events"
	for ((r = 0; r < REPEAT; r++)); do
		reset_state
		for v in $(rotate $r bare ours plpgsql); do
			q "CHECKPOINT" >/dev/null
			[ "$v" != ours ] || profile_reset
			timed "$(ins_events "${table[$v]}" "$ev" "$T0")"
			if [ -n "$T_ERR" ]; then
				err[$v]=$T_ERR
				ins_chunks "$out/chunks.sql" "${table[$v]}" "$ev" "$T0"
				q "CHECKPOINT" >/dev/null
				[ "$v" != ours ] || profile_reset
				timed_chunks "$out/chunks.sql"
				[ -z "$T_ERR" ] || { say "   $v: $T_ERR"; T_MS=nan; }
			fi
			[ "$v" != ours ] || profile_capture
			t[$v]="${t[$v]} $T_MS"
		done
		if [ "$ev" = add_to_cart ]; then
			note "   active instances: ours $(q "SELECT count(*) FROM journey.instances WHERE status = 'active'"), naive $(q "SELECT count(*) FROM bench.naive_instance WHERE status = 'active'")"
			# The floor of this schema: the instance and entries rows the cart journey's entries wrote,
			# written again by plain INSERT … SELECT into empty copies with the same indexes (no trigger,
			# no evaluation, no conflict checks).
			q "DROP TABLE IF EXISTS bench.floor_instance, bench.floor_entries;
			   CREATE TABLE bench.floor_instance (LIKE journey.instance INCLUDING ALL);
			   CREATE TABLE bench.floor_entries (LIKE journey.entries INCLUDING ALL)" >/dev/null
			q "CHECKPOINT" >/dev/null
			timed "INSERT INTO bench.floor_instance SELECT * FROM journey.instance"
			local floor_ms=$T_MS
			timed "INSERT INTO bench.floor_entries SELECT * FROM journey.entries"
			t[floor]="${t[floor]} $(calc "$floor_ms + $T_MS" 3)"
			q "DROP TABLE bench.floor_instance, bench.floor_entries" >/dev/null
		fi
	done
	profile_dump "w$w pg_stat_statements of the last pg_journey ingest"
	local bare ours pl ratio limit res how="one INSERT … SELECT of $(fmt_int "$N") rows"
	bare=$(median ${t[bare]}); ours=$(median ${t[ours]}); pl=$(median ${t[plpgsql]})
	detail "w$w $ev ingest ms, runs: bare${t[bare]}; pg_journey${t[ours]}; PL/pgSQL trigger${t[plpgsql]}"
	for v in ours plpgsql; do
		[ -z "${err[$v]}" ] || detail "w$w $v: one INSERT … SELECT of $N rows failed: ${err[$v]} — timed as statements of $CHUNK rows instead"
	done
	ratio=$(calc "$ours / $bare"); limit=$([ "$w" = 1 ] && echo 2.0 || echo 1.10)
	res=$(verdict "$ratio" '<=' "$limit")
	if [ -n "${err[ours]}" ]; then
		res="MISS: fails (${err[ours]}); ratio of statements of $CHUNK rows"
	fi
	row "$w" "ingest $ev: $how into journey.events vs bare (ms)" "$(calc "$ours" 0) ms" "$(calc "$bare" 0) ms" "${ratio}x" "≤ ${limit}x" "$res"
	res=info
	[ -z "${err[plpgsql]}" ] || res="info: fails (${err[plpgsql]}); statements of $CHUNK rows"
	row "$w" "  reference: PL/pgSQL row trigger (bench/baseline_plpgsql.sql)" "$(calc "$pl" 0) ms" "$(calc "$bare" 0) ms" "$(calc "$pl / $bare")x" "$([ "$w" = 1 ] && echo "(~4x)" || echo "-")" "$res"
	if [ -n "${t[floor]}" ]; then
		local floor
		floor=$(median ${t[floor]})
		detail "w$w floor: the instance and entries rows alone by plain INSERT … SELECT, ms, runs:${t[floor]}"
		row "$w" "  floor: bare + the same instance and entries rows by plain INSERT … SELECT" "$(calc "$bare + $floor" 0) ms" "$(calc "$bare" 0) ms" "$(calc "($bare + $floor) / $bare")x" "-" "info"
	fi
}

want 1 && ingest 1 add_to_cart
want 2 && ingest 2 page_view

# ---------------------------------------------------------------------------- workload 3: advance
T1="$T0 + interval '1 hour'"	# the checkouts
T3="$T0 + interval '3 hours'"	# run_due: every instance (due at T0 + 2 h) is due
setup_due() {	# N cart instances due at T0 + 2 h in both systems; 10% of users checked out at T0 + 1 h
	reset_state
	enrol journey.events add_to_cart "$T0"
	enrol bench.pl_events add_to_cart "$T0"
	# Checkouts are loaded with triggers off (session_replication_role = replica), in both systems: with
	# exit_when live a checkout would exit the user at once, and the check node would never see one.
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" <<SQL
SET session_replication_role = replica;
$(ins_events journey.events checkout "$T1" "WHERE g % 10 = 0")
$(ins_events bench.pl_events checkout "$T1" "WHERE g % 10 = 0")
SQL
	vacuum_all
}
# The floor of workload 3 for this schema: run_due's reads and writes done by one set-based statement of
# plain SQL, with no engine — the due rows locked in the queue's order, the checkout since entry (an
# anti-join), the contacts, the same outbox rows (payload, dedup key, suppression) and the same instance
# updates — into copies of journey.instance and journey.outbox (same indexes) made before the timed runs.
floor_copy() {
	q "DROP TABLE IF EXISTS bench.floor_instance, bench.floor_outbox;
	   CREATE TABLE bench.floor_instance (LIKE journey.instance INCLUDING ALL);
	   CREATE TABLE bench.floor_outbox (LIKE journey.outbox INCLUDING ALL);
	   INSERT INTO bench.floor_instance SELECT * FROM journey.instance" >/dev/null
	q "VACUUM ANALYZE bench.floor_instance" >/dev/null
}
floor_advance="WITH due AS MATERIALIZED (
	SELECT i.user_id, i.id, i.version_id, i.entered_at, i.event FROM bench.floor_instance i
	 WHERE i.status = 'a' AND i.wake_at <= $T3 ORDER BY i.wake_at FOR UPDATE),
sends AS MATERIALIZED (
	SELECT d.* FROM due d WHERE NOT EXISTS (SELECT 1 FROM journey.events e WHERE e.user_id = d.user_id
	   AND e.name = 'checkout' AND e.occurred_at >= d.entered_at AND e.occurred_at <= $T3)),
sent AS (
	INSERT INTO bench.floor_outbox (journey, version, node, instance_id, user_id, channel, template, payload,
	                                dedup_key, created_at, available_at, status, last_error)
	SELECT 'cart_abandonment', s.version_id, m.node, s.id, s.user_id, m.node, m.template,
	       jsonb_build_object('to', c.address, 'template', m.template, 'data', CASE WHEN m.node = 'email'
	           THEN jsonb_build_object('sku', coalesce(s.event ->> 'sku', '')) ELSE '{}' END),
	       s.id || ':' || m.node || ':1', $T3, $T3, CASE WHEN c.address IS NULL THEN 'suppressed' ELSE 'pending' END,
	       CASE WHEN c.address IS NULL THEN 'not reachable on ' || m.node END
	  FROM sends s CROSS JOIN (VALUES ('push', 'cart_reminder'), ('email', 'cart_similar')) m(node, template)
	  LEFT JOIN journey.contacts c ON c.user_id = s.user_id AND c.channel = m.node AND c.address IS NOT NULL
	                              AND c.opted_in AND NOT c.bounced
	 WHERE m.node = 'email' OR c.address IS NOT NULL
	RETURNING 1),
done AS (
	UPDATE bench.floor_instance i SET status = 'c', node = NULL, wake_at = NULL, last_step_at = $T3, ended_at = $T3,
	       exit_reason = 'completed', visits = CASE WHEN s.id IS NULL THEN '1,1,0,0,0,1' ELSE '1,1,1,1,1,1' END
	  FROM due d LEFT JOIN sends s ON s.id = d.id WHERE i.user_id = d.user_id AND i.id = d.id
	RETURNING 1)
SELECT (SELECT count(*) FROM done) + 0 * (SELECT count(*) FROM sent)"
ours_rate=""
instance_bytes=""
naive_bytes=""
measure_sizes() {
	local active
	active=$(q "SELECT count(*) FROM journey.instances WHERE status = 'active'")
	instance_bytes=$(q "SELECT sum(pg_total_relation_size(oid)) FROM ($instance_tables) t")
	instance_bytes=$(calc "$instance_bytes / $active" 1)
	naive_bytes=$(calc "$(q "SELECT pg_total_relation_size('bench.naive_instance')") / $(q "SELECT count(*) FROM bench.naive_instance WHERE status = 'active'")" 1)
	# Not an instance table, but the cart journey's cooldown keeps a row per user there.
	detail "w6 journey.entries (the entry rules' per-user counts, one row per user of the cart journey): $(calc "$(q "SELECT pg_total_relation_size('journey.entries')") / $active" 1) B per active instance"
	detail "w6 sizes with $active active instances: $(q "SELECT string_agg(relname || ' ' || pg_size_pretty(pg_relation_size(oid)) || ' heap + ' || pg_size_pretty(pg_indexes_size(oid)) || ' indexes', '; ') FROM pg_class WHERE oid IN ($instance_tables)"); naive $(q "SELECT pg_size_pretty(pg_relation_size('bench.naive_instance')) || ' heap + ' || pg_size_pretty(pg_indexes_size('bench.naive_instance')) || ' indexes'")"
}
if want 3; then
	say "== workload 3: advance $N due instances (10% checked out), run_due vs PL/pgSQL tick"
	scheduler off
	ours_t="" naive_t="" floor_t="" w3_wrong=""
	for ((r = 0; r < REPEAT; r++)); do
		setup_due
		[ "$r" = 0 ] && want 6 && measure_sizes
		floor_copy
		for v in $(rotate $r ours naive floor); do
			q "CHECKPOINT" >/dev/null
			if [ "$v" = ours ]; then
				profile_reset
				timed "SELECT journey.run_due($T3)"
				profile_capture
				ours_t="$ours_t $T_MS"
			elif [ "$v" = naive ]; then
				timed "SELECT bench.naive_tick($T3)"
				naive_t="$naive_t $T_MS"
			else
				timed "$floor_advance"
				floor_t="$floor_t $T_MS"
			fi
			[ -z "$T_ERR" ] || { say "   $v: $T_ERR"; exit 1; }
			[ "$T_VAL" = "$N" ] || { say "   warning: $v ran $T_VAL steps, not $N"; w3_wrong=1; }
		done
		o=$(q "SELECT count(*) || ' rows (' || count(*) FILTER (WHERE status = 'pending') || ' pending)' FROM journey.outbox")
		b=$(q "SELECT count(*) || ' rows (' || count(*) FILTER (WHERE status = 'pending') || ' pending)' FROM bench.naive_outbox")
		note "   outbox: ours $o; naive $b; ours instances: $(q "SELECT string_agg(status || ' ' || coalesce(exit_reason, '') || ' ' || n, ', ') FROM (SELECT status, exit_reason, count(*) n FROM journey.instances GROUP BY 1, 2) s")"
		[ "$o" = "$b" ] || { say "   warning: outboxes differ: ours $o, naive $b"; w3_wrong=1; }
		f=$(q "SELECT count(*) || ' rows (' || count(*) FILTER (WHERE status = 'pending') || ' pending)' FROM bench.floor_outbox")
		[ "$o" = "$f" ] || say "   warning: the floor's outbox differs: ours $o, floor $f"
		q "DROP TABLE bench.floor_instance, bench.floor_outbox" >/dev/null
	done
	profile_dump "w3 pg_stat_statements of the last run_due"
	ours_ms=$(median $ours_t); naive_ms=$(median $naive_t)
	ours_rate=$(calc "$N * 1000 / $ours_ms" 0); naive_rate=$(calc "$N * 1000 / $naive_ms" 0)
	detail "w3 advance ms, runs: run_due$ours_t; naive_tick$naive_t"
	ratio=$(calc "$ours_rate / $naive_rate")
	w3_verdict=$(verdict "$ratio" '>=' 2)
	[ -z "$w3_wrong" ] || w3_verdict="MISS (the two did not do the same work)"
	row 3 "advance: run_due over $(fmt_int "$N") due instances (steps/s)" "$(fmt_int "$ours_rate")/s" "$(fmt_int "$naive_rate")/s" "${ratio}x" "≥ 2x" "$w3_verdict"
	floor_ms=$(median $floor_t)
	detail "w3 floor: the same reads and writes by one set-based statement of plain SQL, ms, runs:$floor_t"
	row 3 "  floor: run_due's reads and writes by one set-based SQL statement" "$(fmt_int "$(calc "$N * 1000 / $floor_ms" 0)")/s" "$(fmt_int "$naive_rate")/s" "$(calc "$naive_ms / $floor_ms")x" "-" "info"
fi

# ------------------------------------------------------------------ workload 4: the real clock
# burst_due COUNT LEAD: COUNT users' add_to_cart events dated so that all their instances fall due at
# the same second D (LEAD seconds from now); prints D as epoch seconds, or nothing when the set-up was
# not done before D.
burst_due() {
	local count=$1 lead=$2 d
	d=$(q "SELECT extract(epoch FROM date_trunc('second', now()) + interval '$lead seconds')::bigint")
	enrol journey.events add_to_cart "to_timestamp($d) - interval '2 hours'" "" "$count"
	[ "$(q "SELECT clock_timestamp() < to_timestamp($d) - interval '300 ms'")" = t ] && echo "$d"
}
# wait_outbox COUNT TIMEOUT: waits until journey.outbox holds COUNT rows; false on timeout. Cheap to
# poll (reset_state restarts the ids: max(id) reaches COUNT first; count(*) confirms).
wait_outbox() {
	psql -XAtq -v ON_ERROR_STOP=1 -c "DO \$\$
	BEGIN
		FOR k IN 1 .. $2 * 50 LOOP
			IF coalesce((SELECT max(id) FROM journey.outbox), 0) >= $1 THEN
				IF (SELECT count(*) FROM journey.outbox) >= $1 THEN RETURN; END IF;
			END IF;
			PERFORM pg_sleep(0.02);
		END LOOP;
		RAISE EXCEPTION 'timeout';
	END \$\$" >/dev/null 2>&1
}
if want 4; then
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
fi

# ---------------------------------------------------------------------- workload 5: graphile-worker
if want 5; then
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
fi

# ------------------------------------------------------------------ workload 6: memory and size
rss() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }	# rss PID VmRSS|RssAnon: kB
if want 6; then
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
fi

# ---------------------------------------------------------------- workload 7: Google Benchmark
if want 7; then
	say "== workload 7: Google Benchmark of src/core"
	build=$top/build/core
	if { [ -f "$build/CMakeCache.txt" ] || cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/cmake.log" 2>&1; } &&
		cmake --build "$build" --target journey_core_bench -j2 >>"$out/cmake.log" 2>&1 && [ -x "$build/journey_core_bench" ]; then
		"$build/journey_core_bench" --benchmark_repetitions="$REPEAT" --benchmark_format=json >"$out/core_bench.json" 2>>"$log"
		# The trigger and the scheduler walk without recording history (StepOptions{false}): that is the
		# figure the target is about; the walk with history (journey.simulate) is shown beside it.
		visits=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CartJourneyWalkNoHistory" and .aggregate_name == "median")][0]["node_visits/s"]
		                // ([.benchmarks[] | select(.run_name == "BM_CartJourneyWalkNoHistory")][0]["node_visits/s"])' "$out/core_bench.json")
		visits_history=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CartJourneyWalk" and .aggregate_name == "median")][0]["node_visits/s"]
		                // ([.benchmarks[] | select(.run_name == "BM_CartJourneyWalk")][0]["node_visits/s"])' "$out/core_bench.json")
		compile_us=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CompileCartJourney" and .aggregate_name == "median")][0].real_time
		                    // ([.benchmarks[] | select(.run_name == "BM_CompileCartJourney")][0].real_time)' "$out/core_bench.json")
		detail "w7 journey_core_bench: BM_CartJourneyWalkNoHistory $(calc "$visits" 0), BM_CartJourneyWalk $(calc "$visits_history" 0) node visits/s (medians of $REPEAT; runs without history: $(jq -r '[.benchmarks[] | select(.name == "BM_CartJourneyWalkNoHistory") | ."node_visits/s" | floor] | join(" ")' "$out/core_bench.json")); BM_CompileCartJourney $(calc "$compile_us / 1000" 1) µs; $(jq -r '.context | "\(.num_cpus) cpus at \(.mhz_per_cpu) MHz, Google Benchmark library built as \(.library_build_type)"' "$out/core_bench.json")"
		detail "w7 every benchmark's median: $(jq -r '[.benchmarks[] | select(.aggregate_name == "median" or (.run_type == "iteration" and '"$REPEAT"' == 1)) | "\(.run_name) \(.real_time | floor) \(.time_unit)" + (if ."node_visits/s" then " (\(."node_visits/s" | floor) node visits/s)" else "" end)] | unique | join("; ")' "$out/core_bench.json")"
		row 7 "core: cart graph node visits per second (one core), as the engine walks (no history)" "$(fmt_int "$visits")/s" "-" "-" "≥ 2,000,000/s" "$(verdict "$visits" '>=' 2000000)"
		row 7 "  the same walk recording history (journey.simulate)" "$(fmt_int "$visits_history")/s" "-" "-" "-" "info"
	else
		say "   journey_core_bench could not be built (see bench/out/cmake.log)"
		tail -n 20 "$out/cmake.log" >>"$log"
		row 7 "core: cart graph node visits per second" "-" "-" "-" "≥ 2,000,000/s" "not run: build failed"
	fi
fi

# ---------------------------------------------------------------------------------- the record
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
