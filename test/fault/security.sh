#!/usr/bin/env bash
# Security (issue 11, README "Security model"): roles created as a deployment would, each acting with a
# hostile search_path, and afterwards no role but the bootstrap superuser is superuser, no shadowing
# object ran as anyone but its owner, the other team's table is unread and unchanged, and every journey
# still worked.
#
#   sec_owner   owns the application's schema sec_shop: the event table orders (tracked; a column of an
#               enum with a cast to json of its own) and the profile table customers (tracked; a trigger
#               of its own). Code it attached to its tables may run as itself, never as a superuser.
#   sec_app     the application: only INSERT on sec_shop.orders, and a schema of its own.
#   sec_japp    a journey_app role; sec_sender a journey_sender role; sec_admin a journey_admin role that
#               is not superuser (it allows a function of its own for a call node).
#   sec_other   another team: its table sec_other.salaries that none of the others may read.
# Every role but sec_owner and sec_other puts, in a schema of its own first on its search_path,
# operators = < <= >= ->> and functions now(), coalesce(), jsonb_build_object() that log who ran them
# and make their owner superuser when they run as a superuser; sec_app also has temporary tables named
# like the extension's and a view named like the tracked table. Then the same once more with
# ALTER DATABASE ... SET search_path and ALTER ROLE ... SET search_path, which reach the scheduler worker.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=sec_j
ATTACKERS="sec_app sec_japp sec_sender sec_admin"
ROLES="sec_owner sec_other $ATTACKERS"
# The superuser's own sessions keep a plain path even while the database's and its role's are hostile.
export PGOPTIONS="-c search_path=pg_catalog,public"

# as ROLE SQL: runs SQL as ROLE with its hostile schema first on its path; prints the output (errors too).
as() {
	local role=$1
	shift
	PGOPTIONS="-c search_path=$role,pg_catalog,public" psql -XAtq -U "$role" -v ON_ERROR_STOP=1 -c "$1" 2>&1
}
# sqlstate ROLE SQL: the SQLSTATE the statement fails with as ROLE ("ok" when it succeeds).
sqlstate() {
	local out
	local path="$1,pg_catalog,public"
	[ "$1" == "$PGUSER" ] && path="pg_catalog,public"
	out=$(PGOPTIONS="-c search_path=$path" psql -XAtq -U "$1" -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
		-c "$2" 2>&1) && { echo ok; return; }
	echo "$out" | sed -nE 's/^(psql:[^ ]* )?ERROR: +([0-9A-Z]{5}):.*/\2/p' | head -n1
}

cleanup() {
	psql -XAtq <<SQL >/dev/null 2>&1
ALTER DATABASE "$PGDATABASE" RESET search_path;
ALTER ROLE "$PGUSER" RESET search_path;
SELECT journey.untrack_profiles();
SELECT journey.untrack_events('sec_shop.orders') WHERE to_regclass('sec_shop.orders') IS NOT NULL;
SELECT journey.untrack_events('sec_shop.signals') WHERE to_regclass('sec_shop.signals') IS NOT NULL;
SELECT journey.untrack_events('sec_shop.visits') WHERE to_regclass('sec_shop.visits') IS NOT NULL;
SELECT journey.untrack_events('sec_admin.clicks') WHERE to_regclass('sec_admin.clicks') IS NOT NULL;
SELECT journey.disallow_function(a.fn) FROM journey.allowed_functions a
 WHERE a.fn::oid IN (SELECT p.oid FROM pg_proc p WHERE p.pronamespace::regnamespace::text LIKE 'sec\_%');
SQL
	forget_journeys "$J" sec_v sec_draft 2>/dev/null
	psql -XAtq <<SQL >/dev/null 2>&1
DELETE FROM journey.events WHERE user_id LIKE 'sec\_%';
DELETE FROM journey.contacts WHERE user_id LIKE 'sec\_%';
DELETE FROM journey.entries WHERE user_id LIKE 'sec\_%';
SQL
	local r
	for r in $ROLES; do
		psql -XAtq -c "DROP OWNED BY $r CASCADE" >/dev/null 2>&1
		psql -XAtq -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
	done
	psql -XAtq -c "DROP SCHEMA IF EXISTS sec_shop, sec_other CASCADE" >/dev/null 2>&1
}
trap cleanup EXIT
cleanup
worker_pids() { q "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'"; }

