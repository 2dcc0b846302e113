#!/usr/bin/env bash
# pg_cron runs segments and journeys on a schedule (issue 13): journey.schedule_segment installs a job named
# journey:<segment> that refreshes the segment (its entries fire the segment_enter journey); a journey with a
# {"schedule": CRON, "segment": S} trigger installs journey:<journey> on publish, which enrolls S's members;
# pause and archive remove it, resume puts it back; drop_segment removes the segment's job. Both jobs are
# waited for at pg_cron's next minute (at most about 70 s). Without pg_cron (a database that does not have
# the extension) these raise 55000 saying how to install it, and refreshes still work.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

nocron_db=pg_journey_nocron_$$
cleanup() {
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $nocron_db" >/dev/null 2>&1
	forget_journeys sc_enter sc_weekly 2>/dev/null
	q "SELECT journey.drop_segment(name) FROM journey.segments WHERE name IN ('sc_cold', 'sc_list')" >/dev/null 2>&1
	q "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'journey:sc\_%'" >/dev/null 2>&1
	q "DELETE FROM journey.events WHERE user_id LIKE 'sc\_%'" >/dev/null 2>&1
	q "DROP TABLE IF EXISTS public.sc_users" >/dev/null 2>&1
}
trap cleanup EXIT
cleanup

check "pg_cron is installed in the test database" "$(q "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")" 1

q "CREATE TABLE public.sc_users (id text PRIMARY KEY, cold bool NOT NULL);
   INSERT INTO public.sc_users VALUES ('sc_1', true), ('sc_2', true), ('sc_3', true), ('sc_4', false)" >/dev/null
q "SELECT journey.define_segment('sc_cold', 'SELECT id FROM public.sc_users WHERE cold'),
          journey.define_segment('sc_list', NULL)" >/dev/null || { not_ok "define the segments"; fault_finish; }
q "SELECT journey.add_to_segment('sc_list', ARRAY['sc_a', 'sc_b'])" >/dev/null
q "SELECT journey.define('{\"name\": \"sc_enter\", \"trigger\": {\"segment_enter\": \"sc_cold\"}, \"start\": \"s\",
	\"nodes\": {\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"sc_hello\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}', true),
   journey.define('{\"name\": \"sc_weekly\", \"trigger\": {\"schedule\": \"* * * * *\", \"segment\": \"sc_list\"}, \"start\": \"s\",
	\"nodes\": {\"s\": {\"send\": {\"channel\": \"in_app\", \"template\": \"sc_tick\"}, \"next\": \"d\"}, \"d\": {\"exit\": \"completed\"}}}', true)" \
	>/dev/null || { not_ok "define and publish the journeys"; fault_finish; }

check "publishing a scheduled journey installs its pg_cron job" \
	"$(q "SELECT schedule || ' | ' || command FROM cron.job WHERE jobname = 'journey:sc_weekly'")" \
	"* * * * * | CALL journey._enroll_segment_job('sc_weekly', 'sc_list')"
job=$(q "SELECT journey.schedule_segment('sc_cold', '* * * * *')")
check "schedule_segment installs journey:sc_cold and returns its id" \
	"$(q "SELECT jobid || ' ' || command FROM cron.job WHERE jobname = 'journey:sc_cold'")" \
	"$job CALL journey._refresh_segment_job('sc_cold')"
check "journey.segments shows the job" "$(q "SELECT cron_job || ' ' || cron_schedule FROM journey.segments WHERE name = 'sc_cold'")" "$job * * * * *"
check "the segment has not been refreshed yet" "$(q "SELECT last_refresh IS NULL FROM journey.segments WHERE name = 'sc_cold'")" t

started=$SECONDS
if poll 80 "SELECT (SELECT last_refresh IS NOT NULL FROM journey.segments WHERE name = 'sc_cold')
                AND (SELECT count(*) = 3 FROM journey.instances WHERE journey = 'sc_enter')
                AND (SELECT count(*) >= 2 FROM journey.instances WHERE journey = 'sc_weekly')"; then
	ok "pg_cron ran both jobs within $((SECONDS - started)) s"
else
	not_ok "pg_cron ran both jobs within 80 s" \
		"runs: $(q "SELECT string_agg(j.jobname || ' ' || d.status || ' ' || coalesce(d.return_message, ''), '; ')
		             FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname LIKE 'journey:sc\_%'")"
fi
check "the scheduled refresh entered the cold users into the segment_enter journey" \
	"$(q "SELECT string_agg(user_id, ',' ORDER BY user_id) FROM journey.instances WHERE journey = 'sc_enter'")" "sc_1,sc_2,sc_3"
check "and wrote their messages" "$(q "SELECT count(*) FROM journey.outbox WHERE template = 'sc_hello'")" 3
check "the refresh is recorded" "$(q "SELECT members || ' ' || entered || ' ' || exited || ' ' ||
	(last_refresh_duration IS NOT NULL) || ' ' || pending_changes FROM journey.segments WHERE name = 'sc_cold'")" "3 3 0 true 0"
check "the scheduled journey enrolled the static segment's members" \
	"$(q "SELECT string_agg(DISTINCT user_id, ',' ORDER BY user_id) FROM journey.instances WHERE journey = 'sc_weekly'")" "sc_a,sc_b"
check "pg_cron recorded both runs as succeeded" \
	"$(q "SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	      WHERE j.jobname IN ('journey:sc_cold', 'journey:sc_weekly') AND d.status = 'succeeded'")" 2

q "SELECT journey.pause('sc_weekly')" >/dev/null
check "pausing the journey removes its job" "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'journey:sc_weekly'")" 0
q "SELECT journey.resume('sc_weekly')" >/dev/null
check "resuming puts it back" "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'journey:sc_weekly'")" 1
q "SELECT journey.archive('sc_weekly'), journey.archive('sc_enter')" >/dev/null
check "archiving removes it" "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'journey:sc_weekly'")" 0
q "SELECT journey.drop_segment('sc_cold')" >/dev/null
check "dropping the segment removes its job" "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'journey:sc_cold'")" 0

# Without pg_cron.
psql -XAtq -d postgres -c "CREATE DATABASE $nocron_db" >/dev/null
psql -XAtq -d "$nocron_db" -c "CREATE EXTENSION pg_journey" >/dev/null
in_nocron() { psql -XAtq -d "$nocron_db" -c "$1" 2>&1; }
in_nocron "SELECT journey.define_segment('nc', 'SELECT ''u1''')" >/dev/null
out=$(psql -XAtq -d "$nocron_db" -v VERBOSITY=verbose -c "SELECT journey.schedule_segment('nc', '0 * * * *')" 2>&1)
check "without pg_cron: schedule_segment raises 55000 saying how to install it" \
	"$(echo "$out" | grep -cE '55000.*pg_cron is not installed|HINT:.*apt-get install postgresql-15-cron')" 2
out=$(psql -XAtq -d "$nocron_db" -v VERBOSITY=verbose -c "SELECT journey.define('{\"name\": \"nc_j\", \"trigger\": {\"schedule\": \"0 9 * * *\", \"segment\": \"nc\"},
	\"start\": \"d\", \"nodes\": {\"d\": {\"exit\": \"completed\"}}}', true)" 2>&1)
check "publishing a scheduled journey raises 55000 too" "$(echo "$out" | grep -c '55000')" 1
check "a refresh still works" "$(in_nocron "SELECT entered FROM journey.refresh_segment('nc')")" 1
fault_finish
