#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for this checkout: data and socket under /tmp, named after a hash
# of the checkout path, run as the postgres user (initdb refuses root).
#
#   cluster.sh start PROFILE     initdb when needed, (re)start; PROFILE: test | demo | plain
#   cluster.sh stop PROFILE
#   cluster.sh env PROFILE       prints PGHOST/PGPORT/PGUSER/PGDATABASE exports
#
# test and demo preload pg_journey and pg_cron (the scheduler serves database journey_PROFILE);
# plain preloads nothing (a managed database: run_due only).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: cluster.sh start|stop|env PROFILE}
profile=${2:-test}
case "$profile" in
test) offset=0 ;; demo) offset=1 ;; plain) offset=2 ;;
*) echo "cluster.sh: unknown profile $profile" >&2; exit 2 ;;
esac

hash=$(printf '%s' "$top" | md5sum | cut -c1-8)
base=/tmp/pg_journey-$hash-$profile
data=$base/data
port=$((20000 + (0x${hash:0:4} % 3000) * 3 + offset))
db=journey_$profile
bindir=$(pg_config --bindir)

as_pg() { runuser -u postgres -- "$@"; }
[ "$(id -u)" -eq 0 ] || as_pg() { "$@"; }

print_env() {
	echo "export PGHOST=$base PGPORT=$port PGUSER=postgres PGDATABASE=$db"
}

write_conf() {
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$base'"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_worker_processes = 16"
		echo "logging_collector = off"
		echo "log_min_messages = warning"
		echo "timezone = 'UTC'"
		if [ "$profile" != plain ]; then
			echo "shared_preload_libraries = 'pg_journey,pg_cron'"
			echo "cron.database_name = '$db'"
			echo "journey.database = '$db'"
		fi
	} >"$data/pg_journey_cluster.conf"
	chown postgres: "$data/pg_journey_cluster.conf" 2>/dev/null || true
}

running() { [ -f "$data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$cmd" in
env) print_env ;;
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		mkdir -p "$base"
		chown postgres: "$base" 2>/dev/null || true
		chmod 0755 "$base"
		as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 ||
			{ cat "$base/initdb.log" >&2; exit 1; }
		echo "include_if_exists = 'pg_journey_cluster.conf'" >>"$data/postgresql.conf"
	fi
	write_conf
	# Restart when running from binaries that an upgrade replaced (or always: settings may have changed).
	if running; then as_pg "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
	as_pg "$bindir/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 start >/dev/null ||
		{ tail -n 30 "$base/server.log" >&2; exit 1; }
	eval "$(print_env)"
	if ! psql -XtAc "select 1 from pg_database where datname = '$db'" postgres | grep -q 1; then
		psql -Xqc "create database $db" postgres
	fi
	;;
stop)
	if running; then as_pg "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
	;;
*) echo "cluster.sh: unknown command $cmd" >&2; exit 2 ;;
esac