# ---- The deployment, as the superuser.
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<SQL || { not_ok "set up the roles and tables"; fault_finish; }
CREATE ROLE sec_owner LOGIN;
CREATE ROLE sec_other LOGIN;
CREATE ROLE sec_app LOGIN;
CREATE ROLE sec_japp LOGIN IN ROLE journey_app;
CREATE ROLE sec_sender LOGIN IN ROLE journey_sender;
CREATE ROLE sec_admin LOGIN IN ROLE journey_admin;
GRANT CREATE ON DATABASE "$PGDATABASE" TO sec_owner, sec_other, $(echo $ATTACKERS | tr ' ' ',');

SET ROLE sec_other;
CREATE SCHEMA sec_other;
CREATE TABLE sec_other.salaries (user_id text PRIMARY KEY, ssn text, salary int, timezone text);
INSERT INTO sec_other.salaries VALUES ('sec_u1', '078-05-1120', 250000, 'UTC'), ('sec_u2', '219-09-9999', 180000, 'UTC');
RESET ROLE;

SET ROLE sec_owner;
CREATE SCHEMA sec_shop;
-- Everything sec_owner's own code does is logged here, with the role it ran as.
CREATE TABLE sec_shop.ran (who name NOT NULL DEFAULT current_user, what text NOT NULL);
GRANT USAGE ON SCHEMA sec_shop TO PUBLIC;
GRANT INSERT ON sec_shop.ran TO PUBLIC;
CREATE FUNCTION sec_shop.escalate(what text) RETURNS void LANGUAGE plpgsql AS \$f\$
BEGIN
	INSERT INTO sec_shop.ran (what) VALUES (what);
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER ROLE sec_owner SUPERUSER;
	END IF;
END
\$f\$;
CREATE TYPE sec_shop.kind AS ENUM ('small', 'big');
CREATE FUNCTION sec_shop.kind_json(k sec_shop.kind) RETURNS json LANGUAGE plpgsql AS \$f\$
BEGIN
	PERFORM sec_shop.escalate('cast');
	-- For the statements the extension runs next, as whoever it is: a path with sec_admin's operators first.
	PERFORM pg_catalog.set_config('search_path', 'sec_admin, pg_catalog, public', false);
	RETURN pg_catalog.to_json(k::text);
END
\$f\$;
CREATE CAST (sec_shop.kind AS json) WITH FUNCTION sec_shop.kind_json(sec_shop.kind);
CREATE TABLE sec_shop.orders (id bigserial PRIMARY KEY, user_id text NOT NULL, kind sec_shop.kind NOT NULL,
                              qty int NOT NULL, at timestamptz NOT NULL DEFAULT now());
GRANT INSERT ON sec_shop.orders TO sec_app;
GRANT USAGE ON SEQUENCE sec_shop.orders_id_seq TO sec_app;
CREATE TABLE sec_shop.customers (user_id text PRIMARY KEY, score int NOT NULL DEFAULT 0, timezone text);
CREATE FUNCTION sec_shop.customers_changed() RETURNS trigger LANGUAGE plpgsql AS \$f\$
BEGIN
	PERFORM sec_shop.escalate('trigger');
	PERFORM pg_catalog.set_config('search_path', 'sec_admin, pg_catalog, public', false);
	RETURN NEW;
END
\$f\$;
CREATE TRIGGER customers_changed AFTER UPDATE ON sec_shop.customers FOR EACH ROW
	EXECUTE FUNCTION sec_shop.customers_changed();
