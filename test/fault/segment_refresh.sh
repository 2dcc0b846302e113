#!/usr/bin/env bash
# Segment refreshes under concurrency and in transactions (issue 13): a second refresh of a segment waits
# for the first to commit; called from SQL a refresh is one transaction, run as pg_cron runs it
# (journey._refresh_segment_job) it commits a transaction per journey.batch_size fired changes; changes an
# interrupted refresh left queued are fired first by the next one; a query that fails leaves the members,
# the events and every journey as they were.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

cleanup() {
	forget_journeys sr_j sr_k 2>/dev/null
	q "SELECT journey.drop_segment('sr_seg'), journey.drop_segment('sr_list')" >/dev/null 2>&1
	q "DELETE FROM journey.events WHERE user_id LIKE 'sr\_%'" >/dev/null 2>&1
	q "DROP TABLE IF EXISTS public.sr_users" >/dev/null 2>&1
}
trap cleanup EXIT
cleanup

q "CREATE TABLE public.sr_users (id text PRIMARY KEY, inside bool NOT NULL, divisor int NOT NULL DEFAULT 1);
   INSERT INTO public.sr_users SELECT 'sr_' || g, g <= 100, 1 FROM generate_series(1, 1100) g" >/dev/null
q "SELECT journey.define_segment('sr_seg', 'SELECT id FROM public.sr_users WHERE inside AND 1 / divisor = 1')" >/dev/null
q "SELECT journey.define('{\"name\": \"sr_j\", \"trigger\": {\"segment_enter\": \"sr_seg\"}, \"entry\": {\"reentry\": \"always\"},
	\"start\": \"s\", \"nodes\": {\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"sr_hi\"}, \"next\": \"d\"},
	\"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null || { not_ok "define sr_j"; fault_finish; }
outbox() { q "SELECT count(*) FROM journey.outbox WHERE journey = 'sr_j'"; }

# 1. Called from SQL: the refresh and every entry it fires in the caller's one transaction.
check "a refresh from SQL" "$(q "SELECT entered || ' ' || exited FROM journey.refresh_segment('sr_seg')")" "100 0"
check "its 100 messages were written by one transaction" \
	"$(q "SELECT count(*) || ' ' || count(DISTINCT xmin::text) FROM journey.outbox WHERE journey = 'sr_j'")" "100 1"

# 2. A second refresh waits for the first to commit, then finds nothing new.
# (sr_101 joins the table's rows first: both refreshes' queries see it; only the first may enter it.)
q "UPDATE public.sr_users SET inside = true WHERE id = 'sr_101'" >/dev/null
psql -XAtq -c "BEGIN" -c "SELECT journey.refresh_segment('sr_seg')" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
first=$!
sleep 1
out=$(psql -XAtq -c "SET lock_timeout = '300ms'" -c "SELECT journey.refresh_segment('sr_seg')" 2>&1)
check "while the first is open, the second waits (here: until lock_timeout)" \
	"$(echo "$out" | grep -c 'lock timeout')" 1
started=$SECONDS
check "without a timeout it waits, then finds what the first stored: nothing new" \
	"$(q "SELECT entered || ' ' || exited FROM journey.refresh_segment('sr_seg')")" "0 0"
wait $first
check "the first refresh's entry was fired once" \
	"$(q "SELECT count(*) FROM journey.instances WHERE journey = 'sr_j' AND user_id = 'sr_101'")" 1
note "the second refresh waited $((SECONDS - started)) s"

# 3. As pg_cron runs it: a transaction for the diff, then one per journey.batch_size fired changes.
q "UPDATE public.sr_users SET inside = true" >/dev/null
q "UPDATE public.sr_users SET inside = false WHERE id IN ('sr_1', 'sr_2')" >/dev/null
last_id=$(q "SELECT max(id) FROM journey.outbox")
psql -XAtq -v ON_ERROR_STOP=1 -c "SET journey.batch_size = 50" -c "CALL journey._refresh_segment_job('sr_seg')" >/dev/null ||
	not_ok "the scheduled refresh runs"
check "the scheduled refresh stored the members" \
	"$(q "SELECT members || ' ' || entered || ' ' || exited || ' ' || pending_changes FROM journey.segments WHERE name = 'sr_seg'")" "1098 999 2 0"
