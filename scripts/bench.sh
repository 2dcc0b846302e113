#!/usr/bin/env bash
# make bench: the benchmark harness of issue 4 (not part of make test).
#
# Installs what is missing, builds and installs the extension, starts the bench cluster
# (scripts/cluster.sh start bench: durable settings), installs pg_journey afresh in it, runs the
# workloads against baselines measured in the same cluster in the same run, prints for each one our
# figure, the baseline's, the ratio, the target and PASS/MISS, and appends a dated section to
# bench/RESULTS.md. Every figure is the median of BENCH_REPEAT runs; scratch output (the log of every
# run) is in bench/out/.
#
#   BENCH_N=100000      users, i.e. rows/instances per workload (1000 .. 1000000)
#   BENCH_ONLY=1,3      workloads to run (default all: 1..13)
#   BENCH_REPEAT=3      runs per figure (medians)
#   BENCH_BUILD=0       do not build and install the extension (use the installed one)
#   BENCH_TRIGGER_CALLS=1000000   trigger calls of workload 6's backend memory check
#   BENCH_SCHED_ROUNDS=2          rounds of N scheduler steps of workload 6's scheduler memory check
#   BENCH_RESULTS=path  where to append the results (default bench/RESULTS.md)
#   BENCH_PROFILE=1     load pg_stat_statements and record the statements of pg_journey's runs
#   BENCH_WORKERS=2     journey.workers of the scheduler (default: one per core)
#   BENCH_SEG_N=1000000 profiles of workload 8's segment
#   BENCH_CLAIM_N=200000  outbox rows of workload 10
#   BENCH_SENDER_N=50000  messages of workload 11
#
# Workloads (targets from issue 4):
#   1 ingest, enrolling: INSERT … SELECT of N add_to_cart events into journey.events with the cart
#     journey live, vs the same INSERT into bench.bare_events (no trigger)      ≤ 2.0x   (PL/pgSQL: ~4x)
#   2 ingest, no journey interested: N page_view events, vs bare                 ≤ 1.10x
#   3 advance: journey.run_due(as_of) over N due instances, 10% checked out, vs bench.naive_tick
#     (PL/pgSQL, row by row, naive schema)                                       ≥ 2x the steps/s
#   4 scheduler on the real clock: N instances due in one second all advanced within N/50,000 s + 1 s;
#     1,000 events/s for 10 s through a 0-second wait: event commit → outbox commit p50 ≤ 20 ms, p99 ≤ 100 ms
#   5 peer: graphile-worker running the same step; our advance rate ≥ 20x its tuned jobs/s
#   6 memory and size: bytes per active instance ≤ 250; scheduler and backend RSS flat (within 10%)
#   7 Google Benchmark of src/core: node visits/s ≥ 2,000,000
#   8 segment refresh: BENCH_SEG_N profiles (1,000,000), 10% changing, < 30 s; application inserts
#     meanwhile p99 ≤ 100 ms; the first entered users' outbox rows committed before it ends (issue 13)
#   9 run_due through a segment condition vs an attribute condition ≤ 1.05x (issue 13)
#  10 claim + ack of BENCH_CLAIM_N outbox rows by 4 concurrent claimers (pgbench), vs 1: rows/s, each row
#     handed out once (issue 14)
#  11 journey-sender --once to a local webhook sink: messages/s ≥ 2,000 (issue 14)
#
# The harness: this driver reads the settings and runs the steps in order; bench/lib.sh holds the
# helpers they share, bench/harness.sh the set-up and the record, bench/workloads/N_*.sh one workload
# each (a function workload_N, its measurement and its baseline described at its head).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

N=${BENCH_N:-100000}
ONLY=${BENCH_ONLY:-1,2,3,4,5,6,7,8,9,10,11,12,13}
REPEAT=${BENCH_REPEAT:-3}
BUILD=${BENCH_BUILD:-1}
TRIGGER_CALLS=${BENCH_TRIGGER_CALLS:-1000000}
RESULTS=${BENCH_RESULTS:-$top/bench/RESULTS.md}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1000 ] && [ "$N" -le 1000000 ] ||
	{ echo "bench: BENCH_N must be an integer in 1000..1000000, not $N" >&2; exit 2; }
[[ "$REPEAT" =~ ^[0-9]+$ ]] && [ "$REPEAT" -ge 1 ] || { echo "bench: BENCH_REPEAT must be >= 1" >&2; exit 2; }
[[ "$ONLY" =~ ^([1-9]|1[0-3])(,([1-9]|1[0-3]))*$ ]] || { echo "bench: BENCH_ONLY is a list of workloads 1..13, e.g. 1,3,10" >&2; exit 2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
PROFILE=${BENCH_PROFILE:-0}

out=$top/bench/out
mkdir -p "$out"
log=$out/bench.log
: >"$log"

# Far-future event times: the real clock (and so the background scheduler) never reaches them.
T0="timestamptz '2100-01-01 00:00:00+00'"

. bench/lib.sh
. bench/harness.sh
for f in bench/workloads/[0-9]*_*.sh; do . "$f"; done

# ---------------------------------------------------------------------------------------------- set-up
say "== bench: N=$N, workloads $ONLY, repeat $REPEAT"
install_missing
start_cluster
trap cleanup EXIT
install_afresh

want 1 && workload_1
want 2 && workload_2
want 3 && workload_3
want 4 && workload_4
want 5 && workload_5
want 6 && workload_6
want 7 && workload_7
want 8 && workload_8
want 9 && workload_9
want 10 && workload_10
want 11 && workload_11
want 12 && workload_12
want 13 && workload_13

write_record
