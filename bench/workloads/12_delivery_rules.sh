# Workload 12 — what delivery rules cost run_due (issue 14; target: a frequency cap and quiet hours on every
# send cost no more than 15 %, ≤ 1.15x).
#
# Measures: journey.run_due over workload 3's N due cart instances (the same set-up: 10% checked out, push and
# e-mail to the others) with a frequency cap on push and on email (1,000 a day: every send counted, none
# suppressed) and quiet hours 01:00–06:00 UTC on both (run_due's instant, 03:00, is inside: every row is
# deferred to 06:00) — each batch of due steps locks its users' rows of journey.frequency_cap_locks, reads their
# rows on capped channels (index outbox_user_channel) and their time zones, one statement each; each send counts
# from those and computes the end of the quiet hours in its user's zone.
# Baseline: the same run_due over the same set-up with neither rule (the rows are the same, available at once).
# Checks: both write the same rows (count, statuses); with the rules every pending row is available at 06:00.
# BENCH_W12_RULES=caps or quiet measures one rule alone (default both).

workload_12() {
	say "== workload 12: run_due over $N due instances with a frequency cap and quiet hours on every send vs none"
	scheduler off
	local -A t=([none]="" [rules]="")
	local r v rows_none="" rows_rules=""
	for ((r = 0; r < REPEAT; r++)); do
		for v in $(rotate $r none rules); do
			setup_due
			if [ "$v" = rules ]; then
				case "${BENCH_W12_RULES:-both}" in
				caps) q "SELECT journey.set_frequency_cap(c, 1000, '1 day') FROM unnest(ARRAY['push', 'email']) c" >/dev/null ;;
				quiet) q "SELECT journey.set_quiet_hours(c, '01:00', '06:00') FROM unnest(ARRAY['push', 'email']) c" >/dev/null ;;
				*) q "SELECT journey.set_frequency_cap(c, 1000, '1 day'), journey.set_quiet_hours(c, '01:00', '06:00')
				   FROM unnest(ARRAY['push', 'email']) c" >/dev/null ;;
				esac
			else
				q "SELECT journey.clear_frequency_cap(c), journey.clear_quiet_hours(c) FROM unnest(ARRAY['push', 'email']) c" >/dev/null
			fi
			q "CHECKPOINT" >/dev/null
			timed "SELECT journey.run_due($T3)"
			[ -z "$T_ERR" ] || { say "   $v: $T_ERR"; exit 1; }
			[ "$T_VAL" = "$N" ] || say "   warning: $v ran $T_VAL steps, not $N"
			t[$v]="${t[$v]} $T_MS"
			local written	# (not `rows`: that is the harness's summary table, which a local would hide)
			written=$(q "SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE status = 'pending') || ' pending' FROM journey.outbox")
			if [ "$v" = rules ]; then
				rows_rules=$written
				local early
				early=$(q "SELECT count(*) FROM journey.outbox WHERE status = 'pending' AND available_at <> $T0 + interval '6 hours'")
				[ "$early" = 0 ] || [ "${BENCH_W12_RULES:-both}" = caps ] || say "   warning: with quiet hours, $early pending rows are not deferred to 06:00"
			else
				rows_none=$written
			fi
		done
	done
	q "SELECT journey.clear_frequency_cap(c), journey.clear_quiet_hours(c) FROM unnest(ARRAY['push', 'email']) c" >/dev/null
	[ "$rows_none" = "$rows_rules" ] || say "   warning: the outboxes differ: none $rows_none, rules $rows_rules"
	local none rules
	none=$(median ${t[none]}); rules=$(median ${t[rules]})
	detail "w12 run_due ms, runs: cap + quiet hours${t[rules]}; none${t[none]}; outbox: $rows_rules"
	row 12 "run_due with a cap and quiet hours on every send vs none (ms)" "$(calc "$rules" 0) ms" "$(calc "$none" 0) ms" \
		"$(calc "$rules / $none")x" "≤ 1.15x" "$(verdict "$(calc "$rules / $none")" '<=' 1.15)"
}
