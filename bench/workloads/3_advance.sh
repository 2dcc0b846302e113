# Workload 3 — advance (target: ≥ 2x the naive tick's steps/s).
#
# Measures: journey.run_due('2100-01-01 03:00') over N cart instances due at 2100-01-01 02:00, 10% of
# the users with a checkout at 01:00 (loaded with session_replication_role = replica, triggers off, in
# both systems: with exit_when live a checkout would exit the user at once; since issue 12 our due step
# applies such late-seen events first, so those 10% exit as of 01:00 where the naive tick's check sends
# them to done — both read the checkout and write nothing for them); steps/s = N / time.
# Baseline: bench.naive_tick at the same instant (PL/pgSQL, row by row, naive schema, writing
# bench.naive_outbox); the two outboxes are compared (row counts and statuses). An info row shows the
# floor of the schema: the same reads and writes by one set-based SQL statement with no engine (the due
# rows locked in the queue's order, the checkout since entry as an anti-join, the contacts by a hash
# join, the same outbox rows and instance updates) into copies of journey.instance and journey.outbox
# made before the timed runs.
#
# Its set-up (setup_due) and the sizes of workload 6 (measure_sizes) are in bench/lib.sh.

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

workload_3() {
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
}
