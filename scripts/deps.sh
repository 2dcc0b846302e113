#!/usr/bin/env bash
# Installs what pg_journey needs on Debian 12, only what is missing. Idempotent; needs root to install.
set -euo pipefail

packages=(
	postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	g++ make cmake libgtest-dev libbenchmark-dev nlohmann-json3-dev libpq-dev libcurl4-openssl-dev libssl-dev
	# journey-sender's tests and make demo: a local SMTP sink (test/sinks/smtp_sink.py).
	python3-aiosmtpd
	# The fuzz targets (scripts/fuzz.sh): clang, and libclang_rt.fuzzer-x86_64.a with the sanitizers' runtimes.
	clang libclang-rt-14-dev
	# make report (scripts/report.py): Graphviz draws the journeys' diagrams; headless Chromium takes the
	# demo's screenshot and runs the report's browser test (test/report).
	graphviz chromium
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# postgresql-server-dev-15 may upgrade the server to the latest point release: clusters started
# before this must be restarted (scripts/cluster.sh start does that when the binaries changed).
