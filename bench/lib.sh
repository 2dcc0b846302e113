# bench/lib.sh: the helpers the benchmark harness and its workloads share. Sourced by scripts/bench.sh
# (nothing runs here); it relies on the driver's settings (N, REPEAT, PROFILE, …), out, log and T0.

# ------------------------------------------------------------------------------------------ output
say() { echo "$*" | tee -a "$log"; }
note() { echo "$*" >>"$log"; }

rows=()	# summary table rows
details=()	# every figure
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); printf '%-3s %-58s ours %-14s base %-14s %-9s %-12s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
detail() { details+=("- $*"); note "   $*"; }

# ---------------------------------------------------------------------------------- SQL and timing
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

# ----------------------------------------------------------------- the cluster during the workloads
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

# define JSON: defines and publishes a journey (without a goal: the workloads measure the cart journey
# of SPEC §5 as issue 4 sets it, with no goal).
define() { echo "SELECT journey.define(:'def'::jsonb - 'goal', publish => true)" | psql -XAtq -v ON_ERROR_STOP=1 -v def="$1" >>"$log"; }

# ------------------------------------------------------------- the data the workloads are measured on
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
# one statement enrolling more than about 8,000 users fails, see ingest() (bench/workloads/1_ingest.sh).
enrol() {
	ins_chunks "$out/enrol.sql" "$@"
	psql -XAtq -v ON_ERROR_STOP=1 -f "$out/enrol.sql" >>"$log"
}
# rotate R A B C…: the variants in an order that changes with the run number.
rotate() { local r=$1; shift; local a=("$@") k; for ((k = 0; k < ${#a[@]}; k++)); do echo "${a[$(((k + r) % ${#a[@]}))]}"; done; }

# ---------------------------------------------------------- set-ups and figures shared by workloads
# Workload 3's set-up (workloads 5 and 6 use it when 3 does not run).
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
# Figures one workload leaves for another: our advance rate (3 → 5), the sizes (3 → 6).
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

# Workload 4's real-clock helpers (workload 6 uses them too).
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
