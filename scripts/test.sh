#!/usr/bin/env bash
# make test: dependencies, build, install, private clusters, then every suite:
#   GoogleTest (src/core), libFuzzer (test/fuzz, 20 s a target), pg_regress (sql/, expected/), pgTAP (test/pgtap, pg_prove),
#   scripts that need committed data, the worker or other clusters (test/fault), make report's page in
#   headless Chromium (test/report).
# Ends with one line "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

total_pass=0
total_fail=0
count() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); }
finish() {
	echo
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
	exit
}

scripts/deps.sh || { count 0 1; finish; }
if ! make -s -j2 all >build.log 2>&1 || ! make -s install >>build.log 2>&1; then
	tail -n 60 build.log
	echo "build failed"
	count 0 1
	finish
fi

# 1. GoogleTest of the pure C++ core.
echo "== unit (GoogleTest)"
line=$(scripts/unit.sh | tee /dev/stderr | tail -n1)
count "$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')" "$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')"

# 1b. libFuzzer over the definition compiler and the template renderer, briefly (make fuzz runs longer).
#     Each target that runs clean is one pass; a crash is one failure, with its reproducer's path.
echo "== fuzz (libFuzzer, ${TEST_FUZZ_SECONDS:-20} s a target)"
line=$(FUZZ_SECONDS=${TEST_FUZZ_SECONDS:-20} scripts/fuzz.sh | tee /dev/stderr | tail -n1)
fp=$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
ff=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
count "${fp:-0}" "${ff:-1}"

scripts/cluster.sh start test || { count 0 1; finish; }
eval "$(scripts/cluster.sh env test)"

# 2. pg_regress: one file per feature, in database contrib_regression (not served by the scheduler).
echo "== pg_regress"
regress_out=$(make -s installcheck 2>&1)
echo "$regress_out" | grep -E '^(ok|not ok|test | +[a-z_]+ +\.\.\.)|\.\.\. (ok|FAILED)|tests? (passed|failed)' || true
rp=$(echo "$regress_out" | grep -cE '\.\.\. ok|^ok ')
rf=$(echo "$regress_out" | grep -cE '\.\.\. FAILED|^not ok ')
if [ "$rf" -gt 0 ] && [ -f regression.diffs ]; then head -n 80 regression.diffs; fi
if [ "$rp" -eq 0 ] && [ "$rf" -eq 0 ]; then rf=1; echo "$regress_out" | tail -n 20; fi
count "$rp" "$rf"

# 3. pgTAP, as a superuser in the scheduler's own database.
echo "== pgTAP"
psql -Xq -v ON_ERROR_STOP=1 <<'SQL' >/dev/null || count 0 1
DROP EXTENSION IF EXISTS pg_journey CASCADE;
DROP SCHEMA IF EXISTS journey CASCADE;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION pg_journey;
SQL
for f in test/pgtap/*.sql; do
	[ -e "$f" ] || continue
	out=$(pg_prove -v "$f" 2>&1)
	rc=$?
	p=$(echo "$out" | grep -cE '^ok [0-9]+')
	n=$(echo "$out" | grep -cE '^not ok [0-9]+')
	[ $rc -ne 0 ] && [ "$n" -eq 0 ] && n=1
	[ "$n" -gt 0 ] && echo "$out" | grep -vE '^ok [0-9]+' | head -n 40
	echo "$f: $p passed, $n failed"
	count "$p" "$n"
done

# Scripts that print "ok - ..." / "not ok - ..." lines (test/fault/lib.sh), each counted as its lines.
run_scripts() {
	local f out rc p n
	for f in "$@"; do
		[ -e "$f" ] || continue
		[ "$(basename "$f")" = lib.sh ] && continue
		out=$(bash "$f" 2>&1)
		rc=$?
		p=$(echo "$out" | grep -cE '^ok ')
		n=$(echo "$out" | grep -cE '^not ok ')
		[ $rc -ne 0 ] && [ "$n" -eq 0 ] && n=1
		echo "$out" | grep -E '^(ok|not ok) |^#' || true
		[ $rc -ne 0 ] && echo "$out" | tail -n 20
		echo "$f: $p passed, $n failed"
		count "$p" "$n"
	done
}

# 4. Scripts: the worker on the real clock, concurrency, crashes, other clusters.
echo "== scripts (test/fault)"
run_scripts test/fault/*.sh

# 5. make report's page (scripts/report.py) in headless Chromium: its text against the functions' results.
echo "== report (test/report)"
run_scripts test/report/*.sh

finish
