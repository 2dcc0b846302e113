# Shared helpers of the test/fault scripts (sourced, not run). Each script prints TAP-like lines
# "ok - ..." / "not ok - ..." and "# ..." notes, and exits non-zero when a check failed.
# The environment is the test cluster's (scripts/test.sh exports it); when run by hand without it,
# the test cluster's settings are used.

fault_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${PGHOST:-}" ] || [ -z "${PGDATABASE:-}" ]; then
	eval "$("$fault_top/scripts/cluster.sh" env test)"
fi
export PGHOST PGPORT PGUSER PGDATABASE

fault_failed=0

# q SQL: one value per line, unaligned, no headers; stops at the first error.
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	fault_failed=1
	shift
	local line
	for line in "$@"; do echo "#   $line"; done
}
note() { echo "# $*"; }

# check DESCRIPTION HAVE WANT: passes when the two strings are equal.
check() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "have: $2" "want: $3"; fi
}

# check_true DESCRIPTION COMMAND...: passes when the command succeeds.
check_true() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi
}

# poll SECONDS SQL: re-runs SQL every 0.1 s until it prints 't'; true if it did within SECONDS.
poll() {
	local deadline=$((SECONDS + $1)) out
	while :; do
		out=$(q "$2" 2>/dev/null)
		[ "$out" == t ] && return 0
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# as_pg COMMAND...: runs the command as postgres, the test cluster's owner, when we are root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# restart: a fast restart of the test cluster (its settings of ALTER SYSTEM take effect), waiting until it
# accepts connections again.
restart() {
	as_pg "$(pg_config --bindir)/pg_ctl" -D "$(q "SHOW data_directory")" -l "$PGHOST/server.log" -m fast -w -t 60 restart >/dev/null
}

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# forget_journeys NAME...: removes every row of these journeys (instances, outbox, audit, versions).
forget_journeys() {
	local name list=""
	for name in "$@"; do list="$list${list:+,}'$name'"; done
	psql -XAtq -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$
DECLARE j text;
BEGIN
	FOR j IN SELECT name FROM journey.journeys WHERE name IN ($list) AND status <> 'archived' LOOP
		PERFORM journey.archive(j);
	END LOOP;
END
\$\$;
DELETE FROM journey.outbox WHERE journey IN ($list);
DELETE FROM journey.instance WHERE journey_id IN (SELECT id FROM journey.journeys WHERE name IN ($list));
DELETE FROM journey.entries WHERE journey IN ($list);
DELETE FROM journey.conversions WHERE journey IN ($list);
DELETE FROM journey.change_log WHERE journey IN ($list);
DELETE FROM journey.versions WHERE journey IN ($list);
DELETE FROM journey.journeys WHERE name IN ($list);
SQL
}

fault_finish() {
	[ "$fault_failed" -eq 0 ]
	exit
}
