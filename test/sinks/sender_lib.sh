# Helpers of the test/fault/sender_*.sh scripts (sourced after test/fault/lib.sh, not run).
#   sender_db NAME        a fresh database NAME with pg_journey, made the scripts' PGDATABASE; dropped at exit
#   http_sink NAME ARGS   starts test/sinks/http_sink.py (log $work/NAME.log); sets http_port
#   smtp_sink NAME ARGS   starts test/sinks/smtp_sink.py (log $work/NAME.log); sets smtp_port
#   sender ARGS           journey-sender of this checkout (built when missing), in the foreground
#   sender_bg LOG ARGS    the same in the background; sets sender_pid
# Every process started here is stopped at exit, by its pid.

py=/usr/bin/python3 # Debian's, with python3-aiosmtpd (not a pyenv shim's)
work=$(mktemp -d /tmp/journey-sender-test.XXXXXX)
chmod 0755 "$work"
sender_pids=()
sender_dbname=

sender_cleanup() {
	local p
	for p in "${sender_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${sender_pids[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "$sender_dbname" ]; then
		psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $sender_dbname WITH (FORCE)" >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap sender_cleanup EXIT

sender_bin="$fault_top/journey-sender"
if [ ! -x "$sender_bin" ] || [ -n "$(find "$fault_top/src/sender" -newer "$sender_bin" -name '*.[ch]pp' | head -1)" ]; then
	make -s -C "$fault_top" journey-sender >"$work/build.log" 2>&1 || { cat "$work/build.log"; not_ok "build journey-sender"; fault_finish; }
fi

sender_db() {
	sender_dbname=$1
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
	psql -XAtq -d postgres -c "CREATE DATABASE $1" >/dev/null || { not_ok "create database $1"; fault_finish; }
	export PGDATABASE=$1
	q "SET client_min_messages = warning; CREATE EXTENSION pg_journey" >/dev/null || { not_ok "CREATE EXTENSION pg_journey"; fault_finish; }
}

# wait_port FILE: waits up to 10 s for a sink to write its port.
wait_port() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && { cat "$1"; return 0; }
		sleep 0.1
	done
	return 1
}

http_sink() {
	local name=$1
	shift
	"$py" "$fault_top/test/sinks/http_sink.py" --port-file "$work/$name.port" --log "$work/$name.log" "$@" &
	sender_pids+=($!)
	http_port=$(wait_port "$work/$name.port") || { not_ok "the HTTP sink $name starts"; fault_finish; }
	touch "$work/$name.log"
}

smtp_sink() {
	local name=$1
	shift
	"$py" "$fault_top/test/sinks/smtp_sink.py" --port-file "$work/$name.port" --log "$work/$name.log" "$@" &
	sender_pids+=($!)
	smtp_port=$(wait_port "$work/$name.port") || { not_ok "the SMTP sink $name starts"; fault_finish; }
	touch "$work/$name.log"
}

sender() { "$sender_bin" --progress 0 "$@"; }

sender_bg() {
	local log=$1
	shift
	"$sender_bin" --progress 0 "$@" 2>"$log" &
	sender_pid=$!
	sender_pids+=($sender_pid)
}

# jq-less JSON queries over a sink's log: json_lines FILE PYTHON_EXPR (over each record r) prints one line each.
json_lines() {
	"$py" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    v = eval(sys.argv[2])
    if v is not None:
        print(v)
' "$1" "$2"
}
