#!/usr/bin/env bash
# make report in a browser: scripts/report.py's page, opened in headless Chromium (--dump-dom), read back and
# compared with what the SQL functions return (test/report/check_dom.py: one line per check).
#   1. A fixture (test/report/fixture.json): a journey with traffic, sends and a significant split, one with
#      no traffic at all, and one whose description, split label and diagram labels carry HTML and an href.
#      The checker is also shown a wrong count, a wrong winner and an injected element, and must fail them.
#   2. The database (the test cluster's, as the other scripts): three journeys made here — report_t_split
#      (200 users, split A/B, B converts 50 % and A 10 %: p < 0.05, B marked), report_t_even (the same
#      conversion in both arms: no mark), report_t_quiet (nobody entered) — with sends acked and delivery
#      reports; the page's counts must be journey.summary's, node_stats's, split_report's and timeseries's.
#   3. chromium --screenshot writes a PNG of 1280x2000.
# Prints "ok - ..." / "not ok - ..." lines (test/fault/lib.sh); exits non-zero when a check failed.
# REPORT_TEST_KEEP=1 keeps the pages, DOMs and data under /tmp/pg_journey_report.*.
set -uo pipefail
. "$(dirname "$0")/../fault/lib.sh"
cd "$fault_top"

here=test/report
py=/usr/bin/python3
work=$(mktemp -d /tmp/pg_journey_report.XXXXXX)
journeys=(report_t_even report_t_quiet report_t_split)

forget() {
	forget_journeys "${journeys[@]}" >/dev/null 2>&1
	q "DELETE FROM journey.delivery_reports WHERE journey LIKE 'report\_t\_%';
	   DELETE FROM journey.events WHERE user_id LIKE 'report\_t\_%';
	   DELETE FROM journey.contacts WHERE user_id LIKE 'report\_t\_%';
	   DELETE FROM journey.outbox WHERE channel = 'report_t'" >/dev/null 2>&1
}
cleanup() {
	forget
	if [ -n "${REPORT_TEST_KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# chromium_run ARGS...: headless Chromium with a profile of its own (concurrent runs do not share one).
chromium_run() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" "$@" 2>/dev/null
}

# checks DOM EXPECTED: the checker's lines, counted as this script's.
checks() {
	local out
	out=$($py "$here/check_dom.py" "$1" "$2")
	echo "$out"
	echo "$out" | grep -q '^not ok' && fault_failed=1
	[ -n "$out" ] || not_ok "check_dom.py printed nothing"
}

command -v chromium >/dev/null || { not_ok "chromium is installed (scripts/deps.sh)"; fault_finish; }
command -v dot >/dev/null || { not_ok "Graphviz dot is installed (scripts/deps.sh)"; fault_finish; }

# 1. The fixture.
note "fixture: $here/fixture.json"
if $py scripts/report.py --fixture "$here/fixture.json" --out "$work/fixture.html" >"$work/fixture.log" 2>&1; then
	ok "report.py writes the fixture's page (exit 0)"
else
	not_ok "report.py writes the fixture's page (exit 0)" "$(cat "$work/fixture.log")"
fi
chromium_run --dump-dom "file://$work/fixture.html" >"$work/fixture.dom"
checks "$work/fixture.dom" "$here/fixture.json"

# The checker itself: a count off by one, the winner moved to the other arm, and an element injected in the page
# must each make it fail.
$py - "$here/fixture.json" "$work/wrong.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
j = d["journeys"][0]
j["summary"][0]["entered"] += 1
for r in j["split_report"] + j["split_uplift"]:
    if r["label"] == "A":
        r.update(conversion_rate=0.5, p_value=0.001)
json.dump(d, open(sys.argv[2], "w"))
PY
sed 's/&lt;img src=x onerror=alert(3)&gt;/<img src=x onerror=alert(3)>/' "$work/fixture.dom" >"$work/tampered.dom"
wrong=$($py "$here/check_dom.py" "$work/fixture.dom" "$work/wrong.json")
tampered=$($py "$here/check_dom.py" "$work/tampered.dom" "$here/fixture.json")
if echo "$wrong" | grep -q '^not ok - cart_abandonment: summary' &&
	echo "$wrong" | grep -q '^not ok - cart_abandonment: split arms' &&
	echo "$tampered" | grep -q '^not ok - the page is self-contained' &&
	! cmp -s "$work/fixture.dom" "$work/tampered.dom"; then
	ok "the checker fails a wrong count, a wrong winner and an injected <img onerror>"
else
	not_ok "the checker fails a wrong count, a wrong winner and an injected <img onerror>" \
		"$(echo "$wrong" "$tampered" | grep -E '^not ok' | head -n 5)"
fi

# 2. The database.
missing=$(q "SELECT string_agg(f, ', ') FROM unnest(ARRAY['render', 'summary', 'node_stats', 'split_report',
	'timeseries']) f WHERE NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	WHERE n.nspname = 'journey' AND p.proname = f)")
