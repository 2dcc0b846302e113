#!/usr/bin/env bash
# journey.workers = 2 gives the same final state as journey.workers = 1. One deterministic journey
# (a wait, a split, a parallel with a send and a wait_for that either resumes or times out, a loop of
# profile updates through a wait, a condition on an event since entry, sends that render the event,
# the profile and the context) runs over the same users twice: with two scheduler workers, then, the
# journey and its rows forgotten and the same definition defined again, with one. Per user, the final
# status, exit reason, node, split label, context, profile attributes and every outbox row (node, visit,
# channel, template, status, rendered payload) must be the same in both runs.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$fault_top"

J=ws_journey
USERS=1200
cleanup() {
	forget_journeys "$J" 2>/dev/null
	q "DELETE FROM journey.events WHERE user_id LIKE 'ws\_%'" >/dev/null 2>&1
	q "DELETE FROM journey.profiles WHERE user_id LIKE 'ws\_%'" >/dev/null 2>&1
	q "DELETE FROM journey.contacts WHERE user_id LIKE 'ws\_%'" >/dev/null 2>&1
}
restore() {
	q "DROP TABLE IF EXISTS public.ws_state" >/dev/null 2>&1
	q "ALTER SYSTEM RESET journey.workers" >/dev/null 2>&1
	q "ALTER SYSTEM RESET journey.scheduler" >/dev/null 2>&1
	restart
}
trap 'cleanup; restore' EXIT
cleanup
q "DROP TABLE IF EXISTS public.ws_state; CREATE TABLE public.ws_state (workers int, user_id text, instance text, sends text)" >/dev/null

definition=$(cat <<'JSON'
{"name": "ws_journey", "trigger": {"event": "ws_go"}, "start": "w1",
 "nodes": {
  "w1":  {"wait": "3 seconds", "next": "sp"},
  "sp":  {"split": [{"label": "A", "percent": 50, "next": "pa"}, {"label": "B", "percent": 50, "next": "lp"}]},
  "pa":  {"parallel": ["s1", "wf"]},
  "s1":  {"send": {"channel": "email", "template": "ws_a", "data": {"n": "{{event.n}}", "tier": "{{user.tier}}"}}, "next": "x1"},
  "x1":  {"exit": "a_mail"},
  "wf":  {"wait_for": {"event": "ws_reply"}, "timeout": "6 seconds", "on_event": "s2", "on_timeout": "s3"},
  "s2":  {"send": {"channel": "push", "template": "ws_replied"}, "next": "x2"},
  "x2":  {"exit": "replied"},
  "s3":  {"send": {"channel": "push", "template": "ws_silent", "data": {"tier": "{{user.tier}}"}}, "next": "x3"},
  "x3":  {"exit": "silent"},
  "lp":  {"update": {"loops": {"add": 1}}, "next": "ck"},
  "ck":  {"if": {"attribute": "loops", "op": "<", "value": 3}, "then": "lw", "else": "done?"},
  "lw":  {"wait": "1 second", "next": "lp"},
  "done?": {"if": {"event": "ws_done", "since": "entry"}, "then": "sb1", "else": "sb2"},
  "sb1": {"send": {"channel": "sms", "template": "ws_b_done", "data": {"loops": "{{user.loops}}", "n": "{{event.n}}"}}, "next": "x4"},
  "x4":  {"exit": "b_done"},
  "sb2": {"send": {"channel": "sms", "template": "ws_b_open", "data": {"loops": "{{user.loops}}"}}, "next": "x5"},
  "x5":  {"exit": "b_open"}
 }}
JSON
)