# 1,001 changes, entries first: 19 batches of 50 entries, one of 49 entries and an exit, one of an exit.
check "its 999 entries' messages were committed in 20 transactions of at most 50" \
	"$(q "SELECT count(*) || ' ' || count(DISTINCT xmin::text) || ' ' || max(n) FROM (SELECT xmin, count(*) OVER (PARTITION BY xmin::text) AS n
	      FROM journey.outbox WHERE journey = 'sr_j' AND id > $last_id) o")" "999 20 50"

# 4. Changes an interrupted refresh left queued go first.
q "UPDATE public.sr_users SET inside = false WHERE id IN ('sr_3', 'sr_4', 'sr_5')" >/dev/null
q "SELECT journey._refresh_diff('sr_seg', now())" >/dev/null	# the diff committed, nothing fired yet
check "an interrupted refresh leaves its changes queued" \
	"$(q "SELECT pending_changes FROM journey.segments WHERE name = 'sr_seg'")" 3
check "the next refresh fires them first (its own diff finds nothing)" \
	"$(q "SELECT entered || ' ' || exited FROM journey.refresh_segment('sr_seg')")" "0 0"
check "the queue is empty and the exits were recorded as events" \
	"$(q "SELECT (SELECT pending_changes FROM journey.segments WHERE name = 'sr_seg') || ' ' ||
	      (SELECT count(*) FROM journey.events WHERE name = 'segment_exit:sr_seg' AND user_id IN ('sr_3', 'sr_4', 'sr_5'))")" "0 3"

# 5. A query that fails: its error with the segment's name, and nothing changed, from SQL or from pg_cron.
before=$(q "SELECT (SELECT members FROM journey.segments WHERE name = 'sr_seg') || ' ' || (SELECT count(*) FROM journey.segment_members WHERE segment = 'sr_seg')
	|| ' ' || (SELECT count(*) FROM journey.events WHERE user_id LIKE 'sr\_%') || ' ' || $(outbox)")
q "UPDATE public.sr_users SET inside = true, divisor = 0 WHERE id = 'sr_3'" >/dev/null
out=$(psql -XAtq -v VERBOSITY=verbose -c "SELECT journey.refresh_segment('sr_seg')" 2>&1)
check "the refresh fails with the query's SQLSTATE and the segment's name" \
	"$(echo "$out" | grep -c 'ERROR:  22012: segment "sr_seg": division by zero')" 1
out=$(psql -XAtq -v VERBOSITY=verbose -c "CALL journey._refresh_segment_job('sr_seg')" 2>&1)
check "so does the scheduled refresh" "$(echo "$out" | grep -c '22012: segment "sr_seg": division by zero')" 1
check "members, events and messages are as they were" \
	"$(q "SELECT (SELECT members FROM journey.segments WHERE name = 'sr_seg') || ' ' || (SELECT count(*) FROM journey.segment_members WHERE segment = 'sr_seg')
	|| ' ' || (SELECT count(*) FROM journey.events WHERE user_id LIKE 'sr\_%') || ' ' || $(outbox)")" "$before"

# 6. A schedule trigger's job enrolls a segment's members a transaction per batch (entry rules apply).
q "SELECT journey.define_segment('sr_list', NULL)" >/dev/null
q "SELECT journey.add_to_segment('sr_list', ARRAY(SELECT 'sr_k' || g FROM generate_series(1, 120) g))" >/dev/null
q "SELECT journey.define('{\"name\": \"sr_k\", \"trigger\": {\"manual\": true}, \"entry\": {\"reentry\": \"never\"}, \"start\": \"s\",
	\"nodes\": {\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"sr_k\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}', true)" >/dev/null
for run in 1 2; do
	psql -XAtq -v ON_ERROR_STOP=1 -c "SET journey.batch_size = 50" -c "CALL journey._enroll_segment_job('sr_k', 'sr_list')" >/dev/null ||
		not_ok "the enrolling job runs ($run)"
done
check "every member entered once, in 3 transactions of at most 50 (the second run: reentry never)" \
	"$(q "SELECT count(*) || ' ' || count(DISTINCT xmin::text) FROM journey.outbox WHERE journey = 'sr_k'")" "120 3"
fault_finish