if [ -n "$missing" ]; then
	not_ok "the extension in $PGDATABASE has journey.render, summary, node_stats, split_report, timeseries" \
		"missing: $missing"
	fault_finish
fi
forget
if ! psql -XAtq -v ON_ERROR_STOP=1 >"$work/setup.log" 2>&1 <<'SQL'; then
SET client_min_messages = warning;
SELECT journey.add_channel('report_t');
-- 200 users; every 20th has no address on the channel (its send is suppressed).
SELECT count(journey.set_contact('report_t_' || i, 'report_t', 'addr-' || i)) FROM generate_series(1, 200) i WHERE i % 20 <> 0;
SELECT journey.define('{
  "name": "report_t_split", "description": "Report test: <b>bold</b> & \"quotes\" <script>alert(1)</script>",
  "trigger": {"manual": true}, "goal": {"event": "report_t_bought", "within": "7 days"}, "start": "ab",
  "nodes": {
    "ab": {"split": [{"label": "A", "percent": 50, "next": "mail_a"}, {"label": "B", "percent": 50, "next": "mail_b"}]},
    "mail_a": {"send": {"channel": "report_t", "template": "report_a", "ignore_caps": true}, "next": "hold"},
    "mail_b": {"send": {"channel": "report_t", "template": "report_b", "ignore_caps": true}, "next": "hold"},
    "hold": {"wait": "1 day", "next": "done"},
    "done": {"exit": "completed"}}}', publish => true);
SELECT journey.define('{
  "name": "report_t_even", "trigger": {"manual": true}, "goal": {"event": "report_t_bought", "within": "7 days"},
  "start": "pick",
  "nodes": {
    "pick": {"split": [{"label": "left", "percent": 50, "next": "hold"}, {"label": "right", "percent": 50, "next": "hold"}]},
    "hold": {"wait": "1 day", "next": "done"},
    "done": {"exit": "completed"}}}', publish => true);
SELECT journey.define('{
  "name": "report_t_quiet", "description": "nobody enters", "trigger": {"manual": true}, "start": "hold",
  "nodes": {"hold": {"wait": "1 day", "next": "done"}, "done": {"exit": "completed"}}}', publish => true);
SELECT count(journey.enroll('report_t_split', 'report_t_' || i)) FROM generate_series(1, 200) i;
SELECT count(journey.enroll('report_t_even', 'report_t_e' || i)) FROM generate_series(1, 80) i;
-- Conversions: in report_t_split every 2nd user of arm B and every 10th of arm A; in report_t_even (other users:
-- a goal event converts its user in every journey with that goal) every 4th of each arm.
SELECT count(journey.track(user_id, 'report_t_bought'))
  FROM (SELECT user_id, journey, variant,
               row_number() OVER (PARTITION BY journey, variant ORDER BY user_id) AS k
          FROM journey.instances WHERE journey IN ('report_t_split', 'report_t_even')) x
 WHERE (journey = 'report_t_split' AND k % CASE variant WHEN 'B' THEN 2 ELSE 10 END = 0)
    OR (journey = 'report_t_even' AND k % 4 = 0);
SQL
	not_ok "the journeys, users, conversions of the test are made" "$(tail -n 5 "$work/setup.log")"
	fault_finish
