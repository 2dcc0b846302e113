# Workload 9 — the segment condition's cost in run_due (issue 13; target: no more than an attribute
# condition, ≤ 1.05x allowing for noise).
#
# Measures: journey.run_due over N instances of a journey whose due step is {"if": {"segment":
# "bench_vips"}} (a static segment holding every other user), sending one outbox row to members.
# Baseline: the same journey with {"if": {"attribute": "vip", "op": "=", "value": true}} over the same users
# (journey.profiles holds vip = true for the same half): the same steps, the same rows, one index probe of
# journey.segment_members against one read of the user's profile.

workload_9() {
	say "== workload 9: run_due over $N instances, a segment condition vs an attribute condition"
	scheduler off
	reset_state
	psql -XAtq -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<SQL
DO \$\$ BEGIN
	PERFORM journey.archive(name) FROM journey.journeys WHERE name IN ('cond_attr', 'cond_seg') AND status <> 'archived';
	PERFORM journey.drop_segment(name) FROM journey.segments WHERE name = 'bench_vips';
END \$\$;
DELETE FROM journey.profiles WHERE user_id LIKE 'u%';
INSERT INTO journey.profiles (user_id, attributes) SELECT 'u' || g, jsonb_build_object('vip', g % 2 = 0) FROM generate_series(1, $N) g;
SELECT journey.define_segment('bench_vips', NULL);
SELECT journey.add_to_segment('bench_vips', ARRAY(SELECT 'u' || g FROM generate_series(2, $N, 2) g));
VACUUM ANALYZE journey.profiles, journey.segment_members;
SQL
	local k cond
	for k in attr seg; do
		if [ $k = attr ]; then cond='{"attribute": "vip", "op": "=", "value": true}'; else cond='{"segment": "bench_vips"}'; fi
		[ -n "$(q "SELECT 1 FROM journey.journeys WHERE name = 'cond_$k'")" ] && q "SELECT journey.publish('cond_$k')" >/dev/null ||
			define "{\"name\": \"cond_$k\", \"trigger\": {\"event\": \"cond_go_$k\"}, \"entry\": {\"reentry\": \"always\"}, \"start\": \"w\",
			  \"nodes\": {\"w\": {\"wait\": \"1 hour\", \"next\": \"c\"}, \"c\": {\"if\": $cond, \"then\": \"s\", \"else\": \"d\"},
			            \"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"vip\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}"
	done
	local -A t=([attr]="" [seg]="")
	local r v
	for ((r = 0; r < REPEAT; r++)); do
		for v in $(rotate $r attr seg); do
			q "TRUNCATE journey.outbox, journey.instance, journey.events, journey.entries RESTART IDENTITY" >/dev/null
			enrol journey.events "cond_go_$v" "$T0"
			vacuum_all
			timed "SELECT journey.run_due($T0 + interval '2 hours')"
			[ -z "$T_ERR" ] || { say "   $v: $T_ERR"; exit 1; }
			[ "$T_VAL" = "$N" ] || say "   warning: $v ran $T_VAL steps, not $N"
			[ "$(q "SELECT count(*) FROM journey.outbox")" = "$((N / 2))" ] || say "   warning: $v wrote $(q "SELECT count(*) FROM journey.outbox") rows, not $((N / 2))"
			t[$v]="${t[$v]} $T_MS"
		done
	done
	local attr seg
	attr=$(median ${t[attr]}); seg=$(median ${t[seg]})
	detail "w9 run_due ms, runs: segment condition${t[seg]}; attribute condition${t[attr]}"
	row 9 "run_due with a segment condition vs an attribute condition (ms)" "$(calc "$seg" 0) ms" "$(calc "$attr" 0) ms" "$(calc "$seg / $attr")x" "≤ 1.05x" "$(verdict "$(calc "$seg / $attr")" '<=' 1.05)"
	q "SELECT journey.archive('cond_attr'), journey.archive('cond_seg')" >/dev/null
}
