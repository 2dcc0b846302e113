#include "pg/postgres.hpp"

#include "ext/wakeup.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
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
	} else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
		g_pending = false;
	}
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
PublishPlannedWake(int slot, Latch *latch, Oid database, Timestamp planned)
{
	if (!g_state || slot < 0 || slot >= kMaxSchedulerWorkers)
		return;
	SpinLockAcquire(&g_state->mutex);
	g_state->slots[slot] = WorkerSlot{latch, database, planned};
	SpinLockRelease(&g_state->mutex);
}

}	 // namespace journey