fi
# A sender claims and acks every row; the provider reports: every 10th bounced, the others delivered, every 3rd
# opened, every 6th clicked, the 7th unsubscribed.
if ! psql -XAtq -v ON_ERROR_STOP=1 >>"$work/setup.log" 2>&1 <<'SQL'; then
SELECT count(*) FROM (SELECT journey.ack(array_agg(id), lease_id) FROM journey.claim('report_t', 1000) GROUP BY lease_id) a;
SELECT count(journey.report_delivery(id, s))
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM journey.outbox WHERE channel = 'report_t' AND status = 'sent') o,
       LATERAL unnest(ARRAY[CASE WHEN k % 10 = 0 THEN 'bounced' ELSE 'delivered' END,
                            CASE WHEN k % 3 = 0 THEN 'opened' END,
                            CASE WHEN k % 6 = 0 THEN 'clicked' END,
                            CASE WHEN k = 7 THEN 'unsubscribed' END]) s
 WHERE s IS NOT NULL;
SQL
	not_ok "the sends are acked and reported" "$(tail -n 5 "$work/setup.log")"
	fault_finish
fi
# What the functions return, read here (not through report.py).
q "SELECT json_build_object('journeys', json_agg(json_build_object('name', n,
	  'description', (SELECT definition ->> 'description' FROM journey.versions v WHERE v.journey = n ORDER BY version DESC LIMIT 1),
	  'summary', (SELECT coalesce(json_agg(s), '[]') FROM journey.summary(n) s),
	  'node_stats', (SELECT coalesce(json_agg(s), '[]') FROM journey.node_stats(n) s),
	  'split_report', (SELECT coalesce(json_agg(s), '[]') FROM journey.split_report(n) s),
	  'split_uplift', CASE WHEN to_regproc('journey.split_uplift') IS NOT NULL
	                       THEN (SELECT coalesce(json_agg(s), '[]') FROM journey.split_uplift(n) s) END,
	  'timeseries', (SELECT coalesce(json_agg(s), '[]') FROM journey.timeseries(n, '1 day') s)) ORDER BY n))
	FROM unnest(ARRAY['$(IFS=,; echo "${journeys[*]}" | sed "s/,/','/g")']) n" >"$work/expected.json"
win=$($py -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = {j["name"]: j for j in d["journeys"]}
arms = {r["label"]: r for r in s["report_t_split"]["split_report"]}
even = s["report_t_even"]["split_report"]
sent = sum(r["sent"] or 0 for r in s["report_t_split"]["node_stats"])
b = arms["B"]
print("%s %s %s %s" % (b["p_value"] is not None and float(b["p_value"]) < 0.05 and b["conversion_rate"] > arms["A"]["conversion_rate"],
                       all(r["p_value"] is None or float(r["p_value"]) >= 0.05 for r in even), sent,
                       sum(r["entered"] for r in s["report_t_quiet"]["summary"])))' \
	"$work/expected.json" 2>&1)
check "the data as made: report_t_split's B wins (p < 0.05), report_t_even has no winner, 190 sends, nobody in report_t_quiet" \
	"$win" "True True 190 0"

args=()
for j in "${journeys[@]}"; do args+=(--journey "$j"); done
if $py scripts/report.py "${args[@]}" --out "$work/live.html" >"$work/live.log" 2>&1; then
	ok "report.py writes the database's page (exit 0)"
else
	not_ok "report.py writes the database's page (exit 0)" "$(cat "$work/live.log")"
fi
chromium_run --dump-dom "file://$work/live.html" >"$work/live.dom"
checks "$work/live.dom" "$work/expected.json"

# 3. A screenshot.
chromium_run --window-size=1280,2000 --screenshot="$work/shot.png" "file://$work/live.html" >/dev/null
size=$($py -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
print("%dx%d %s" % (struct.unpack(">II", b[16:24]) + ("over 50 kB" if len(b) > 50000 else "%d bytes" % len(b),)))' \
	"$work/shot.png" 2>&1 | tail -n 1)
check "chromium --screenshot writes a PNG of the page (1280x2000, not blank: over 50 kB, a blank page is 12 kB)" "$size" "1280x2000 over 50 kB"

fault_finish