# run WORKERS: the whole journey over every user with that many scheduler workers; its final state
# goes to ws_state.
run() {
	local workers=$1 a_users
	forget_journeys "$J"
	q "DELETE FROM journey.events WHERE user_id LIKE 'ws\_%'" >/dev/null
	q "DELETE FROM journey.profiles WHERE user_id LIKE 'ws\_%'" >/dev/null
	q "DELETE FROM journey.contacts WHERE user_id LIKE 'ws\_%'" >/dev/null
	q "ALTER SYSTEM SET journey.workers = $workers" >/dev/null && q "ALTER SYSTEM SET journey.scheduler = on" >/dev/null
	restart || { not_ok "the test cluster restarts with journey.workers = $workers"; fault_finish; }
	poll 10 "SELECT count(*) = $workers FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'" &&
		ok "$workers scheduler worker(s) run" ||
		not_ok "$workers scheduler worker(s) run" "have: $(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_journey scheduler'")"

	q "INSERT INTO journey.profiles (user_id, attributes)
	   SELECT 'ws_' || g, jsonb_build_object('tier', CASE WHEN g % 4 = 0 THEN 'gold' ELSE 'silver' END, 'loops', g % 2)
	     FROM generate_series(1, $USERS) g" >/dev/null
	# Every user but each fifth can be reached by e-mail, push and sms; the rest have their sends suppressed.
	q "INSERT INTO journey.contacts (user_id, channel, address)
	   SELECT 'ws_' || g, c, 'ws_' || g || '@' || c FROM generate_series(1, $USERS) g, unnest(ARRAY['email', 'push', 'sms']) c
	    WHERE g % 5 <> 0" >/dev/null
	q "SELECT journey.define('$definition'::jsonb, true)" >/dev/null || { not_ok "define $J ($workers workers)"; fault_finish; }
	q "INSERT INTO journey.events (user_id, name, props, occurred_at)
	   SELECT 'ws_' || g, 'ws_go', jsonb_build_object('n', g), now() FROM generate_series(1, $USERS) g" >/dev/null
	# Events after entry that the condition "done?" sees for each third user, seconds before it is evaluated.
	q "INSERT INTO journey.events (user_id, name, occurred_at)
	   SELECT 'ws_' || g, 'ws_done', now() FROM generate_series(1, $USERS) g WHERE g % 3 = 0" >/dev/null
	check "every user entered ($workers workers)" "$(q "SELECT count(*) FROM journey.instances WHERE journey = '$J'")" "$USERS"

	# Once every branch A waits at wf (its send s1 is written in the same step), every other one of them replies.
	if poll 8 "SELECT count(*) FILTER (WHERE variant IS NULL) = 0
	             AND count(*) FILTER (WHERE variant = 'A') = (SELECT count(*) FROM journey.outbox WHERE journey = '$J' AND template = 'ws_a')
	           FROM journey.instances WHERE journey = '$J'"; then
		ok "every branch A reached its wait_for before the replies ($workers workers)"
	else
		not_ok "every branch A reached its wait_for before the replies ($workers workers)"
	fi
	q "INSERT INTO journey.events (user_id, name, occurred_at)
	   SELECT user_id, 'ws_reply', now() FROM journey.instances
	    WHERE journey = '$J' AND variant = 'A' AND substr(user_id, 4)::int % 2 = 0" >/dev/null
	poll 30 "SELECT count(*) = 0 FROM journey.instances WHERE journey = '$J' AND status = 'active'" ||
		not_ok "every instance ended within 30 s ($workers workers)" \
			"still active: $(q "SELECT count(*) FROM journey.instances WHERE journey = '$J' AND status = 'active'")"

	q "INSERT INTO public.ws_state
	   SELECT $workers, i.user_id,
	          concat_ws(' | ', i.status, i.exit_reason, i.node, i.variant, i.context::text, p.attributes::text, i.error),
	          (SELECT string_agg(concat_ws(' ', o.node, split_part(o.dedup_key, ':', 3), o.channel, o.template, o.status,
	                                       o.payload::text), ' / ' ORDER BY o.node, o.dedup_key)
	             FROM journey.outbox o WHERE o.instance_id = i.id)
	     FROM journey.instances i LEFT JOIN journey.profiles p USING (user_id)
	    WHERE i.journey = '$J'" >/dev/null
}

run 2
run 1

check "both runs ended every instance" \
	"$(q "SELECT string_agg(workers || ':' || n, ' ' ORDER BY workers) FROM (SELECT workers, count(*) AS n FROM ws_state GROUP BY 1) s")" \
	"1:$USERS 2:$USERS"
differ=$(q "SELECT count(*) FROM ws_state a FULL JOIN ws_state b ON b.user_id = a.user_id AND b.workers = 1
             WHERE a.workers = 2 AND (b.user_id IS NULL OR a.instance IS DISTINCT FROM b.instance OR a.sends IS DISTINCT FROM b.sends)")
check "each user's final state is the same with 2 workers as with 1" "$differ" 0
if [ "$differ" != 0 ]; then
	q "SELECT a.user_id || E'\n#     2: ' || a.instance || ' || ' || coalesce(a.sends, '') || E'\n#     1: ' || b.instance || ' || ' || coalesce(b.sends, '')
	     FROM ws_state a JOIN ws_state b ON b.user_id = a.user_id AND b.workers = 1
	    WHERE a.workers = 2 AND (a.instance IS DISTINCT FROM b.instance OR a.sends IS DISTINCT FROM b.sends) LIMIT 3" |
		sed 's/^/#   /'
fi
# The runs are not trivially equal: every path of the journey was taken by some user.
check "every ending was reached" \
	"$(q "SELECT string_agg(DISTINCT split_part(instance, ' | ', 2), ',' ORDER BY split_part(instance, ' | ', 2)) FROM ws_state WHERE workers = 1")" \
	"b_done,b_open,replied,silent"
check "sends were written and suppressed" \
	"$(q "SELECT count(*) FILTER (WHERE sends LIKE '% sent %' OR sends LIKE '% pending %') > 0 AND count(*) FILTER (WHERE sends LIKE '%suppressed%') > 0 FROM ws_state")" t
check "the loop ran three profile updates" \
	"$(q "SELECT count(*) FROM ws_state WHERE workers = 1 AND split_part(instance, ' | ', 2) LIKE 'b\_%' AND instance NOT LIKE '%\"loops\": 3%'")" 0
fault_finish
