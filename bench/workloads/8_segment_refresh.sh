# Workload 8 — a segment refresh at scale (issue 13; targets: under 30 s, application inserts meanwhile
# p99 ≤ 100 ms, the first entered users' outbox rows committed before the refresh ends).
#
# Measures: CALL journey._refresh_segment_job('bench_seg') — what pg_cron runs for schedule_segment: the
# diff in one transaction, then a transaction per journey.batch_size fired changes — over BENCH_SEG_N
# profiles (default 1,000,000) of which 10 % change membership (5 % enter, 5 % leave), with a journey on
# segment_enter that writes one outbox row per entered user. Meanwhile pgbench inserts 200 events/s
# (bench/seg_inserts.pgbench, 2 clients, a name no journey listens to) and logs each latency; the p99 is
# over the inserts that ran during the refresh. The first outbox row's commit time
# (pg_xact_commit_timestamp) is compared with the refresh's end.
# Baselines: the same pgbench alone, before the refresh (its p99), and, as the floor of this work, the
# segment's query alone (count of its rows) plus a bare INSERT … SELECT of as many events as the refresh
# fired into bench.bare_events (no trigger): what any refresh has to read and write at the least.

SEG_N=${BENCH_SEG_N:-1000000}

seg_pgbench() {	# seg_pgbench SECONDS PREFIX: 200 inserts/s for SECONDS, latencies logged to $out/PREFIX.*
	rm -f "$out/$2".*
	(cd "$out" && pgbench -n -f "$top/bench/seg_inserts.pgbench" -R 200 -T "$1" -c 2 -j 2 -l --log-prefix="$2" \
		>"$out/$2.out" 2>&1)
}
# p99_between PREFIX FROM TO: the p99 latency (ms) of the logged inserts that started in [FROM, TO] (epoch s).
p99_between() {
	cat "$out/$1".* 2>/dev/null | awk -v from="$2" -v to="$3" '{t = $5 + $6 / 1e6 - $3 / 1e6; if (t >= from && t <= to) print $3 / 1000}' |
		sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f", a[i]}}'
}

workload_8() {
	say "== workload 8: refresh of a segment over $SEG_N profiles, 10% changing, application inserts meanwhile"
	scheduler off
	reset_state
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<SQL
DO \$\$ BEGIN
	PERFORM journey.archive(name) FROM journey.journeys WHERE name = 'bench_seg_j' AND status <> 'archived';
	PERFORM journey.drop_segment(name) FROM journey.segments WHERE name = 'bench_seg';
END \$\$;
DROP TABLE IF EXISTS bench.seg_profiles;
CREATE TABLE bench.seg_profiles (id bigint PRIMARY KEY, score int NOT NULL);
INSERT INTO bench.seg_profiles SELECT g, g % 100 FROM generate_series(1, $SEG_N) g;
VACUUM ANALYZE bench.seg_profiles;
SELECT journey.define_segment('bench_seg', 'SELECT id FROM bench.seg_profiles WHERE score < 50');
SQL
	# The first refresh (half the profiles enter; no journey yet), untimed.
	q "CALL journey._refresh_segment_job('bench_seg')" >/dev/null
	[ -n "$(q "SELECT 1 FROM journey.journeys WHERE name = 'bench_seg_j'")" ] && q "SELECT journey.publish('bench_seg_j')" >/dev/null ||
		define '{"name": "bench_seg_j", "trigger": {"segment_enter": "bench_seg"}, "entry": {"reentry": "always"}, "start": "s",
		  "nodes": {"s": {"send": {"channel": "in_app", "template": "seg_hello"}, "next": "d"}, "d": {"exit": "completed"}}}'
	local refresh_t="" p99_t="" alone_t="" first_t="" floor_t="" r
	for ((r = 0; r < REPEAT; r++)); do
		# 10 % change: every tenth profile crosses the line (those in leave, those out enter).
		q "UPDATE bench.seg_profiles SET score = (score + 50) % 100 WHERE id % 10 = $r % 10" >/dev/null
		q "TRUNCATE journey.outbox, journey.instance, journey.events RESTART IDENTITY" >/dev/null
		q "VACUUM ANALYZE bench.seg_profiles, journey.segment_members" >/dev/null
		q "CHECKPOINT" >/dev/null
		seg_pgbench 5 seg_alone
		alone_t="$alone_t $(p99_between seg_alone 0 9999999999)"
		seg_pgbench 60 seg_during &
		local bench_pid=$!
		sleep 2
		local start end
		start=$(date +%s.%N)
		timed "CALL journey._refresh_segment_job('bench_seg')"
		end=$(date +%s.%N)
		[ -z "$T_ERR" ] || { say "   refresh: $T_ERR"; exit 1; }
		wait $bench_pid
		refresh_t="$refresh_t $(calc "$T_MS / 1000" 2)"
		p99_t="$p99_t $(p99_between seg_during "$start" "$end")"
		local entered exited first
		read -r entered exited first < <(q "SELECT entered, exited,
			(SELECT round(extract(epoch FROM min(pg_xact_commit_timestamp(o.xmin)))::numeric - $start, 2) FROM journey.outbox o)
			FROM journey.segments WHERE name = 'bench_seg'" | tr '|' ' ')
		first_t="$first_t $first"
		note "   refresh $r: ${T_MS} ms, $entered entered, $exited left, $(q "SELECT count(*) FROM journey.outbox") outbox rows, first committed +${first}s"
		[ "$(q "SELECT count(*) FROM journey.outbox")" = "$entered" ] || say "   warning: $(q "SELECT count(*) FROM journey.outbox") outbox rows for $entered entered"
		# The floor: the query alone, then as many events by a bare insert.
		q "TRUNCATE bench.bare_events" >/dev/null
		timed "SELECT count(*) FROM (SELECT id FROM bench.seg_profiles WHERE score < 50) q"
		local query_ms=$T_MS
		timed "INSERT INTO bench.bare_events (user_id, name, props, occurred_at)
		       SELECT g::text, 'segment_enter:bench_seg', '{\"segment\": \"bench_seg\"}', now() FROM generate_series(1, $((entered + exited))) g"
		floor_t="$floor_t $(calc "($query_ms + $T_MS) / 1000" 2)"
	done
	local refresh p99 alone first floor
	refresh=$(median $refresh_t); p99=$(median $p99_t); alone=$(median $alone_t); first=$(median $first_t); floor=$(median $floor_t)
	detail "w8 refresh of $SEG_N profiles, 10% changing (s), runs:$refresh_t; floor (query + bare insert of the events):$floor_t"
	detail "w8 application inserts p99 (ms): during the refresh$p99_t; alone$alone_t; first outbox commit after the start (s):$first_t"
	row 8 "segment refresh: $(fmt_int "$SEG_N") profiles, 10% changing, one journey entered (s)" "$refresh s" "$floor s" "$(calc "$refresh / $floor")" "< 30 s" "$(verdict "$refresh" '<' 30)"
	row 8 "  application inserts during it, p99 (ms; base: the same inserts alone)" "$p99 ms" "$alone ms" "$(calc "$p99 / $alone")" "≤ 100 ms" "$(verdict "$p99" '<=' 100)"
	row 8 "  first entered users' outbox rows committed (s after the start)" "$first s" "$refresh s" "-" "before the end" "$(verdict "$first" '<' "$refresh")"
	q "SELECT journey.archive('bench_seg_j')" >/dev/null
	scheduler off
}
