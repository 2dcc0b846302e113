#!/usr/bin/env bash
# make demo: installs what is missing, builds, starts the private demo cluster, loads the example
# journeys (with waits shortened to seconds), feeds them synthetic users, lets the scheduler advance
# them on the real clock and shows what happened; then journey-sender delivers the e-mails and webhooks to
# local sinks (scripts/demo_sender.sh), and writes the report (report/index.html and report/screenshot.png,
# scripts/report.sh). Run it again at will; `make demo-stop` stops it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh
make -s -j2 all >build.log 2>&1 || { tail -n 40 build.log; exit 1; }
make -s install >>build.log 2>&1 || { tail -n 40 build.log; exit 1; }
scripts/cluster.sh start demo
eval "$(scripts/cluster.sh env demo)"
users=${DEMO_USERS:-300}

echo "== loading the example journeys into $PGDATABASE (waits shortened to seconds)"
psql -Xq -v ON_ERROR_STOP=1 \
	-v cart="$(cat examples/cart_abandonment.json)" -v welcome="$(cat examples/welcome.json)" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP EXTENSION IF EXISTS pg_journey CASCADE;
DROP SCHEMA IF EXISTS journey CASCADE;
CREATE EXTENSION pg_journey;
SELECT journey.define(jsonb_set(:'cart'::jsonb, '{nodes,wait,wait}', '"3 seconds"'), publish => true) AS cart_version;
SELECT journey.define(jsonb_set(:'welcome'::jsonb, '{nodes,await_profile,timeout}', '"4 seconds"'), publish => true)
       AS welcome_version;
SQL

echo "== $users synthetic shoppers add to cart; 10% check out; 1/3 reachable by push, 2/3 by e-mail"
psql -Xq -v ON_ERROR_STOP=1 -v users="$users" <<'SQL'
SELECT count(*) FILTER (WHERE i % 3 = 0 AND journey.set_contact('user' || i, 'push', 'token-' || i) IS NULL)
     + count(*) FILTER (WHERE i % 3 <> 2 AND journey.set_contact('user' || i, 'email', 'user' || i || '@example.com') IS NULL)
       AS contacts
  FROM generate_series(1, :users) i;
SELECT count(journey.track('user' || i, 'add_to_cart', jsonb_build_object('sku', 'SKU-' || (i % 17)))) AS carts
  FROM generate_series(1, :users) i;
SELECT count(journey.track('user' || i, 'checkout')) AS checkouts FROM generate_series(1, :users, 10) i;
SELECT count(journey.track('user' || i, 'signed_up')) AS signups FROM generate_series(1, :users, 5) i;
SELECT count(journey.track('user' || i, 'profile_completed')) AS profiles FROM generate_series(1, :users, 10) i;
SQL

echo "== the playbooks on the application's own tables: carts keyed by cart, lead scoring, course recommendations"
psql -Xq -v ON_ERROR_STOP=1 -v users="$users" \
	-v cart_by_cart="$(cat examples/cart_by_cart.json)" -v lead_up="$(cat examples/lead_score_up.json)" \
	-v lead_down="$(cat examples/lead_score_down.json)" -v courses="$(cat examples/course_recommendations.json)" \
	-f scripts/demo_playbooks.sql
echo "== segments: inactivity scoring, cold-user reactivation, free to paid (a pg_cron job each Monday)"
psql -Xq -v ON_ERROR_STOP=1 -v scoring="$(cat examples/inactivity_scoring.json)" \
	-v cold="$(cat examples/cold_reactivation.json)" -v ftp="$(cat examples/free_to_paid.json)" \
	-f scripts/demo_segments.sql
# Some of the course students start a course while the journey waits for it (the goal).
(sleep 6 && psql -Xq -c "INSERT INTO school.course_activity (user_id, course_id, kind)
	SELECT 'user' || i, 2, 'started' FROM generate_series(1, 30, 5) i") &

echo "== waiting for the scheduler (no run_due call: the background worker advances the waits)"
for _ in $(seq 1 60); do
	active=$(psql -XtAc "SELECT count(*) FROM journey.instances WHERE status = 'active'")
	[ "$active" -eq 0 ] && break
	sleep 0.5
done

psql -X <<'SQL'
\echo '== instances by journey and outcome'
SELECT journey, status, exit_reason, count(*) FROM journey.instances GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
\echo '== the outbox: messages by channel and status'
SELECT journey, channel, template, status, count(*) FROM journey.outbox GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
\echo '== lead scores (examples/lead_score_up.json, lead_score_down.json): the distribution'
SELECT lead_score, count(*) AS users FROM media.users GROUP BY 1 ORDER BY 1;
\echo '== segments (journey.segments) and their pg_cron jobs'
SELECT name, members, entered, exited, last_refresh_duration, cron_job
  FROM journey.segments ORDER BY name;
SELECT jobname, schedule, command FROM cron.job WHERE jobname LIKE 'journey:%' ORDER BY jobname;
\echo '== lead scores after the inactivity segments (examples/inactivity_scoring.json)'
SELECT count(*) FILTER (WHERE lead_score < 0) AS below_zero, min(lead_score), max(lead_score) FROM media.users;
\echo '== goal conversions'
SELECT journey, count(*) AS converted FROM journey.conversions GROUP BY 1 ORDER BY 1;
\echo '== one outbox row of each journey and template'
SELECT DISTINCT ON (journey, template) journey, user_id, channel, payload, dedup_key, status, last_error
  FROM journey.outbox ORDER BY journey, template, id;
\echo '== a sender at work: claim 5 e-mails, acknowledge them'
SELECT journey.ack(array_agg(id)) AS acked FROM journey.claim('email', 5);
\echo '== from the add_to_cart event to its outbox row (the wait was 3 seconds)'
SELECT round(avg(extract(epoch FROM o.created_at - i.entered_at))::numeric, 3) AS avg_seconds_to_send,
       round(max(extract(epoch FROM o.created_at - i.entered_at))::numeric, 3) AS max_seconds_to_send
  FROM journey.outbox o JOIN journey.instances i ON i.id = o.instance_id WHERE o.journey = 'cart_abandonment';
SQL
scripts/demo_sender.sh
echo "== measurement (SPEC §8): an A/B test of two win-back offers against a holdout (scripts/demo_ab.sql)"
psql -Xq -v ON_ERROR_STOP=1 -f scripts/demo_ab.sql
echo "== the report (make report): each journey's diagram, counts, funnel, splits and daily chart in one page"
scripts/report.sh --screenshot
echo "The demo cluster keeps running: $(scripts/cluster.sh env demo)"
echo "Stop it with: make demo-stop"
