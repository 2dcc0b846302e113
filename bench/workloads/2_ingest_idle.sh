# Workload 2 — ingest, no journey interested (target: ≤ 1.10x the bare insert).
#
# Measures: the same as workload 1 (ingest() in bench/workloads/1_ingest.sh) with N page_view events,
# which no journey listens to: one INSERT … SELECT into journey.events with the cart journey live.
# Baseline: the same INSERT into bench.bare_events (no trigger); the PL/pgSQL row trigger into
# bench.pl_events for reference.

workload_2() { ingest 2 page_view; }
