#!/usr/bin/env bash
# make report: one self-contained HTML page of a database's journeys (scripts/report.py): each journey's
# diagram, summary, funnel and message rates per node, split results and a daily chart.
#
#   scripts/report.sh [--screenshot] [DB]
#
# Reads the private cluster of REPORT_PROFILE (default demo: start it with make demo), database DB (default
# that cluster's, journey_demo). Writes report/index.html for the default database, report/DB.html for
# another; --screenshot also writes report/screenshot.png (headless Chromium, 1280x2000).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

shot=0
if [ "${1:-}" = --screenshot ]; then shot=1; shift; fi
profile=${REPORT_PROFILE:-demo}
eval "$(scripts/cluster.sh env "$profile")"
default_db=$PGDATABASE
db=${1:-$default_db}
if [ "$db" = "$default_db" ]; then out=report/index.html; else out=report/$db.html; fi

if ! psql -XtAq -d "$db" -c 'SELECT 1' >/dev/null 2>&1; then
	echo "report: cannot connect to database $db of the $profile cluster ($PGHOST, port $PGPORT);" \
		"start it with make demo" >&2
	exit 1
fi
command -v dot >/dev/null || echo "report: Graphviz (dot) is not installed: diagrams are shown as their source (scripts/deps.sh installs it)" >&2

/usr/bin/python3 scripts/report.py --db "$db" --out "$out"

if [ "$shot" -eq 1 ]; then
	profile_dir=$(mktemp -d)
	trap 'rm -rf "$profile_dir"' EXIT
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile_dir" \
		--window-size=1280,2000 --screenshot="$top/report/screenshot.png" "file://$top/$out" >/dev/null 2>&1 ||
		{ echo "report: chromium could not take the screenshot" >&2; exit 1; }
	echo "report: wrote report/screenshot.png"
fi
echo "report: open file://$top/$out in a browser"
