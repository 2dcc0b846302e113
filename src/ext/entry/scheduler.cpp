// Scheduler worker: sleeps until the earliest due step (at most journey.naptime), is woken when a
// transaction commits an earlier one (ext/wakeup), advances due instances in batches, one transaction
// per batch. An error outside a step is logged and the worker carries on after a backoff.
#include "pg/postgres.hpp"

#include "ext/entry/scheduler.hpp"

#include "ext/entry/as_owner.hpp"
#include "ext/engine/engine.hpp"
#include "ext/engine/retain_memory.hpp"
#include "ext/entry/settings.hpp"
#include "ext/shmem/wakeup.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PGDLLEXPORT void journey_scheduler_main(Datum arg);
}

namespace journey {

void
RegisterSchedulerWorkers()
{
	for (int k = 0; k < g_workers; k++) {
		BackgroundWorker worker;
		memset(&worker, 0, sizeof worker);
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 1;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_journey");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "journey_scheduler_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "pg_journey scheduler %d", k);
		snprintf(worker.bgw_type, BGW_MAXLEN, "pg_journey scheduler");
		worker.bgw_main_arg = Int32GetDatum(k);
		RegisterBackgroundWorker(&worker);
	}
}

namespace {

constexpr long kBusyRetryMs = 50;

struct PassResult {
	int64_t stepped = 0;
	bool has_next = false;
	Timestamp next_wake = 0;
};

// One batch in the current transaction.
PassResult
RunPass(int batch_size)
{
	PassResult r;
	AsOwner as_owner;  // as run_due runs (SECURITY DEFINER), whichever role the worker connected as
	SpiSession spi;
	Engine engine(spi);
	const Timestamp now = PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
	r.stepped = engine.RunDueBatch(now, batch_size);
	if (r.stepped < batch_size) {
		auto next = engine.NextWake();
		r.has_next = next.has_value();
		r.next_wake = next.value_or(0);
	}
	return r;
}

// Retention (journey.purge): about once a minute, by the first worker, a batch at a time.
constexpr long kPurgeEveryMs = 60 * 1000;
constexpr int kPurgeBatch = 1000;
const Statement kHasPurge{"SELECT to_regprocedure('journey.purge(integer)') IS NOT NULL", {}, {SqlType::Bool}};
const Statement kPurge{"SELECT greatest(outbox, instances) FROM journey.purge($1)", {SqlType::Int4}, {SqlType::Int8}};

// One purge batch in the current transaction; the larger of the rows and instances it deleted (0 when the
// schema has no purge yet).
int64_t
RunPurge()
{
	AsOwner as_owner;
	SpiSession spi;
	if (!spi.Run(kHasPurge, {})[0][0].i)
		return 0;
	return spi.Run(kPurge, {SqlValue::Int(kPurgeBatch)})[0][0].i;
}

// Runs work(arg) in a transaction of its own when the database has pg_journey (*has_extension says whether it
// does). False when it failed: the error is logged and the transaction aborted here (Postgres frames only: no C++
// object with a destructor lives in this function).
bool
InOwnTransaction(const char *activity, bool *has_extension, void (*work)(void *), void *arg)
{
	MemoryContext loop_context = CurrentMemoryContext;
	volatile bool ok = true;
	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, activity);
		*has_extension = OidIsValid(get_extension_oid("pg_journey", true));
		if (*has_extension)
			InvokeCpp([&] {
				work(arg);
				return (Datum)0;
			});
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ok = false;
		MemoryContextSwitchTo(loop_context);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

// A purge batch in a transaction of its own; -1 when it failed (logged).
int64_t
PurgeInTransaction()
{
	int64_t deleted = 0;
	bool has_extension = false;
	if (!InOwnTransaction("pg_journey: retention", &has_extension,
						  [](void *n) { *static_cast<int64_t *>(n) = RunPurge(); }, &deleted))
		return -1;
	return has_extension ? deleted : 0;
}

// One pass in a transaction of its own; false when it failed (logged).
bool
RunPassInTransaction(PassResult *pass, bool *has_extension)
{
	return InOwnTransaction("pg_journey: running due steps", has_extension,
							[](void *p) { *static_cast<PassResult *>(p) = RunPass(g_batch_size); }, pass);
}

}	 // namespace

}	 // namespace journey

void
journey_scheduler_main(Datum arg)
{
	using namespace journey;
	const int slot = DatumGetInt32(arg);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(g_database, NULL, 0);
	// ALTER DATABASE / ALTER ROLE ... SET search_path reach this session too: override them for good.
	SetConfigOption("search_path", kSafeSearchPath, PGC_SUSET, PGC_S_OVERRIDE);
	pgstat_report_appname("pg_journey scheduler");
	RetainFreedMemory();

	int failures = 0;  // passes that failed in a row
	// The first purge 5 s after the start, then about once a minute.
	TimestampTz last_purge = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 5000 - kPurgeEveryMs);
	for (;;) {
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		// Busy: any commit meanwhile sets the latch, so the next wait returns at once.
		PublishPlannedWake(slot, MyLatch, MyDatabaseId, DT_NOEND);

		long sleep_ms = g_naptime_ms;
		if (g_scheduler_enabled) {
			for (;;) {
				PassResult pass;
				bool has_extension = false;
				if (!RunPassInTransaction(&pass, &has_extension)) {
					// An error outside a step (a lock, a rule_cache): logged; the worker carries on after a
					// backoff (1 s doubling up to 32 s, never longer than journey.naptime) instead of
					// dying and being restarted every second.
					failures = failures < 6 ? failures + 1 : failures;
					const long backoff = 1000L << (failures - 1);
					sleep_ms = backoff < g_naptime_ms ? backoff : g_naptime_ms;
					break;
				}
				failures = 0;
				if (!has_extension)
					break;
				if (pass.stepped >= g_batch_size)
					continue;  // more may be due
				if (pass.has_next) {
					TimestampTz now = GetCurrentTimestamp();
					long ms = pass.next_wake <= now ? 0 : (long)((pass.next_wake - now + 999) / 1000);
					sleep_ms = ms < sleep_ms ? ms : sleep_ms;
					if (sleep_ms == 0) {
						if (pass.stepped > 0)
							continue;
						// Due but not ours to take (locked by another run_due): look again shortly.
						sleep_ms = g_naptime_ms < kBusyRetryMs ? g_naptime_ms : kBusyRetryMs;
					}
					PublishPlannedWake(slot, MyLatch, MyDatabaseId, pass.next_wake);
				} else {
					PublishPlannedWake(slot, MyLatch, MyDatabaseId,
									   TimestampTzPlusMilliseconds(GetCurrentTimestamp(), sleep_ms));
				}
				break;
			}
		}
		if (g_scheduler_enabled && slot == 0 &&
			TimestampDifferenceExceeds(last_purge, GetCurrentTimestamp(), (int)kPurgeEveryMs)) {
			// A full batch deleted: the next one at the next wake (old rows are deleted a batch per loop
			// until none is left, between the passes that run steps); else in a minute.
			if (PurgeInTransaction() < kPurgeBatch)
				last_purge = GetCurrentTimestamp();
		}
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms, PG_WAIT_EXTENSION);
	}
}
