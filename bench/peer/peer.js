// make bench workload 5: graphile-worker running the cart journey's step, on the bench cluster
// (connection from the PG* environment variables).
//   node peer.js migrate                      installs or upgrades schema graphile_worker
//   node peer.js work MODE EXPECTED_JOBS      runs the worker until the queue is empty; prints one JSON line
// MODE: "defaults" (concurrency 24, a pool of 26, everything else graphile-worker's defaults),
// "tuned" (the same plus a local queue and batched completion), or "tuned-noop" (tuned, with a task
// that does nothing: the queue's own ceiling).
"use strict";
const { run, runMigrations } = require("graphile-worker");
const { Pool } = require("pg");

const concurrency = Number(process.env.BENCH_GW_CONCURRENCY || 24);
const localQueueSize = Number(process.env.BENCH_GW_LOCAL_QUEUE || 500);
const completeDelay = Number(process.env.BENCH_GW_COMPLETE_DELAY || 10);

// The cart journey's step for one user: unless they checked out since entry, a push when reachable,
// then an e-mail (suppressed when unreachable); written as outbox rows in one statement.
const STEP = `
WITH u AS (SELECT $1::text AS user_id, $2::timestamptz AS entered_at, $3::text AS sku, $4::bigint AS job_id),
sends AS (
	SELECT 'push' AS node, 'push' AS channel, 'cart_reminder' AS template, '{}'::jsonb AS data, c.address
	  FROM u JOIN journey.contacts c ON c.user_id = u.user_id AND c.channel = 'push'
	 WHERE c.address IS NOT NULL AND c.opted_in AND NOT c.bounced
	UNION ALL
	SELECT 'email', 'email', 'cart_similar', jsonb_build_object('sku', coalesce(u.sku, '')),
	       (SELECT c.address FROM journey.contacts c
	         WHERE c.user_id = u.user_id AND c.channel = 'email' AND c.address IS NOT NULL AND c.opted_in
	           AND NOT c.bounced)
	  FROM u
)
INSERT INTO bench.gw_outbox (journey, version, node, instance_id, user_id, channel, template, payload, dedup_key,
                             created_at, available_at, status, last_error)
SELECT 'cart_abandonment', 1, s.node, u.job_id, u.user_id, s.channel, s.template,
       jsonb_build_object('to', s.address, 'template', s.template, 'data', s.data),
       u.job_id || ':' || s.node || ':1', now(), now(),
       CASE WHEN s.address IS NULL THEN 'suppressed' ELSE 'pending' END,
       CASE WHEN s.address IS NULL THEN 'not reachable on ' || s.channel END
  FROM u, sends s
 WHERE NOT EXISTS (SELECT 1 FROM bench.gw_events e
                    WHERE e.user_id = u.user_id AND e.name = 'checkout' AND e.occurred_at >= u.entered_at)`;

const silentLogger = () => () => {};

async function work(mode, expected) {
	const preset = {
		worker: {
			concurrentJobs: concurrency,
			maxPoolSize: concurrency + 2,
			pollInterval: 2000,
		},
	};
	const noop = mode === "tuned-noop";
	if (mode === "tuned" || noop) {
		preset.worker.localQueue = { size: localQueueSize };
		preset.worker.completeJobBatchDelay = completeDelay;
		preset.worker.failJobBatchDelay = completeDelay;
	} else if (mode !== "defaults") {
		throw new Error(`unknown mode ${mode}`);
	}
	let first = null;
	let done = 0;
	const taskList = {
		cart_step: async (payload, helpers) => {
			if (first === null) first = process.hrtime.bigint();
			if (!noop) await helpers.query(STEP, [payload.user_id, payload.entered_at, payload.sku, helpers.job.id]);
			done++;
		},
	};
	const { Logger } = require("graphile-worker");
	const runner = await run({ preset, taskList, logger: new Logger(silentLogger) });
	// The queue is drained when graphile-worker's job table is empty (completed jobs are deleted).
	const probe = new Pool({ max: 1 });
	let last = null;
	for (;;) {
		const r = await probe.query("SELECT count(*)::int AS n FROM graphile_worker._private_jobs");
		if (r.rows[0].n === 0 && done >= expected) {
			last = process.hrtime.bigint();
			break;
		}
		await new Promise((res) => setTimeout(res, 20));
	}
	await runner.stop();
	await probe.end();
	const seconds = Number(last - first) / 1e9;
	console.log(JSON.stringify({ mode, jobs: done, seconds, jobs_per_s: done / seconds, concurrency,
		local_queue: mode === "defaults" ? null : localQueueSize, complete_delay_ms: mode === "defaults" ? null : completeDelay }));
}

async function main() {
	const [cmd, mode, expected] = process.argv.slice(2);
	if (cmd === "migrate") {
		await runMigrations({ logger: new (require("graphile-worker").Logger)(silentLogger) });
	} else if (cmd === "work") {
		await work(mode, Number(expected));
	} else {
		throw new Error("usage: node peer.js migrate | work MODE EXPECTED_JOBS");
	}
}

main().catch((e) => {
	console.error(e && e.stack ? e.stack : e);
	process.exit(1);
});
