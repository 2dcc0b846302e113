#include "pg/postgres.hpp"

#include "ext/shmem/wakeup.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/timestamp.h"
}

namespace journey {

namespace {

struct WorkerSlot {
	Latch *latch;
	Oid database;
	TimestampTz planned;
};

struct WakeupState {
	slock_t mutex;
	WorkerSlot slots[kMaxSchedulerWorkers];
};

WakeupState *g_state = nullptr;
bool g_callback_registered = false;
bool g_pending = false;
TimestampTz g_pending_at = 0;

void
OnXactEvent(XactEvent event, void *)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
		if (g_pending && g_state) {
			Latch *to_set[kMaxSchedulerWorkers];
			int n = 0;
			SpinLockAcquire(&g_state->mutex);
			for (auto &slot : g_state->slots)
				if (slot.latch && slot.database == MyDatabaseId && g_pending_at < slot.planned)
					to_set[n++] = slot.latch;
			SpinLockRelease(&g_state->mutex);
			for (int k = 0; k < n; k++)
				SetLatch(to_set[k]);
		}
		g_pending = false;
	} else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
		// A prepared transaction's steps become visible at COMMIT PREPARED, which wakes the workers then
		// (WakeOnCommitPrepared); they must not wake at this session's next commit.
		g_pending = false;
	}
}

ProcessUtility_hook_type g_prev_utility = nullptr;

// COMMIT PREPARED: the prepared transaction's steps may be due; the workers look again once it commits.
void
OnUtility(PlannedStmt *pstmt, const char *query_string, bool read_only_tree, ProcessUtilityContext context,
		  ParamListInfo params, QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *qc)
{
	::Node *stmt = pstmt->utilityStmt;
	if (stmt && stmt->type == T_TransactionStmt && ((TransactionStmt *)stmt)->kind == TRANS_STMT_COMMIT_PREPARED)
		InvokeCpp([] {
			NoteWake(DT_NOBEGIN);
			return (Datum)0;
		});
	if (g_prev_utility)
		g_prev_utility(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
	else
		standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
}

}	 // namespace

void
WakeupShmemRequest()
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(WakeupState)));
}

void
WakeupShmemStartup()
{
	bool found = false;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	g_state = (WakeupState *)ShmemInitStruct("pg_journey wakeup", sizeof(WakeupState), &found);
	if (!found) {
		SpinLockInit(&g_state->mutex);
		for (auto &slot : g_state->slots)
			slot = WorkerSlot{nullptr, InvalidOid, DT_NOEND};
	}
	LWLockRelease(AddinShmemInitLock);
}

void
NoteWake(Timestamp at)
{
	if (!g_state)
		return;	 // not preloaded: there is no scheduler to wake
	if (!g_callback_registered) {
		PgCall([] { RegisterXactCallback(OnXactEvent, nullptr); });
		g_callback_registered = true;
	}
	if (!g_pending || at < g_pending_at) {
		g_pending = true;
		g_pending_at = at;
	}
}

void
WakeOnCommitPrepared()
{
	g_prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = OnUtility;
}

void
PublishPlannedWake(int slot, Latch *latch, Oid database, Timestamp planned)
{
	if (!g_state || slot < 0 || slot >= kMaxSchedulerWorkers)
		return;
	SpinLockAcquire(&g_state->mutex);
	g_state->slots[slot] = WorkerSlot{latch, database, planned};
	SpinLockRelease(&g_state->mutex);
}

}	 // namespace journey

extern "C" {
PG_FUNCTION_INFO_V1(journey_note_wake);
}

// journey._note_wake(): the workers look again when this transaction commits (journey.resume: held steps
// are due at once).
Datum
journey_note_wake(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([] {
		journey::NoteWake(DT_NOBEGIN);
		return (Datum)0;
	});
}
