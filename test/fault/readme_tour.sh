#!/usr/bin/env bash
# The README's five-minute tour, run as written (the first ```sql block after "## A five-minute tour") on a
# fresh database that no scheduler serves, and the state each step claims checked afterwards: both users
# stepped, alice's push and e-mail written and bob's e-mail suppressed, the e-mail claimed once, acked with
# its lease (sent), and the delivery report recorded as the event email_opened.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

db=pg_journey_tour_$$
trap 'psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
psql -XAtq -d postgres -c "CREATE DATABASE $db" >/dev/null || { not_ok "create the database"; fault_finish; }
psql -XAtq -d "$db" -c "CREATE EXTENSION pg_journey" >/dev/null || { not_ok "CREATE EXTENSION pg_journey"; fault_finish; }
at() { psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

awk '/^## A five-minute tour/ {tour = 1} tour && /^```sql/ {inside = 1; next} inside && /^```/ {exit} inside {print}' README.md \
	>"$PGHOST/tour.sql"
check "the README has the tour's SQL" "$(grep -c 'journey\.' "$PGHOST/tour.sql" | awk '{print ($1 > 10)}')" 1
if out=$(psql -XAt -v ON_ERROR_STOP=1 -d "$db" -f "$PGHOST/tour.sql" 2>&1); then
	ok "the tour runs as written, without an error"
else
	not_ok "the tour runs as written, without an error" "$(echo "$out" | grep -m3 -E 'ERROR|error')"
fi
check "step 4: both users' steps ran; they completed" \
	"$(at "SELECT string_agg(user_id || ' ' || status, ', ' ORDER BY user_id) FROM journey.instances")" "alice completed, bob completed"
check "step 5: alice's push and e-mail, bob's e-mail suppressed for want of a contact" \
	"$(at "SELECT string_agg(user_id || ' ' || channel || ' ' || status || coalesce(' (' || last_error || ')', ''), ', ' ORDER BY id) FROM journey.outbox")" \
	"alice push pending, alice email sent, bob email suppressed (not reachable on channel email: no contact)"
check "step 6: the e-mail was claimed once and acked with its lease" \
	"$(at "SELECT attempts || ' ' || (lease_id IS NOT NULL) FROM journey.outbox WHERE user_id = 'alice' AND channel = 'email'")" "1 true"
check "step 6: the delivery report is the event email_opened" \
	"$(at "SELECT string_agg(user_id || ' ' || (props ->> 'template'), ', ') FROM journey.events WHERE name = 'email_opened'")" "alice cart_similar"
check "step 7: the summary counts both users" \
	"$(at "SELECT version || ' ' || entered || ' ' || active || ' ' || completed FROM journey.summary('cart_abandonment')")" "1 2 0 2"
check "step 7: the e-mail node's funnel: one sent, one suppressed, one opened" \
	"$(at "SELECT visits || ' ' || sent || ' ' || suppressed || ' ' || opened || ' ' || open_rate FROM journey.node_stats('cart_abandonment') WHERE node = 'email'")" \
	"2 1 1 1 1.000000"
check "step 7: bob's history says why he got no e-mail" \
	"$(at "SELECT detail ->> 'reason' FROM journey.user_history('bob') WHERE what = 'suppressed'")" "not reachable on channel email: no contact"
check "step 7: render draws the journey" "$(at "SELECT journey.render('cart_abandonment') LIKE 'flowchart TD%'")" t
rm -f "$PGHOST/tour.sql"
fault_finish
