#!/usr/bin/env bash
# A managed database (SPEC §1): pg_journey not in shared_preload_libraries, no pg_cron. CREATE
# EXTENSION works, journey.run_due(as_of) does the scheduler's work, schedule_scheduler() says
# pg_cron is missing (55000), and no scheduler process runs. Uses the "plain" private cluster,
# stopped at the end.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

trap 'scripts/cluster.sh stop plain >/dev/null 2>&1' EXIT
if ! scripts/cluster.sh start plain >/dev/null; then
	not_ok "start the plain cluster"
	fault_finish
fi
eval "$(scripts/cluster.sh env plain)"
export PGHOST PGPORT PGUSER PGDATABASE

check "the plain cluster preloads nothing" "$(q "SHOW shared_preload_libraries")" ""
check "pg_cron is not installed" "$(q "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")" 0

# A fresh install (a schema left by an earlier run goes too).
q "DROP EXTENSION IF EXISTS pg_journey CASCADE" >/dev/null 2>&1
q "DROP SCHEMA IF EXISTS journey CASCADE" >/dev/null 2>&1
if out=$(q "CREATE EXTENSION pg_journey" 2>&1); then ok "CREATE EXTENSION pg_journey without the preload and without pg_cron"; else
	not_ok "CREATE EXTENSION pg_journey without the preload and without pg_cron" "$(echo "$out" | head -n 2)"
	fault_finish
fi

# The journey of SPEC §5, minus its goal (not built yet).
out=$(q "SELECT journey.define(\$j\${
	\"name\": \"cart_abandonment\",
	\"description\": \"Remind users who leave items in the cart\",
	\"trigger\": {\"event\": \"add_to_cart\"},
	\"entry\": {\"reentry\": \"after_exit\", \"cooldown\": \"1 day\"},
	\"exit_when\": [{\"event\": \"checkout\"}],
	\"start\": \"wait\",
	\"nodes\": {
		\"wait\":   {\"wait\": \"2 hours\", \"next\": \"check\"},
		\"check\":  {\"if\": {\"event\": \"checkout\", \"since\": \"entry\"}, \"then\": \"done\", \"else\": \"push?\"},
		\"push?\":  {\"if\": {\"reachable\": \"push\"}, \"then\": \"push\", \"else\": \"email\"},
		\"push\":   {\"send\": {\"channel\": \"push\", \"template\": \"cart_reminder\"}, \"next\": \"email\"},
		\"email\":  {\"send\": {\"channel\": \"email\", \"template\": \"cart_similar\",
		                      \"data\": {\"sku\": \"{{event.sku}}\"}}, \"next\": \"done\"},
		\"done\":   {\"exit\": \"completed\"}
	}
}\$j\$, true)" 2>&1)
check "define and publish the cart journey" "$out" 1

# Events dated from T, a whole second ten years ahead.
T=$(q "SELECT date_trunc('second', now()) + interval '10 years'")
at() { echo "'$T'::timestamptz + interval '$1'"; }
q "SELECT journey.set_contact('both', 'push', 'push-token-1'), journey.set_contact('both', 'email', 'both@example.com'),
          journey.set_contact('mail', 'email', 'mail@example.com'), journey.set_contact('buyer', 'email', 'buyer@example.com')" >/dev/null
q "SELECT journey.track(u, 'add_to_cart', jsonb_build_object('sku', 'SKU-' || u), $(at '0 seconds'))
     FROM unnest(ARRAY['both', 'mail', 'buyer', 'nobody']) u" >/dev/null
q "SELECT journey.track('buyer', 'checkout', '{}', $(at '30 minutes'))" >/dev/null
check "four users entered" "$(q "SELECT count(*) FROM journey.instances WHERE journey = 'cart_abandonment'")" 4
check "checkout exited the buyer at once (exit_when)" \
	"$(q "SELECT status || ':' || exit_reason FROM journey.instances WHERE user_id = 'buyer'")" exited:exit_event

check "run_due before the 2-hour wait ends executes no step" "$(q "SELECT journey.run_due($(at '1 hour 59 minutes'))")" 0
check "... and writes no outbox row" "$(q "SELECT count(*) FROM journey.outbox")" 0
check "run_due(as_of) when the wait ended executes the three waiting users' steps" \
	"$(q "SELECT journey.run_due($(at '2 hours'))")" 3
check "the outbox rows of SPEC §5" \
	"$(q "SELECT string_agg(user_id || ':' || channel || ':' || template || ':' || status, ' ' ORDER BY user_id, id) FROM journey.outbox")" \
	"both:push:cart_reminder:pending both:email:cart_similar:pending mail:email:cart_similar:pending nobody:email:cart_similar:suppressed"
check "rows are created as of run_due's as_of" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE created_at = $(at '2 hours') AND available_at = created_at")" 4
check "the email data is rendered from the triggering event" \
	"$(q "SELECT payload -> 'data' ->> 'sku' FROM journey.outbox WHERE user_id = 'mail'")" SKU-mail
check "payload.to is the contact address" \
	"$(q "SELECT payload ->> 'to' FROM journey.outbox WHERE user_id = 'both' AND channel = 'push'")" push-token-1
check "the three instances completed" \
	"$(q "SELECT string_agg(user_id || ':' || status, ' ' ORDER BY user_id) FROM journey.instances WHERE user_id <> 'buyer'")" \
	"both:completed mail:completed nobody:completed"
check "a second run_due has nothing left to do" "$(q "SELECT journey.run_due($(at '3 hours'))")" 0
check "run_due() on the real clock leaves future steps alone" "$(q "SELECT journey.run_due()")" 0

out=$(psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "SELECT journey.schedule_scheduler()" 2>&1)
if echo "$out" | grep -q '55000'; then ok "schedule_scheduler() without pg_cron: SQLSTATE 55000"; else
	not_ok "schedule_scheduler() without pg_cron: SQLSTATE 55000" "$out"; fi
check "no 'pg_journey scheduler' process runs" \
	"$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_journey%'")" 0

# DROP EXTENSION removes everything the extension made, its schema included.
if out=$(q "DROP EXTENSION pg_journey" 2>&1); then ok "DROP EXTENSION pg_journey"; else not_ok "DROP EXTENSION pg_journey" "$out"; fi
check "DROP EXTENSION leaves no schema journey behind" "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'journey'")" 0

fault_finish