INSERT INTO sec_shop.customers (user_id, timezone) VALUES ('sec_u1', 'UTC'), ('sec_u2', 'UTC'), ('sec_u3', 'UTC');
CREATE TABLE sec_shop.signals (user_id text NOT NULL, name text NOT NULL, props jsonb, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE sec_shop.visits (user_id text NOT NULL, kind sec_shop.kind NOT NULL, at timestamptz NOT NULL DEFAULT now())
	PARTITION BY RANGE (at);
GRANT INSERT ON sec_shop.visits TO sec_app;
RESET ROLE;
-- A partition the DBA (a superuser) made: it belongs to the superuser, yet rows of the partitioned table are
-- read as the partitioned table's owner.
CREATE TABLE sec_shop.visits_all PARTITION OF sec_shop.visits FOR VALUES FROM (MINVALUE) TO (MAXVALUE);

-- The DBA tracks the application's tables (the superuser may track any table).
SELECT journey.track_events('sec_shop.orders', 'user_id', event_name => 'sec_order', time_column => 'at');
SELECT journey.track_events('sec_shop.signals', 'user_id', 'name', time_column => 'at', props_column => 'props');
SELECT journey.track_events('sec_shop.visits', 'user_id', event_name => 'sec_visit', time_column => 'at');
SELECT journey.track_profiles('sec_shop.customers', 'user_id', 'timezone');
SQL

# ---- Each attacker's schema: shadowing objects that log who ran them and escalate when a superuser does.
for r in $ATTACKERS; do
	out=$(as "$r" "
CREATE SCHEMA $r;
CREATE TABLE $r.ran (who name NOT NULL DEFAULT current_user, what text NOT NULL);
GRANT USAGE ON SCHEMA $r TO PUBLIC;
GRANT INSERT ON $r.ran TO PUBLIC;
CREATE FUNCTION $r.escalate(what text) RETURNS void LANGUAGE plpgsql AS \$f\$
BEGIN
	INSERT INTO $r.ran (what) VALUES (what);
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER ROLE $r SUPERUSER;
	END IF;
END
\$f\$;
CREATE FUNCTION $r.eq(a text, b text) RETURNS bool LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('='); RETURN pg_catalog.texteq(a, b); END \$f\$;
CREATE OPERATOR $r.= (LEFTARG = text, RIGHTARG = text, FUNCTION = $r.eq);
CREATE FUNCTION $r.lt(a timestamptz, b timestamptz) RETURNS bool LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('<'); RETURN pg_catalog.timestamptz_lt(a, b); END \$f\$;
CREATE OPERATOR $r.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = $r.lt);
CREATE FUNCTION $r.le(a timestamptz, b timestamptz) RETURNS bool LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('<='); RETURN pg_catalog.timestamptz_le(a, b); END \$f\$;
CREATE OPERATOR $r.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = $r.le);
CREATE FUNCTION $r.ge(a timestamptz, b timestamptz) RETURNS bool LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('>='); RETURN pg_catalog.timestamptz_ge(a, b); END \$f\$;
CREATE OPERATOR $r.>= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = $r.ge);
CREATE FUNCTION $r.field(a jsonb, b text) RETURNS text LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('->>'); RETURN pg_catalog.jsonb_object_field_text(a, b); END \$f\$;
CREATE OPERATOR $r.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = $r.field);
CREATE FUNCTION $r.now() RETURNS timestamptz LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('now'); RETURN pg_catalog.now(); END \$f\$;
CREATE FUNCTION $r.coalesce(a timestamptz, b text) RETURNS timestamptz LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('coalesce'); RETURN a; END \$f\$;
CREATE FUNCTION $r.jsonb_build_object(a text, b jsonb) RETURNS jsonb LANGUAGE plpgsql AS
	\$f\$ BEGIN PERFORM $r.escalate('jsonb_build_object'); RETURN pg_catalog.jsonb_build_object(a, b); END \$f\$;
")
	[ -n "$out" ] && not_ok "$r creates its shadowing schema" "$out"
	# The shadowing is in force in the role's own session: its own = ran (as itself).
	as "$r" "SELECT 'a'::text = 'b'::text" >/dev/null
