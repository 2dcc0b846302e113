# Workload 1 — ingest, enrolling (target: ≤ 2.0x the bare insert; the PL/pgSQL trigger: ~4x).
#
# Measures: one INSERT … SELECT of N add_to_cart events (N distinct users) into journey.events with the
# cart journey (examples/cart_abandonment.json) live.
# Baseline: the same INSERT into bench.bare_events (LIKE journey.events INCLUDING ALL, no trigger); the
# PL/pgSQL row trigger into bench.pl_events (bench/baseline_plpgsql.sql) for reference. If the single
# statement fails, the error is recorded (MISS) and the variant is timed again as statements of 5,000
# rows so that there is still a figure. An info row shows the floor of the schema: the bare insert plus
# the instance and journey.entries rows the entries wrote, written again by plain INSERT … SELECT into
# empty copies of those tables (same indexes; no trigger, no evaluation, no conflict check).
#
# ingest() serves workload 2 too (bench/workloads/2_ingest_idle.sh).

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

workload_1() { ingest 1 add_to_cart; }