done
check "the shadowing operators are in force in each attacker's own session (each logged its own =)" \
	"$(q "SELECT (SELECT count(*) FROM sec_app.ran WHERE what = '=') > 0 AND (SELECT count(*) FROM sec_japp.ran WHERE what = '=') > 0
	        AND (SELECT count(*) FROM sec_sender.ran WHERE what = '=') > 0 AND (SELECT count(*) FROM sec_admin.ran WHERE what = '=') > 0")" t
q "TRUNCATE sec_app.ran, sec_japp.ran, sec_sender.ran, sec_admin.ran" >/dev/null

# ---- From here on the database's and the bootstrap superuser's search_path are hostile too: the scheduler
# worker (restarted to read them) takes the timeouts below.
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<SQL
ALTER DATABASE "$PGDATABASE" SET search_path = sec_admin, pg_catalog, public;
ALTER ROLE "$PGUSER" SET search_path = sec_app, pg_catalog, public;
SQL
before=$(worker_pids)
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'" >/dev/null
poll 15 "SELECT count(*) > 0 AND string_agg(pid::text, ',' ORDER BY pid) <> '$before' FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'" &&
	ok "the scheduler worker restarted under the hostile database and role search_path" ||
	not_ok "the scheduler worker restarted under the hostile database and role search_path"
# ---- sec_admin: its call function, its journey, and what it must not do.
out=$(as sec_admin "
CREATE FUNCTION sec_admin.enrich(user_id text, context jsonb) RETURNS jsonb LANGUAGE plpgsql AS \$f\$
BEGIN
	PERFORM sec_admin.escalate('call');
	PERFORM pg_catalog.set_config('search_path', 'sec_admin, pg_catalog, public', false);
	RETURN pg_catalog.jsonb_build_object('k', 'v-' || user_id);
END
\$f\$;
SELECT journey.allow_function('sec_admin.enrich(text, jsonb)');
CREATE TABLE sec_admin.clicks (user_id text NOT NULL, at timestamptz NOT NULL DEFAULT now());
SELECT journey.track_events('sec_admin.clicks', 'user_id', event_name => 'sec_click', time_column => 'at');
SELECT journey.define(\$d\${
	\"name\": \"$J\",
	\"trigger\": [{\"event\": \"sec_order\"}, {\"event\": \"sec_go\"}, {\"event\": \"sec_click\"}],
	\"start\": \"check\",
	\"nodes\": {
		\"check\": {\"if\": {\"event\": \"sec_order\", \"since\": \"entry\", \"where\": {\"prop\": \"qty\", \"op\": \">\", \"value\": 0}},
		           \"then\": \"upd\", \"else\": \"upd\"},
		\"upd\":   {\"update\": {\"score\": {\"add\": 1}}, \"next\": \"call\"},
		\"call\":  {\"call\": \"sec_admin.enrich\", \"into\": \"extra\", \"next\": \"mail\"},
		\"mail\":  {\"send\": {\"channel\": \"email\", \"template\": \"sec_t\", \"data\": {\"x\": \"{{context.extra.k}}\"}}, \"next\": \"w\"},
		\"w\":     {\"wait_for\": {\"event\": \"sec_paid\"}, \"timeout\": \"2 seconds\", \"on_event\": \"paid\", \"on_timeout\": \"late\"},
		\"paid\":  {\"send\": {\"channel\": \"in_app\", \"template\": \"sec_paid\"}, \"next\": \"done\"},
		\"late\":  {\"send\": {\"channel\": \"in_app\", \"template\": \"sec_late\"}, \"next\": \"done\"},
		\"done\":  {\"exit\": \"completed\"}
	}
}\$d\$, true);
SELECT count(*) FROM journey.validate('{\"name\": \"x\"}');
SELECT journey.define('{\"name\": \"sec_v\", \"trigger\": [{\"event\": \"sec_visit\"}, {\"event\": \"sec_signal\"}], \"start\": \"done\",
	\"nodes\": {\"done\": {\"exit\": \"completed\"}}}', true);
SELECT journey.define('{\"name\": \"sec_draft\", \"trigger\": {\"event\": \"sec_never\"}, \"start\": \"done\",
	\"nodes\": {\"done\": {\"exit\": \"completed\"}}}');
")
check "journey_admin allows its own function, tracks its own table, defines and publishes (hostile path)" \
	"$(echo "$out" | grep -cE 'ERROR')" 0
[ "$(echo "$out" | grep -c ERROR)" -eq 0 ] || note "$out"

check "journey_admin cannot write journey.allowed_functions directly (42501)" \
	"$(sqlstate sec_admin "INSERT INTO journey.allowed_functions (fn, allowed_by) VALUES ('sec_admin.enrich(text, jsonb)', 10)")" 42501
check "journey_admin cannot update allowed_by (42501)" \
	"$(sqlstate sec_admin "UPDATE journey.allowed_functions SET allowed_by = 10")" 42501
check "allowed_by is the role that called allow_function" \
	"$(q "SELECT allowed_by::regrole FROM journey.allowed_functions WHERE fn = 'sec_admin.enrich(text, jsonb)'::regprocedure")" sec_admin
q "CREATE FUNCTION public.sec_super_fn(u text, c jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT c';
   REVOKE ALL ON FUNCTION public.sec_super_fn(text, jsonb) FROM PUBLIC" >/dev/null
check "allow_function of a function the caller may not execute: 42501" \
	"$(sqlstate sec_admin "SELECT journey.allow_function('public.sec_super_fn(text, jsonb)')")" 42501
check "a superuser cannot allow a function whose owner lacks its rights (sec_admin's): 42501" \
	"$(sqlstate "$PGUSER" "SELECT journey.allow_function('sec_admin.enrich(text, jsonb)')")" 42501
q "DROP FUNCTION public.sec_super_fn(text, jsonb)" >/dev/null
for t in versions journeys instance outbox entries tracked_tables profile_source change_log channels conversions; do
	check "journey_admin cannot insert into journey.$t directly (42501)" \
		"$(sqlstate sec_admin "INSERT INTO journey.$t DEFAULT VALUES")" 42501
done
check "journey_admin cannot run journey._batch_rows (42501)" \
	"$(sqlstate sec_admin "SELECT * FROM journey._batch_rows(1) AS r(x int)")" 42501
check "journey_admin cannot run the internal journey._track_profiles (42501)" \
	"$(sqlstate sec_admin "SELECT journey._track_profiles('sec_admin'::regrole, 'sec_admin.clicks', 'user_id', NULL)")" 42501
salaries=$(q "SELECT oid FROM pg_class WHERE relname = 'salaries' AND relnamespace = 'sec_other'::regnamespace")
check "journey_admin cannot make another team's table its profile table (42501)" \
	"$(sqlstate sec_admin "SELECT journey.track_profiles($salaries::oid::regclass, 'user_id', 'timezone')")" 42501
check "journey_admin cannot track another team's table (42501)" \
	"$(sqlstate sec_admin "SELECT journey.track_events($salaries::oid::regclass, 'user_id', event_name => 'x')")" 42501
check "journey_admin cannot untrack a table it does not own (42501)" \
	"$(sqlstate sec_admin "SELECT journey.untrack_events('sec_shop.orders')")" 42501
check "journey_admin cannot untrack the profile table it does not own (42501)" \
	"$(sqlstate sec_admin "SELECT journey.untrack_profiles()")" 42501
check "a session cannot set journey.max_attempts (55P02)" "$(sqlstate sec_sender "SET journey.max_attempts = 1000")" 55P02
check "a session cannot set journey.default_timezone (55P02)" \
	"$(sqlstate sec_japp "SET journey.default_timezone = 'Asia/Tokyo'")" 55P02
check "a superuser session cannot set journey.max_attempts either (55P02)" \
	"$(sqlstate "$PGUSER" "LOAD 'pg_journey'; SET journey.max_attempts = 1000")" 55P02

# ---- The application, journey_app and the sender act, each with its hostile path.
out=$(as sec_japp "
CREATE TEMP TABLE events (id int, user_id text, name text, props jsonb, occurred_at timestamptz);
SELECT journey.set_contact('sec_u1', 'email', 'u1@example.com');
SELECT journey.set_contact('sec_u2', 'email', 'u2@example.com');
" | grep -c ERROR)
check "journey_app sets contacts (hostile path)" "$out" 0
out=$(as sec_app "
CREATE TEMP TABLE events (id int, user_id text, name text, props jsonb, occurred_at timestamptz);
CREATE TEMP TABLE instance (id int);
CREATE TEMP TABLE outbox (id int);
CREATE TEMP TABLE entries (id int);
CREATE TEMP TABLE tracked_tables (tbl regclass);
CREATE FUNCTION sec_app.orders_read() RETURNS TABLE (id bigint, user_id text, kind text, qty int, at timestamptz)
	LANGUAGE plpgsql AS \$f\$ BEGIN PERFORM sec_app.escalate('view orders'); END \$f\$;
CREATE VIEW sec_app.orders AS SELECT * FROM sec_app.orders_read();
INSERT INTO sec_shop.orders (user_id, kind, qty) VALUES ('sec_u1', 'big', 2);
")
check "the application inserts into its tracked table (hostile path, temp tables named like the extension's)" "$out" ""

out=$(as sec_japp "
SELECT journey.track('sec_u2', 'sec_go');
INSERT INTO journey.events (user_id, name) VALUES ('sec_u1', 'sec_paid');
" | grep -c ERROR)
check "journey_app tracks and inserts an event (hostile path)" "$out" 0
out=$(as sec_japp "
SELECT journey.enroll('$J', 'sec_u5', '{}', now() - interval '1 hour') IS NOT NULL;
SELECT journey.unsubscribe('sec_u5', 'sms');
" 2>&1)
check "journey_app enrolls and unsubscribes (hostile path)" "$(echo "$out" | tr '\n' ' ')" "t "
check "journey_app cannot define (42501)" "$(sqlstate sec_japp "SELECT journey.define('{}')")" 42501
check "journey_app cannot choose an event id (42501)" \
	"$(sqlstate sec_japp "INSERT INTO journey.events (id, user_id, name) VALUES (999999999, 'sec_u9', 'x')")" 42501
check "journey_app cannot write journey.instance (42501)" \
	"$(sqlstate sec_japp "UPDATE journey.instance SET status = 'c'")" 42501
check "journey_admin enrolls sec_u3 (hostile path)" \
	"$(as sec_admin "SELECT journey.enroll('$J', 'sec_u3') IS NOT NULL")" t
out=$(as sec_sender "
DO \$b\$
DECLARE
	r record;
	n int := 0;
BEGIN
	FOR r IN SELECT * FROM journey.claim('email') LOOP
		n := n + journey.ack(ARRAY[r.id]);
		PERFORM journey.report_delivery(r.id, 'opened');
	END LOOP;
	RAISE NOTICE 'acked %', n;
END
\$b\$;" 2>&1)
check "the sender claims, acks and reports the e-mails (hostile path)" "$out" "NOTICE:  acked 2"
out=$(as sec_sender "
DO \$b\$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM journey.claim('in_app', 1, '1 minute') LOOP
		PERFORM journey.fail(r.id, 'provider down', '0 seconds');
	END LOOP;
END
\$b\$;" 2>&1)
check "the sender claims and fails an in-app message (hostile path)" "$out" ""
check "journey_sender cannot read journey.outbox directly (42501)" "$(sqlstate sec_sender "SELECT * FROM journey.outbox")" 42501

# sec_u2, sec_u3 and sec_u5 wait for sec_paid for 2 seconds: the worker takes their timeouts.
poll 20 "SELECT count(*) = 4 FROM journey.instances WHERE journey = '$J' AND status <> 'active'" ||
	note "not every instance ended within 20 s: $(q "SELECT string_agg(user_id || ' ' || status || ' ' || coalesce(node, '-') || ' ' || coalesce(error, ''), '; ') FROM journey.instances WHERE journey = '$J'")"
# The application inserts again while the database's path is hostile (a fresh session picks it up).
out=$(psql -XAtq -U sec_app -v ON_ERROR_STOP=1 -c "INSERT INTO sec_shop.orders (user_id, kind, qty) VALUES ('sec_u4', 'small', 1)" 2>&1)
check "the application inserts with the database's hostile search_path" "$out" ""
out=$(psql -XAtq -U sec_admin -v ON_ERROR_STOP=1 -c "SELECT journey.run_due(now() + interval '1 minute')" 2>&1)
check "journey_admin runs run_due with the database's hostile search_path" "$(echo "$out" | grep -c ERROR)" 0

out=$(as sec_admin "
SELECT journey.pause('$J');
SELECT journey.resume('$J');
SELECT count(*) > 0 FROM journey.simulate((SELECT definition FROM journey.versions WHERE journey = '$J'), 'sec_u9',
	jsonb_build_array(jsonb_build_object('name', 'sec_go', 'at', now())), now() + interval '1 day');
SELECT count(*) >= 0 FROM journey.throttle_stats();
SELECT journey.exit('$J', 'sec_u9');
" 2>&1)
check "journey_admin pauses, resumes, simulates (the call runs), exits (hostile path)" "$(echo "$out" | tr '\n' ' ')" "  t t 0 "
out=$(as sec_app "INSERT INTO sec_shop.visits (user_id, kind) VALUES ('sec_u7', 'big')")
check "the application inserts into a tracked partitioned table (a superuser's partition)" "$out" ""
check "the visit entered its journey" "$(q "SELECT status FROM journey.instances WHERE journey = 'sec_v' AND user_id = 'sec_u7'")" completed

# A tracked column's type changed after tracking: refused at the next insert (42804), never read as the
# type it no longer has (it crashed the server).
check "sec_shop.signals tracks (name and props columns)" \
	"$(sqlstate sec_owner "INSERT INTO sec_shop.signals (user_id, name, props) VALUES ('sec_u8', 'sec_signal', '{}')")" ok
check "after ALTER COLUMN props TYPE text, an insert is refused with 42804" \
	"$(sqlstate sec_owner "INSERT INTO sec_shop.signals (user_id, name, props) VALUES ('sec_u8', 'sec_signal', '{}');
	                       ALTER TABLE sec_shop.signals ALTER COLUMN props TYPE text;
	                       INSERT INTO sec_shop.signals (user_id, name, props) VALUES ('sec_u8', 'sec_signal', 'x')")" 42804
check "after ALTER COLUMN name TYPE int, an insert is refused with 42804" \
	"$(sqlstate sec_owner "ALTER TABLE sec_shop.signals ALTER COLUMN props TYPE jsonb USING '{}';
	                       ALTER TABLE sec_shop.signals ALTER COLUMN name TYPE int USING 1;
	                       INSERT INTO sec_shop.signals (user_id, name, props) VALUES ('sec_u8', 7, '{}')")" 42804
check "the server is up (no crash)" "$(q "SELECT 1")" 1

# A call whose allowing role lost EXECUTE on the function (or was dropped) runs no more: the instance fails.
out=$(as sec_admin "REVOKE EXECUTE ON FUNCTION sec_admin.enrich(text, jsonb) FROM sec_admin, PUBLIC;
	SELECT journey.enroll('$J', 'sec_u6') IS NOT NULL;
	GRANT EXECUTE ON FUNCTION sec_admin.enrich(text, jsonb) TO sec_admin;")
check "after its EXECUTE is revoked, the allowed function is not called: the instance fails" \
	"$(q "SELECT status || ': ' || error FROM journey.instances WHERE journey = '$J' AND user_id = 'sec_u6'")" \
	'failed: function "sec_admin.enrich" may not be called: the role that allowed it may no longer execute it'

# A NOTICE quoting a 1 MB user id is bounded too.
size=$(PGOPTIONS="-c search_path=sec_japp,pg_catalog,public" psql -XAtq -U sec_japp \
	-c "SELECT journey.enroll('sec_draft', repeat('u', 1000000))" 2>&1 >/dev/null | wc -c)
if [ "$size" -gt 0 ] && [ "$size" -lt 2000 ]; then ok "enroll's NOTICE about a 1 MB user id is bounded ($size bytes)"; else
	not_ok "enroll's NOTICE about a 1 MB user id is bounded" "$size bytes"; fi

# ---- Afterwards.
check "no role but the bootstrap superuser is superuser" \
	"$(q "SELECT coalesce(string_agg(rolname, ','), '') FROM pg_roles WHERE rolsuper AND rolname <> '$PGUSER'")" ""
check "no shadowing object ran as anyone but its owner" \
	"$(q "SELECT coalesce(string_agg(DISTINCT s || ':' || what || ' as ' || who, ', '), '') FROM (
	        SELECT 'sec_app' AS s, * FROM sec_app.ran UNION ALL SELECT 'sec_japp', * FROM sec_japp.ran
	        UNION ALL SELECT 'sec_sender', * FROM sec_sender.ran UNION ALL SELECT 'sec_admin', * FROM sec_admin.ran) r
	      WHERE who::text <> s")" ""
check "the call ran as the role that allowed its function, once per instance (what the simulation logged is rolled back with it)" \
	"$(q "SELECT string_agg(DISTINCT who::text, ',') || ' ' || count(*) FROM sec_admin.ran WHERE what = 'call'")" "sec_admin 5"
check "the table owner's cast and trigger never ran as a superuser" \
	"$(q "SELECT coalesce(string_agg(DISTINCT what || ' as ' || who, ', '), '') FROM sec_shop.ran r
	      JOIN pg_roles a ON a.rolname = r.who WHERE a.rolsuper")" ""
check "the table owner's cast (the whole row as props) and trigger (update node) ran as the table's owner" \
	"$(q "SELECT string_agg(DISTINCT what || ' as ' || who, ', ' ORDER BY what || ' as ' || who) FROM sec_shop.ran")" \
	"cast as sec_owner, trigger as sec_owner"
check "the other team's table is unchanged" \
	"$(q "SELECT string_agg(user_id || ':' || ssn || ':' || salary, ',' ORDER BY user_id) FROM sec_other.salaries")" \
	"sec_u1:078-05-1120:250000,sec_u2:219-09-9999:180000"
check "the other team's table has no trigger of pg_journey" \
	"$(q "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'sec_other.salaries'::regclass")" 0
check "no ssn reached a payload or a context" \
	"$(q "SELECT count(*) FROM journey.outbox WHERE payload::text LIKE '%078-05%' OR payload::text LIKE '%219-09%'")" 0
check "every journey still worked: each user's path" \
	"$(q "SELECT string_agg(user_id || ':' || status || ':' || coalesce(exit_reason, '-') || ':' || coalesce(context -> 'extra' ->> 'k', '-'), ', ' ORDER BY user_id)
	      FROM journey.instances WHERE journey = '$J'")" \
	"sec_u1:completed:completed:v-sec_u1, sec_u2:completed:completed:v-sec_u2, sec_u3:completed:completed:v-sec_u3, sec_u4:completed:completed:v-sec_u4, sec_u5:completed:completed:v-sec_u5, sec_u6:failed:-:-"
check "every journey still worked: the messages" \
	"$(q "SELECT string_agg(user_id || ':' || template || ':' || status, ', ' ORDER BY user_id, id) FROM journey.outbox WHERE journey = '$J'")" \
	"sec_u1:sec_t:sent, sec_u1:sec_paid:pending, sec_u2:sec_t:sent, sec_u2:sec_late:pending, sec_u3:sec_t:suppressed, sec_u3:sec_late:pending, sec_u4:sec_t:suppressed, sec_u4:sec_late:pending, sec_u5:sec_t:suppressed, sec_u5:sec_late:pending"
check "every journey still worked: the update node wrote the profile table (as its owner)" \
	"$(q "SELECT string_agg(user_id || ':' || score, ',' ORDER BY user_id) FROM sec_shop.customers")" \
	"sec_u1:1,sec_u2:1,sec_u3:1"
fault_finish
